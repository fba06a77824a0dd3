"""The rules files: schema, provenance on every value, disagreements, readable passages."""

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from assistant.errors import CorpusError
from assistant.knowledge.corpus import NAMED_SOURCES
from assistant.knowledge.jurisdictions import JURISDICTIONS
from assistant.knowledge.rules import (
    DEFAULT_RULES_DIR,
    PASSAGE_TOPICS,
    JurisdictionRules,
    Sourced,
    WorkerLimit,
    load_rules,
    load_rules_file,
    partners_for,
    render_passages,
    rules_for,
)
from assistant.knowledge.rules_passage_builder import PassageBuilder
from assistant.knowledge.rules_topics_audit import (
    audit_cycle,
    audit_elements,
    costs,
    incentives,
    notes,
    partners,
    pass_marks,
    procurement,
    reciprocity,
    training,
)
from assistant.knowledge.rules_topics_brief import (
    cor_brief,
    incentive_program_brief,
    secor_brief,
    validity_brief,
)
from assistant.knowledge.rules_topics_programs import (
    no_secor,
    other_programs,
    overview,
    secor_counting,
    secor_limit,
    size_classes,
)
from assistant.knowledge.yaml_strict import load_yaml

TOPICS = {
    "overview", "eligibility", "worker-count", "subcontractors", "elements", "audit",
    "pass-marks", "training", "costs", "incentives", "procurement", "reciprocity", "roadmap",
    "partners", "no-program",
}  # fmt: skip

# The first corpus was checked against its sources on this date; later checks are newer.
FIRST_CHECK = date(2026, 11, 30)


def _walk(obj):
    """Every Sourced value inside a model, and every plain leaf that is not inside one."""
    if isinstance(obj, Sourced):
        yield obj
        return
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name))
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from _walk(item)


def test_all_fourteen_files_load():
    rules = load_rules()
    assert list(rules) == [*JURISDICTIONS, "national"]
    assert all(isinstance(r, JurisdictionRules) for r in rules.values())
    # questions.yaml beside them is the rules passages' owner-style questions, not a rules file.
    files = sorted(p.stem for p in DEFAULT_RULES_DIR.glob("*.yaml") if p.stem != "questions")
    assert files == sorted([c.lower() for c in JURISDICTIONS] + ["national"])


@pytest.mark.parametrize("code", [*JURISDICTIONS, "national"])
def test_every_value_has_sources_date_and_confidence(code):
    values = list(_walk(rules_for(code)))
    assert values
    for v in values:
        assert v.sources and all(
            (re.match(r"^https?://\S+$", s) or s in NAMED_SOURCES) for s in v.sources
        )
        # Checked no earlier than the first corpus check and never in the future.
        assert FIRST_CHECK <= v.last_verified <= date.today()
        assert v.confidence in {"high", "medium", "low"}
        for alt in v.alternatives:
            assert alt.sources and alt.note


def test_cor_program_existence_matches_reference():
    rules = load_rules()
    without = {code for code in JURISDICTIONS if not rules[code].cor.exists.value}
    assert without == {"QC", "PE"}
    for code in without:
        assert rules[code].no_program_advice is not None


def test_small_employer_limits_match_reference():
    expected = {
        "AB": WorkerLimit(max=10, inclusive=True),
        "BC": WorkerLimit(max=20, inclusive=False),
        "SK": WorkerLimit(max=9, inclusive=True),
        "MB": WorkerLimit(max=10, inclusive=False),
        "NS": WorkerLimit(max=4, inclusive=True),
        "YT": WorkerLimit(max=10, inclusive=False),
    }
    rules = load_rules()
    for code in JURISDICTIONS:
        se = rules[code].small_employer
        if code in expected:
            assert se.exists.value and se.worker_limit.value == expected[code], code
        else:
            assert not se.exists.value, code
    assert rules["BC"].small_employer.counting.value.fte_hours_per_year == 2080


def test_disagreements_are_recorded_with_both_readings():
    ab = rules_for("AB").small_employer.worker_limit
    assert ab.value == WorkerLimit(max=10, inclusive=True)
    assert any("alberta.ca" in alt.sources[0] for alt in ab.alternatives)
    sk = rules_for("SK").small_employer.worker_limit
    assert "scsaonline.ca" in sk.sources[0]
    assert any(
        "hcsas" in alt.sources[0] and alt.value == WorkerLimit(max=10, inclusive=False)
        for alt in sk.alternatives
    )


def test_special_programs():
    yt = rules_for("YT")
    assert [p.id for p in yt.other_programs] == ["OCOP"]
    ns = rules_for("NS")
    classes = [(c.local_name, c.min, c.max, c.program_id) for c in ns.size_classes.value]
    assert classes == [
        ("Owner/Operator", 0, 1, "OWNER-OPERATOR"),
        ("Small Business", 2, 4, "SECOR"),
        ("Intermediate", 5, 19, "COR"),
        ("Standard", 20, None, "COR"),
    ]
    assert "no program called SECOR" in ns.small_employer.exists.note
    assert rules_for("AB").procurement[0].value.refuses == ["SECOR"]


def _copy_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    return folder


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_schema_rejects_a_value_without_sources(tmp_path):
    folder = _copy_rules(tmp_path)
    _edit(folder / "ab.yaml", lambda d: d["small_employer"]["worker_limit"].pop("sources"))
    with pytest.raises(CorpusError) as err:
        load_rules(folder)
    message = str(err.value)
    assert "ab.yaml" in message
    assert "small_employer.worker_limit.sources" in message
    assert "needs sources" in message


def test_schema_rejects_empty_sources_and_bare_values(tmp_path):
    folder = _copy_rules(tmp_path)
    _edit(folder / "mb.yaml", lambda d: d["small_employer"]["worker_limit"].update(sources=[]))
    with pytest.raises(CorpusError, match="mb.yaml.*worker_limit.sources"):
        load_rules(folder)
    folder2 = _copy_rules(tmp_path / "b")
    _edit(folder2 / "mb.yaml", lambda d: d["small_employer"].update(worker_limit=10))
    with pytest.raises(CorpusError, match="worker_limit"):
        load_rules(folder2)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d["cor"]["exists"].update(sources=["not a url"]), "http"),
        (lambda d: d["cor"]["exists"].pop("last_verified"), "last_verified"),
        (lambda d: d["cor"]["exists"].update(confidence="sure"), "confidence"),
        (lambda d: d.update(code="BC"), "does not match"),
        (lambda d: d.update(surprise=1), "surprise"),
        (lambda d: d["incentives"][0].update(kind="magic"), "kind"),
        (lambda d: d["incentives"][0]["params"].update(value={"percent": 1}), "needs params"),
    ],
)
def test_schema_rejects_broken_files(tmp_path, change, match):
    folder = _copy_rules(tmp_path)
    _edit(folder / "ab.yaml", change)
    with pytest.raises(CorpusError, match=match):
        load_rules(folder)


def test_missing_and_invalid_yaml(tmp_path):
    folder = _copy_rules(tmp_path)
    (folder / "nu.yaml").unlink()
    with pytest.raises(CorpusError, match="nu.yaml: rules file missing"):
        load_rules(folder)
    bad = tmp_path / "ab.yaml"
    bad.write_text("code: [AB\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="not valid YAML"):
        load_rules_file(bad)


@pytest.mark.parametrize("code", [*JURISDICTIONS, "national"])
def test_render_passages(code):
    passages = render_passages(rules_for(code))
    assert passages
    sections = [p.section for p in passages]
    assert len(sections) == len(set(sections))
    for p in passages:
        assert p.doc_id == f"rules-{code.lower()}"
        assert p.title.endswith("rules (machine-readable)")
        assert p.section.endswith("?")
        body, last = p.text.rsplit("\n", 1)
        assert last == "Sources: " + ", ".join(p.sources)
        assert p.sources and len(body.split()) >= 8
        assert set(p.topics) <= TOPICS
        assert FIRST_CHECK.isoformat() <= p.last_verified <= date.today().isoformat()
        assert "None" not in body


def test_passages_state_numbers():
    ab = {p.section: p.text for p in render_passages(rules_for("AB"))}
    limit = ab["What is the SECOR worker limit in Alberta?"]
    assert "10 or fewer" in limit and "fewer than 10" in limit
    assert "80% overall" in ab["What are the COR audit pass marks in Alberta?"]
    mb = {p.section: p.text for p in render_passages(rules_for("MB"))}
    assert "greater of 15% of premium or $3,000, capped at 75%" in " ".join(mb.values())
    qc = render_passages(rules_for("QC"))
    assert "no-program" in qc[0].topics


def test_partners_for():
    assert [p.name for p in partners_for("AB", "roofing")][0].startswith("Alberta Construction")
    assert len(partners_for("AB")) == 10
    assert partners_for("QC") == []
    assert partners_for("YT", "anything")[0].name.startswith("Northern Safety Network Yukon")


# One case per branch of each topic: the topic function alone renders the fact, and
# render_passages carries that same passage (the split of the old single function kept every
# passage byte for byte; checked against a copy of the output before the split).
TOPIC_CASES = [
    (overview, "AB", "Alberta has a Certificate of Recognition (COR) program."),
    (overview, "QC", "No COR program was found for Quebec."),
    (secor_limit, "MB", "is for employers with fewer than 10 workers"),
    (secor_counting, "BC", "how workers are counted depends on the certifying partner"),
    (secor_counting, "AB", "counted as people working for the business at any one time"),
    (no_secor, "ON", "Small employers use the regular COR program."),
    (other_programs, "NS", "(program id OWNER-OPERATOR) is a Nova Scotia certificate."),
    (size_classes, "NS", "Nova Scotia sorts certified employers into size classes"),
    (pass_marks, "AB", "passes with at least 80% overall and at least 50% on every element"),
    (pass_marks, "ON", "This is a gate before the external audit, not the certificate's pass"),
    (audit_cycle, "AB", "In Alberta a COR is valid for 3 years."),
    (audit_elements, "AB", "The Alberta audit covers 10 elements"),
    (partners, "AB", "Contact the partner for your industry to register."),
    (incentives, "MB", "greater of 15% of premium or $3,000, capped at 75% of premium"),
    (procurement, "AB", "Alberta Transportation and Economic Corridors:"),
    (training, "AB", "Principles of Health and Safety Management (PHSM)"),
    (costs, "AB", "$200 per certification"),
    (reciprocity, "BC", "temporary reciprocity letter, valid 6 months"),
    (notes, "AB", "ISO 45001"),
    (cor_brief, "AB", "is a voluntary certificate in Alberta"),
    (cor_brief, "ON", "no separate small-employer COR (SECOR) was found, so small firms use COR"),
    (secor_brief, "AB", "SECOR is the small-employer COR in Alberta, for firms with 10 or fewer"),
    (validity_brief, "AB", "In Alberta a SECOR is valid for 3 years"),
    (incentive_program_brief, "AB", "is a voluntary incentive program in Alberta, run by WCB"),
]


@pytest.mark.parametrize(
    ("topic", "code", "fragment"), TOPIC_CASES, ids=[f"{t.__name__}-{c}" for t, c, _ in TOPIC_CASES]
)
def test_each_topic_renders_its_passage(topic, code, fragment):
    rules = rules_for(code)
    builder = PassageBuilder(rules)
    topic(builder)
    own = [p for p in builder.passages if fragment in p.text]
    assert own, [p.text for p in builder.passages]
    assert all(p in render_passages(rules) for p in own)


def test_passages_follow_the_topic_list():
    assert {t for t, _, _ in TOPIC_CASES} == set(PASSAGE_TOPICS)  # every topic has a case
    for code in (*JURISDICTIONS, "national"):
        rules = rules_for(code)
        builder = PassageBuilder(rules)
        for topic in PASSAGE_TOPICS:
            topic(builder)
        assert builder.passages == render_passages(rules)


def test_yaml_reads_only_true_and_false_as_booleans():
    data = load_yaml("jurisdiction: ON\nanswer: no\nother: Yes\nflag: true\noff_flag: FALSE")
    assert data == {
        "jurisdiction": "ON", "answer": "no", "other": "Yes", "flag": True, "off_flag": False,
    }  # fmt: skip


def test_unquoted_on_in_a_rules_file_reads_as_ontario(tmp_path):
    folder = _copy_rules(tmp_path)
    path = folder / "on.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('code: "ON"', "code: ON", 1))
    assert "\ncode: ON\n" in path.read_text(encoding="utf-8")
    rules = load_rules_file(path)
    assert rules.code == "ON"
    assert rules.cor.exists.value is True  # `value: true` is still a boolean
