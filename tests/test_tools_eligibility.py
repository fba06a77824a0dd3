"""check_eligibility: table-driven boundaries for every jurisdiction."""

import pytest

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import JURISDICTIONS
from assistant.knowledge.rules import rules_for
from assistant.tools import check_eligibility

# (jurisdiction, workers, options, eligible, recommended)
CASES = [
    # Alberta: SECOR 10 or fewer; Alberta Transportation refuses SECOR.
    ("AB", 0, {}, ["COR", "SECOR"], "SECOR"),
    ("AB", 1, {}, ["COR", "SECOR"], "SECOR"),
    ("AB", 10, {}, ["COR", "SECOR"], "SECOR"),
    ("AB", 11, {}, ["COR"], "COR"),
    ("AB", 8, {"subcontractors": True}, ["COR", "SECOR"], "COR"),
    ("AB", 8, {"public_contracts": True}, ["COR", "SECOR"], "COR"),
    ("AB", 11, {"public_contracts": True}, ["COR"], "COR"),
    # British Columbia: fewer than 20 FTEs (payroll hours / 2,080).
    ("BC", 0, {}, ["COR", "SECOR"], "SECOR"),
    ("BC", 1, {}, ["COR", "SECOR"], "SECOR"),
    ("BC", 19, {}, ["COR", "SECOR"], "SECOR"),
    ("BC", 20, {}, ["COR"], "COR"),
    ("BC", 25, {"payroll_hours": 19 * 2080}, ["COR", "SECOR"], "SECOR"),
    ("BC", 25, {"payroll_hours": 20 * 2080}, ["COR"], "COR"),
    ("BC", 12, {"subcontractors": True}, ["COR", "SECOR"], "COR"),
    # Saskatchewan: SCSA nine or fewer (HCSAS fewer than 10).
    ("SK", 0, {}, ["COR", "SECOR"], "SECOR"),
    ("SK", 1, {}, ["COR", "SECOR"], "SECOR"),
    ("SK", 9, {}, ["COR", "SECOR"], "SECOR"),
    ("SK", 10, {}, ["COR"], "COR"),
    ("SK", 5, {"public_contracts": True}, ["COR", "SECOR"], "SECOR"),
    ("SK", 5, {"subcontractors": True}, ["COR", "SECOR"], "COR"),
    # Manitoba: fewer than 10.
    ("MB", 0, {}, ["COR", "SECOR"], "SECOR"),
    ("MB", 1, {}, ["COR", "SECOR"], "SECOR"),
    ("MB", 9, {}, ["COR", "SECOR"], "SECOR"),
    ("MB", 10, {}, ["COR"], "COR"),
    # Ontario, New Brunswick, Newfoundland and Labrador, NWT, Nunavut: COR only.
    *[
        (code, n, {}, ["COR"], "COR")
        for code in ("ON", "NB", "NL", "NT", "NU")
        for n in (0, 1, 9, 10, 11, 50)
    ],
    # Quebec and PEI: no program.
    *[(code, n, {}, [], None) for code in ("QC", "PE") for n in (0, 1, 10, 500)],
    ("QC", 3, {"subcontractors": True, "public_contracts": True}, [], None),
    # Nova Scotia classes: Owner/Operator 1, Small Business 2-4, Intermediate 5-19, Standard 20+.
    ("NS", 0, {}, ["COR", "OWNER-OPERATOR"], "OWNER-OPERATOR"),
    ("NS", 1, {}, ["COR", "OWNER-OPERATOR"], "OWNER-OPERATOR"),
    ("NS", 1, {"subcontractors": True}, ["COR"], "COR"),
    ("NS", 2, {}, ["COR", "SECOR"], "SECOR"),
    ("NS", 3, {}, ["COR", "SECOR"], "SECOR"),
    ("NS", 4, {}, ["COR", "SECOR"], "SECOR"),
    ("NS", 5, {}, ["COR"], "COR"),
    ("NS", 19, {}, ["COR"], "COR"),
    ("NS", 20, {}, ["COR"], "COR"),
    ("NS", 3, {"subcontractors": True}, ["COR", "SECOR"], "COR"),
    # Yukon: SECOR fewer than 10 at peak; OCOP for owner-operators.
    ("YT", 0, {}, ["COR", "SECOR", "OCOP"], "OCOP"),
    ("YT", 1, {}, ["COR", "SECOR", "OCOP"], "OCOP"),
    ("YT", 1, {"owner_operator": True}, ["COR", "SECOR", "OCOP"], "OCOP"),
    ("YT", 1, {"owner_operator": True, "subcontractors": True}, ["COR", "SECOR"], "COR"),
    ("YT", 2, {"owner_operator": True}, ["COR", "SECOR"], "SECOR"),
    ("YT", 1, {"partners": True}, ["COR", "SECOR"], "SECOR"),  # a spouse partnership: no OCOP
    ("NS", 1, {"partners": True}, ["COR"], "COR"),
    ("YT", 9, {}, ["COR", "SECOR"], "SECOR"),
    ("YT", 10, {}, ["COR"], "COR"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "workers", "options", "eligible", "recommended"), CASES)
def test_boundaries(code, workers, options, eligible, recommended):
    r = check_eligibility(code, workers, **options)
    assert r.province == code
    assert r.eligible == eligible
    assert r.recommended == recommended
    assert set(r.local_names) == set(eligible)
    assert r.reasons and all(reason.sources for reason in r.reasons)


SECOR_LARGEST = {"AB": 10, "BC": 19, "SK": 9, "MB": 9, "NS": 4, "YT": 9}


@pytest.mark.parametrize("code", JURISDICTIONS)
def test_limit_and_limit_plus_one_from_rules(code):
    se = rules_for(code).small_employer
    if not se.exists.value:
        assert code not in SECOR_LARGEST
        for n in (0, 1, 5, 10, 20, 100):
            assert "SECOR" not in check_eligibility(code, n).eligible
        return
    largest = se.worker_limit.value.largest
    assert largest == SECOR_LARGEST[code]
    at = check_eligibility(code, largest)
    over = check_eligibility(code, largest + 1)
    assert "SECOR" in at.eligible and at.recommended == "SECOR"
    assert "SECOR" not in over.eligible and over.recommended == "COR"
    at_limit = [w for w in at.warnings if w.kind == "at_limit"]
    assert at_limit and f"({largest + 1} workers) means COR" in at_limit[0].text


def test_alberta_at_limit_warns_and_sources_disagree():
    r = check_eligibility("AB", 10)
    kinds = [w.kind for w in r.warnings]
    assert "at_limit" in kinds and "sources_disagree" in kinds
    disagree = next(w for w in r.warnings if w.kind == "sources_disagree")
    assert any("alberta.ca" in s for s in disagree.sources)
    assert "hiring one more worker (11 workers) means COR" in r.warnings[0].text
    assert "near_limit" in [w.kind for w in check_eligibility("AB", 9).warnings]
    assert not [w for w in check_eligibility("AB", 5).warnings if w.kind != "input"]


def test_saskatchewan_nine_vs_fewer_than_ten():
    r = check_eligibility("SK", 9)
    disagree = [w for w in r.warnings if w.kind == "sources_disagree"]
    assert disagree and "fewer than nine" in disagree[0].text
    assert r.recommended == "SECOR"
    subs = check_eligibility("SK", 4, subcontractors=True)
    assert any("counts subcontractors" in w.text for w in subs.warnings)


def test_alberta_transportation_refuses_secor():
    r = check_eligibility("AB", 6, public_contracts=True)
    assert r.recommended == "COR"
    reason = next(x for x in r.reasons if "does not accept SECOR" in x.text)
    assert reason.sources == [
        "https://www.alberta.ca/transportation-construction-information-for-new-bidders"
    ]


def test_subcontractors_reason_cites_source():
    r = check_eligibility("MB", 5, subcontractors=True)
    assert r.recommended == "COR"
    assert any(x.rule == "national.subcontractors" for x in r.reasons)


def test_bc_counts_fte_and_says_how():
    r = check_eligibility("BC", 30, payroll_hours=20_800)
    assert r.counted_workers == 10.0 and r.counting == "fte"
    assert "20,800 payroll hours / 2,080 = 10.00 FTEs" in r.reasons[1].text
    plain = check_eligibility("BC", 12)
    assert "no payroll hours were given" in plain.reasons[1].text
    ab = check_eligibility("AB", 5, payroll_hours=1000)
    assert any(w.kind == "input" for w in ab.warnings)


def test_no_program_says_what_to_do_instead():
    for code in ("QC", "PE"):
        r = check_eligibility(code, 4)
        assert r.program_exists is False and r.eligible == [] and r.recommended is None
        assert r.next_steps and r.next_steps[0].sources
        assert "No COR program was found" in r.reasons[0].text


def test_nova_scotia_class_names():
    r = check_eligibility("NS", 3)
    assert r.local_names["SECOR"].startswith("Small Business")
    assert any("Small Business class" in x.text for x in r.reasons)
    assert r.local_names["COR"].startswith("Certificate of Recognition")
    assert check_eligibility("NS", 12).local_names["COR"].endswith("Intermediate class")


def test_yukon_public_contracts_and_small_cor():
    r = check_eligibility("YT", 5, public_contracts=True)
    assert r.recommended == "SECOR"
    assert any(w.kind == "confirm" and "Government of Yukon" in w.text for w in r.warnings)
    small_cor = check_eligibility("YT", 5, subcontractors=True)
    assert any("10 or more employees" in w.text for w in small_cor.warnings)


def test_owner_operator_flag_with_employees_warns():
    r = check_eligibility("YT", 4, owner_operator=True)
    assert "OCOP" not in r.eligible
    assert any(w.kind == "input" for w in r.warnings)


def test_a_partner_in_the_business_rules_out_owner_only_certificates_and_says_why():
    r = check_eligibility("YT", 1, partners=True)
    why = [x.text for x in r.reasons if "OCOP" in x.text]
    assert why and "partner" in why[0] and "spouse" in why[0]
    assert r.partners is True


def test_next_steps_name_partner_for_industry():
    r = check_eligibility("AB", 6, industry="roofing")
    assert r.next_steps[0].name == "Alberta Construction Safety Association (ACSA)"
    assert r.next_steps[0].url == "https://www.youracsa.ca/cor-secor/"
    bc = check_eligibility("BC", 6, industry="hotel")
    assert bc.next_steps[0].name == "go2HR"
    odd = check_eligibility("MB", 6, industry="fishing")
    assert any(w.kind == "not_found" for w in odd.warnings)


def test_every_source_is_listed():
    r = check_eligibility("AB", 10, subcontractors=True, public_contracts=True)
    listed = set(r.sources)
    for item in [*r.reasons, *r.warnings, *r.next_steps]:
        assert set(item.sources) <= listed


def test_contract_keys():
    data = check_eligibility("AB", 5).model_dump(mode="json")
    for key in ("province", "workers", "eligible", "recommended", "local_names", "reasons",
                "warnings", "next_steps", "sources"):  # fmt: skip
        assert key in data


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("Mars", 3), {}, "valid choices"),
        (("AB", -1), {}, "negative"),
        (("AB", 2.5), {}, "whole number"),
        (("AB", True), {}, "yes/no"),
        (("AB", float("nan")), {}, "finite"),
        (("AB", "many"), {}, "whole number"),
        (("AB", 3), {"subcontractors": "yes"}, "true or false"),
        (("YT", 1), {"partners": "my wife"}, "true or false"),
        (("BC", 3), {"payroll_hours": -5}, "negative"),
        (("AB", 3), {"industry": 5}, "industry"),
    ],
)
def test_bad_input_is_an_input_error(args, kwargs, match):
    with pytest.raises(InputError, match=match):
        check_eligibility(*args, **kwargs)
