"""score_audit, estimate_incentive, audit_schedule, compare_costs, the LangChain tools."""

from datetime import date

import pytest
from langchain_core.tools import StructuredTool

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import JURISDICTIONS
from assistant.presentation.result_prose import describe_eligibility
from assistant.tools import (
    TOOL_FUNCTIONS,
    audit_schedule,
    check_eligibility,
    compare_costs,
    estimate_incentive,
    langchain_tools,
    score_audit,
)

# ---- score_audit ---------------------------------------------------------------------------

PASSING = {"Hazard Assessment": 85, "Hazard Control": 82, "Training": 80}


@pytest.mark.parametrize(
    ("code", "passed"),
    [(c, True) for c in ("AB", "BC", "SK", "MB", "NS", "NT", "NU")]
    + [(c, None) for c in ("NB", "NL", "YT", "QC", "PE")],
)
def test_score_every_jurisdiction(code, passed):
    r = score_audit(code, PASSING)
    assert r.passed is passed
    assert r.marks_found is (passed is not None)
    assert r.warnings or r.reasons
    for item in [*r.reasons, *r.warnings]:
        assert item.sources


def test_score_failing_elements_and_points_needed():
    r = score_audit("AB", {"Training": 45, "Hazard Control": 95, "Investigation": 90})
    assert r.overall_score == 76.67 and r.overall_mark == 80 and r.per_element_mark == 50
    assert r.passed is False
    assert r.failing_elements == ["Training"]
    assert r.elements[0].points_needed == 5.0
    assert r.points_needed_overall == 3.33


def test_score_exactly_at_marks_passes():
    assert score_audit("MB", {"A": 80, "B": 80}).passed is True
    assert score_audit("MB", {"A": 110 - 60, "B": 100, "C": 90}).passed is True
    assert score_audit("MB", {"A": 49.99, "B": 100, "C": 100}).failing_elements == ["A"]


def test_score_maintenance_marks_differ_in_alberta():
    low = {"Training": 62, "Hazard Control": 58}
    assert score_audit("AB", low, "maintenance").passed is True
    assert score_audit("AB", low, "certification").passed is False
    r = score_audit("AB", {"Training": 30, "Hazard Control": 95}, "maintenance")
    assert r.passed is True and r.per_element_mark is None
    assert any("per-element" in w.text for w in r.warnings)
    fallback = score_audit("BC", PASSING, "maintenance")
    assert any("certification pass marks are used" in x.text for x in fallback.reasons)


def test_score_ontario_secondary_marks():
    r = score_audit("ON", {"A": 70, "B": 64})
    assert r.per_element_mark == 65 and r.failing_elements == ["B"]
    assert any("Legislated items" in w.text for w in r.warnings)
    assert any(w.kind == "low_confidence" for w in r.warnings)


def test_score_secor_program():
    r = score_audit("AB", PASSING, program="SECOR")
    assert r.passed and r.program == "SECOR"
    assert any("ahsa.ca/cor/about-secor" in s for s in r.sources)
    none = score_audit("ON", PASSING, program="SECOR")
    assert none.passed is None and none.warnings[0].kind == "no_program"


@pytest.mark.parametrize(
    ("scores", "audit_type", "match"),
    [
        ({"A": 101}, "certification", "0 to 100"),
        ({"A": -1}, "certification", "0 to 100"),
        ({"A": "x"}, "certification", "percentage"),
        ({}, "certification", "at least one"),
        ({"": 50}, "certification", "non-empty"),
        ({"A": 50}, "annual", "audit type"),
        ([("A", 50)], "certification", "map element names"),
    ],
)
def test_score_bad_input(scores, audit_type, match):
    with pytest.raises(InputError, match=match):
        score_audit("AB", scores, audit_type)


# ---- estimate_incentive --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kwargs", "amount"),
    [
        ("BC", {"payroll": 2_000_000, "base_rate": 2.0}, 4000.0),
        ("BC", {"payroll": 60_000_000, "base_rate": 1.68}, 100_800.0),
        ("BC", {"payroll": 50_000, "base_rate": 2.0}, 750.0),
        ("BC", {"payroll": 100_000, "base_rate": 2.0, "assessment": 5000}, 1000.0),
        ("BC", {"payroll": 400_000, "base_rate": 2.0, "assessment": 12_000}, 800.0),
        ("MB", {"premium": 4000}, 3000.0),
        ("MB", {"premium": 100_000}, 15_000.0),
        ("MB", {"premium": 1000}, 750.0),
        ("MB", {"assessment": 30_000}, 4500.0),
        ("AB", {"premium": 20_000, "first_year": True}, 2000.0),
        ("AB", {"premium": 20_000, "first_year": False}, 1000.0),
        ("AB", {"premium": 20_000}, 2000.0),
        ("AB", {"premium": 20_000, "program": "SECOR"}, 1000.0),
        ("YT", {"assessment": 8000}, 800.0),
        ("NL", {"assessment": 8000}, 400.0),
    ],
)
def test_incentive_formulas(code, kwargs, amount):
    r = estimate_incentive(code, **kwargs)
    assert r.found is True and r.amount == amount
    assert r.steps and all(step.sources for step in r.steps)
    assert f"${amount:,.2f}" in r.steps[-1].text


def test_incentive_steps_show_the_formula():
    r = estimate_incentive("BC", payroll=2_000_000, base_rate=2.0)
    assert r.steps[0].text.startswith("Base-rate assessment = payroll / 100 x base rate")
    assert "10%" in r.steps[1].text
    mb = estimate_incentive("MB", premium=4000)
    assert [s.value for s in mb.steps] == [600.0, 3000.0, 3000.0]
    ab = estimate_incentive("AB", premium=100)
    assert any(w.kind == "input" and "assumed" in w.text for w in ab.warnings)


@pytest.mark.parametrize("code", ["SK", "ON", "QC", "NB", "NS", "PE", "NT", "NU"])
def test_no_incentive_found_is_honest(code):
    r = estimate_incentive(code, premium=10_000)
    assert r.found is False and r.amount is None and r.kind == "none"
    assert r.steps[0].text.startswith("No incentive formula was found")
    assert r.sources


def test_incentive_for_missing_program():
    r = estimate_incentive("NL", program="SECOR")
    assert r.found is False and "No incentive for SECOR" in r.steps[0].text


@pytest.mark.parametrize(
    ("code", "kwargs", "match"),
    [
        ("BC", {"premium": 1000}, "payroll and base rate"),
        ("MB", {}, "premium"),
        ("MB", {"premium": -5}, "negative"),
        ("MB", {"premium": "lots"}, "number"),
        ("AB", {"premium": 10, "first_year": "yes"}, "true or false"),
        ("BC", {"payroll": 1, "base_rate": 5000}, "at most"),
    ],
)
def test_incentive_bad_input(code, kwargs, match):
    with pytest.raises(InputError, match=match):
        estimate_incentive(code, **kwargs)


# ---- audit_schedule ------------------------------------------------------------------------


def test_schedule_alberta():
    r = audit_schedule("Alberta", "2025-03-31")
    assert r.found and r.validity_years == 3 and r.expires_on == date(2028, 3, 31)
    got = [(e.year, e.audit, e.window_start.isoformat(), e.due_by.isoformat()) for e in r.entries]
    assert got == [
        (1, "certification", "2025-03-31", "2025-03-31"),
        (2, "maintenance", "2026-03-31", "2027-03-30"),
        (3, "maintenance", "2027-03-31", "2028-03-30"),
        (3, "recertification", "2027-03-31", "2028-03-30"),
    ]


def test_schedule_bc_calendar_year_and_leap_day():
    r = audit_schedule("BC", "2024-02-29")
    assert [e.due_by.isoformat() for e in r.entries if e.audit == "maintenance"] == [
        "2025-12-31",
        "2026-12-31",
    ]
    assert r.expires_on == date(2027, 2, 28)


@pytest.mark.parametrize("code", JURISDICTIONS)
def test_schedule_every_jurisdiction(code):
    r = audit_schedule(code, date(2025, 6, 1))
    if r.found:
        assert r.entries[0].audit == "certification" and r.entries[-1].audit == "recertification"
        assert all(e.sources for e in r.entries)
        assert all(e.due_by < r.expires_on for e in r.entries)
    else:
        assert r.entries == [] and r.warnings[0].kind in {"not_found", "no_program"}
    assert r.sources


@pytest.mark.parametrize("bad", ["2025-02-30", "30-03-2025", "soon", ""])
def test_schedule_bad_dates(bad):
    with pytest.raises(InputError):
        audit_schedule("AB", bad)


# ---- compare_costs -------------------------------------------------------------------------


def test_costs_bc_uses_go2hr_figures():
    r = compare_costs("BC", 8, 2)
    assert r.indicative is True and "Indicative" in r.label
    assert [line.amount for line in r.secor][:1] == [199.0]
    assert 550.0 in [line.amount for line in r.cor]
    assert 2500.0 in [line.amount for line in r.cor]


def test_costs_nova_scotia_class_fees():
    small = compare_costs("NS", 3, 1)
    assert [line.amount for line in small.secor if line.scope == "NS"] == [138.0]
    mid = compare_costs("NS", 12, 1)
    assert {line.amount for line in mid.cor if line.scope == "NS"} == {0.0, 138.0, 339.0}
    solo = compare_costs("NS", 1, 1)
    assert [line.amount for line in solo.other] == [113.0]


def test_costs_dated_and_missing_figures():
    nt = compare_costs("NT", 15, 3)
    assert any(line.amount == 20000 and line.confidence == "low" for line in nt.cor)
    nb = compare_costs("NB", 5, 1)
    assert any(w.kind == "not_found" for w in nb.warnings)
    pe = compare_costs("PE", 5, 1)
    assert pe.secor == pe.cor == [] and pe.warnings[0].kind == "no_program"
    on = compare_costs("ON", 5, 1)
    assert on.secor == []


@pytest.mark.parametrize("code", JURISDICTIONS)
def test_costs_every_line_sourced(code):
    r = compare_costs(code, 6, 2)
    for line in [*r.secor, *r.cor, *r.other]:
        assert line.sources and set(line.sources) <= set(r.sources)


def test_costs_bad_input():
    with pytest.raises(InputError, match="sites"):
        compare_costs("AB", 5, -1)
    with pytest.raises(InputError, match="workers"):
        compare_costs("AB", 5.5, 1)


# ---- LangChain tools -------------------------------------------------------------------


def test_langchain_tools():
    tools = langchain_tools()
    assert (
        [t.name for t in tools]
        == list(TOOL_FUNCTIONS)
        == [
            "check_eligibility",
            "score_audit",
            "estimate_incentive",
            "audit_schedule",
            "compare_costs",
        ]
    )
    for tool in tools:
        assert isinstance(tool, StructuredTool)
        assert tool.description and tool.args_schema is not None
        assert "Example:" in TOOL_FUNCTIONS[tool.name].__doc__
    by_name = {t.name: t for t in tools}
    out = by_name["score_audit"].invoke(
        {"jurisdiction": "AB", "element_scores": {"Training": 90}, "audit_type": "maintenance"}
    )
    assert out["passed"] is True
    out = by_name["estimate_incentive"].invoke({"jurisdiction": "MB", "premium": 100000})
    assert out["amount"] == 15000.0
    out = by_name["audit_schedule"].invoke({"jurisdiction": "NT", "certified_on": "2025-01-15"})
    assert out["expires_on"] == "2028-01-15"
    out = by_name["compare_costs"].invoke({"jurisdiction": "SK", "workers": 4})
    assert out["indicative"] is True
    with pytest.raises(InputError):
        by_name["check_eligibility"].invoke({"jurisdiction": "Atlantis", "workers": 3})


def test_the_eligibility_lead_counts_one_worker_in_the_singular():
    one = describe_eligibility(check_eligibility("NS", 1, owner_operator=True))
    assert one.startswith("**With 1 worker in Nova Scotia,"), one
    eight = describe_eligibility(check_eligibility("AB", 8))
    assert eight.startswith("**With 8 workers in Alberta,"), eight
