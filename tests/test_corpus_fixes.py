"""Issue 14 fact fixes that a tool or a table depends on (items 2, 7, 10, 11 and 12)."""

import re
from datetime import date
from pathlib import Path

import pytest

from assistant.errors import CorpusError, InputError
from assistant.knowledge.corpus import NAMED_SOURCES, load_corpus
from assistant.knowledge.coverage_table import coverage_table
from assistant.knowledge.jurisdictions import JURISDICTIONS
from assistant.knowledge.rules import DEFAULT_RULES_DIR, load_rules, render_passages, rules_for
from assistant.tools import check_eligibility

ROOT = Path(__file__).resolve().parents[1]


def _cells() -> dict[str, list[str]]:
    """Coverage table rows by jurisdiction code: [limit, pass marks, incentive, confidence]."""
    rows = {}
    for line in coverage_table().splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        code = re.search(r"\((\w\w)\)$", cells[0]).group(1)
        rows[code] = cells[1:]
    return rows


# ---- item 2: British Columbia counting follows the certifying partner ------------------------

BC_HOURS = 19 * 2080  # 19 full-time equivalents of payroll hours


def test_bc_trucking_counts_heads_not_ftes():
    """25 part-time drivers working 19 FTEs: SafetyDriven counts 25 employees, so no SECOR."""
    r = check_eligibility("BC", 25, payroll_hours=BC_HOURS, industry="trucking")
    assert r.recommended == "COR" and "SECOR" not in r.eligible
    assert r.counting == "headcount" and r.counted_workers == 25
    assert any(x.rule == "BC.small_employer.partner_counting" and "SafetyDriven" in x.text
               for x in r.reasons)  # fmt: skip
    assert any(w.kind == "input" and "not used by SafetyDriven" in w.text for w in r.warnings)
    assert any("safetydriven.ca" in s for s in r.sources)


def test_bc_construction_and_hospitality_count_ftes():
    for industry, partner in (("construction", "BCCSA"), ("hotel", "go2HR")):
        r = check_eligibility("BC", 25, payroll_hours=BC_HOURS, industry=industry)
        assert r.recommended == "SECOR" and r.counting == "fte", industry
        assert r.counted_workers == 19.0
        assert any(partner in x.text for x in r.reasons), industry


def test_bc_farm_counts_every_worker_and_says_part_timers_are_unclear():
    r = check_eligibility("BC", 22, payroll_hours=10 * 2080, industry="farm")
    assert r.recommended == "COR" and r.counting == "headcount"
    assert any(w.kind == "confirm" and "AgSafe" in w.text and "part-time" in w.text
               for w in r.warnings)  # fmt: skip


def test_bc_19_heads_fits_every_partner():
    for industry in ("trucking", "farm", "construction", "hotel", None):
        r = check_eligibility("BC", 19, industry=industry)
        assert r.recommended == "SECOR", industry


def test_bcccsa_limit_is_19_or_fewer_ftes_go2hr_fewer_than_20():
    hours = 19.5 * 2080
    assert check_eligibility("BC", 30, payroll_hours=hours, industry="roofing").recommended == "COR"
    assert check_eligibility("BC", 30, payroll_hours=hours, industry="hotel").recommended == "SECOR"


def test_bc_unknown_partner_says_the_count_depends_on_the_partner():
    r = check_eligibility("BC", 25, payroll_hours=BC_HOURS)
    note = next(w for w in r.warnings if "depends on your certifying partner" in w.text)
    assert note.kind == "sources_disagree"  # FTE partners say yes, headcount partners say no
    assert "AgSafe and SafetyDriven" in note.text and "go2HR and BCCSA" in note.text
    assert {"https://agsafebc.ca/cor/small-employers/"} <= set(note.sources)
    plain = check_eligibility("BC", 12)
    assert any(w.kind == "confirm" and "depends on your certifying partner" in w.text
               for w in plain.warnings)  # fmt: skip
    odd = check_eligibility("BC", 12, industry="forestry")  # a partner with no counting rule
    assert any("No counting rule was found" in w.text for w in odd.warnings)


def test_bc_rules_and_passages_name_each_partner_count():
    se = rules_for("BC").small_employer
    by_partner = {pc.value.partner: pc.value for pc in se.partner_counting}
    assert {k: (v.counting.basis, v.limit.phrase()) for k, v in by_partner.items()} == {
        "go2HR": ("fte", "fewer than 20"),
        "BC Construction Safety Alliance (BCCSA)": ("fte", "19 or fewer"),
        "AgSafe": ("headcount", "19 or fewer"),
        "SafetyDriven (Trucking Safety Council of BC)": ("headcount", "fewer than 20"),
    }
    passages = {p.section: p.text for p in render_passages(rules_for("BC"))}
    text = passages["Who counts towards the SECOR limit in British Columbia?"]
    assert "depends on the certifying partner" in text and "2,080" in text
    assert "AgSafe (agriculture, farming) counts employees" in text


def test_partner_counting_must_name_a_listed_partner(tmp_path):
    import shutil

    import yaml

    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    path = folder / "bc.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["small_employer"]["partner_counting"][0]["value"]["partner"] = "Nobody"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(CorpusError, match="not in partners"):
        load_rules(folder)


# ---- item 7: Ontario's internal-audit gate is not its pass mark ------------------------------


def test_ontario_gate_is_modelled_as_a_gate():
    audit = rules_for("ON").audit
    assert audit.pass_marks is None  # the external audit's pass mark was not found
    gate = audit.internal_audit_gate
    assert (gate.value.overall, gate.value.per_element, gate.value.legislated_items) == (
        80,
        65,
        100,
    )
    assert gate.confidence == "low"
    text = {p.section: p.text for p in render_passages(rules_for("ON"))}[
        "What are the COR audit pass marks in Ontario?"
    ]
    assert text.startswith("No pass mark for the certification (external) audit in Ontario")
    assert "gate before the external audit" in text and "65%" in text and "80%" in text


def test_coverage_table_does_not_show_the_gate_as_ontarios_pass_mark():
    marks = _cells()["ON"][1]
    assert marks.startswith("not found")
    assert not marks.startswith("80%") and "internal-audit gate" in marks


# ---- item 10: Nova Scotia's Owner/Operator allows administrative staff -----------------------


def test_ns_owner_with_one_office_employee_is_owner_operator():
    r = check_eligibility("NS", 2, admin_staff=1)
    assert r.recommended == "OWNER-OPERATOR"
    assert any("Owner/Operator class" in x.text for x in r.reasons)
    flagged = check_eligibility("NS", 2, owner_operator=True)  # what the chat and CLI can say
    assert flagged.recommended == "OWNER-OPERATOR"
    assert any(w.kind == "confirm" and "office staff" in w.text for w in flagged.warnings)


def test_ns_office_staff_do_not_lift_other_limits():
    assert check_eligibility("NS", 2).recommended == "SECOR"  # two people on the tools
    assert any("office work" in w.text for w in check_eligibility("NS", 2).warnings)
    assert check_eligibility("NS", 3, admin_staff=1).recommended == "SECOR"
    assert check_eligibility("NS", 2, admin_staff=1, subcontractors=True).recommended == "COR"
    yt = check_eligibility("YT", 2, admin_staff=1)  # Yukon's OCOP allows no employees
    assert "OCOP" not in yt.eligible
    assert any(w.kind == "input" and "admin_staff is not used" in w.text for w in yt.warnings)
    with pytest.raises(InputError, match="admin_staff"):
        check_eligibility("NS", 2, admin_staff=3)


def test_ns_rules_say_admin_staff_allowed():
    prog = rules_for("NS").other_programs[0]
    assert prog.id == "OWNER-OPERATOR" and prog.conditions.value.admin_staff_allowed
    text = {p.section: p.text for p in render_passages(rules_for("NS"))}[
        "What is Owner/Operator (a CSNS COR size class) in Nova Scotia?"
    ]
    assert "not counting administrative (office) staff" in text


# ---- item 11: the coverage table says what each rules file says ------------------------------


def test_coverage_no_small_program_cells_follow_the_rules():
    cells = _cells()
    rules = load_rules()
    assert "one COR for all sizes" not in coverage_table()
    assert cells["NB"][0] == "none found"
    assert cells["ON"][0] == "none found (IHSA says COR can be scaled to firms of any size)"
    for code in JURISDICTIONS:
        r = rules[code]
        se = r.small_employer
        if r.cor.exists.value and not se.exists.value:
            expected = "none found" + (f" ({se.all_sizes.value})" if se.all_sizes else "")
            assert cells[code][0] == expected, code


def test_coverage_bc_cell_names_partner_counting():
    cell = _cells()["BC"][0]
    assert (
        "go2HR and BCCSA count FTEs" in cell and "AgSafe and SafetyDriven count employees" in cell
    )
    assert not cell.endswith("fewer than 20 FTEs")


# ---- item 12: the source's own date beside the date the corpus was checked -------------------

OWNED_GUIDANCE = (
    "counting-workers", "program-elements", "ontario", "procurement-requirements",
    "training-requirements", "choosing-cor-or-secor", "implementation-roadmap",
    "audits-explained", "nova-scotia", "wcb-incentives", "manitoba", "alberta",
    "british-columbia",
)  # fmt: skip


def test_date_line_shows_both_dates():
    from assistant.knowledge.sources import date_line, source_date

    newsletter = (
        "http://businessdocbox.com/Human_Resources/100579353-Prevention-rebate-what-s-new.html"
    )
    assert source_date(newsletter) == "2017"
    assert date_line(newsletter, "2026-11-30") == "source dated 2017; checked 2026-11-30"
    assert date_line(newsletter, date(2026, 11, 30)) == "source dated 2017; checked 2026-11-30"
    unknown = "https://www.ihsa.ca/COR/COR-FAQ-s.aspx"
    assert date_line(unknown, "2026-11-30") == "source date unknown; checked 2026-11-30"
    assert source_date("https://example.org/never-cited") is None
    seed = next(s for s in NAMED_SOURCES if s.startswith("industry article"))
    assert source_date(seed) == "2023-08-13"
    # A Sources-line parser may cut an address at "(": the full address is still found.
    cut = "http://constructionsafetyns.ca/ServicesProducts/CertificateofRecognition(COR"
    assert date_line(cut, "2026-11-30").startswith("source date unknown")


def test_sources_file_is_strict_and_dates_are_well_formed():
    from assistant.knowledge.sources import SOURCES_FILE, load_sources

    table = load_sources()
    assert SOURCES_FILE.name == "sources.yaml" and len(table) > 200
    for src, day in table.items():
        assert day is None or re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", day), src
        assert day is None or "1990" <= day[:4] <= "2026", src  # no date after today's year


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('sources:\n  "https://a.ca/x": 2017\n', "quoted"),  # an unquoted year is an int
        ('sources:\n  "https://a.ca/x": 2017-04-07\n', "quoted"),  # an unquoted date is a date
        ('sources:\n  "https://a.ca/x": "2017-02-30"\n', "not a real date"),
        ('sources:\n  "https://a.ca/x": "April 2017"\n', "quoted"),
        ('sources:\n  "not an address": null\n', "not a web address"),
        ("sources: [1, 2]\n", "mapping"),
        ("sources: {a: [\n", "not valid YAML"),
    ],
)
def test_sources_file_rejects_bad_entries(tmp_path, body, match):
    from assistant.knowledge.sources import load_sources

    path = tmp_path / "sources.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CorpusError, match=match):
        load_sources(path)


def test_every_rules_and_fixed_guidance_source_has_an_entry():
    from assistant.knowledge.sources import corpus_sources, load_sources

    table = load_sources()
    cited = set()
    for chunk in load_corpus(ROOT / "corpus"):
        if chunk.doc_id in OWNED_GUIDANCE or chunk.kind == "rules":
            cited |= {s for s in chunk.sources if "(" not in s}  # "(": a cut-short address
    # Every source anywhere in the rules files (partners' addresses included).
    cited |= {s for s in corpus_sources() if s.startswith("http") and any(
        s in p.read_text(encoding="utf-8") for p in DEFAULT_RULES_DIR.glob("*.yaml"))}  # fmt: skip
    missing = sorted(cited - set(table))
    assert not missing, f"add to corpus/sources.yaml: {missing[:5]}"
