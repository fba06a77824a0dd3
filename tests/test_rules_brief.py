"""The "in brief" passages state the rules' own values and invent none (issue 13).

Each brief is rendered from the rules, so its figures are checked against the rules here,
place by place: a changed rule changes the brief, and a fact the rules lack (whether COR is
voluntary) is never stated.
"""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from assistant.dialogue.understand import find_jurisdictions
from assistant.knowledge.jurisdictions import JURISDICTIONS
from assistant.knowledge.rules import (
    load_rules,
    render_passages,
    render_summary_passages,
    rules_for,
)
from assistant.knowledge.rules_loader import DEFAULT_RULES_DIR
from assistant.knowledge.rules_schema import JurisdictionRules, WorkerLimit
from assistant.knowledge.sentences import sentences_of
from assistant.presentation.format import percent

WITH_COR = [c for c in JURISDICTIONS if rules_for(c).cor.exists.value]


def _brief(rules: JurisdictionRules, section: str):
    return next((p for p in render_passages(rules) if p.section == section), None)


@pytest.mark.parametrize("code", WITH_COR)
def test_every_cor_place_has_a_brief_that_opens_with_what_cor_is(code):
    rules = rules_for(code)
    brief = _brief(rules, f"What is COR in {rules.name}?")
    assert brief is not None
    first = sentences_of(brief.text)[0]
    assert first.startswith("COR (Certificate of Recognition) is ")
    se = rules.small_employer
    if se.exists.value:
        assert f"firms with {se.worker_limit.value.phrase()} workers can use SECOR" in first
    else:
        assert "no separate small-employer COR (SECOR) was found" in first
    # Voluntary only where a source says so; never assumed.
    voluntary = bool(rules.cor.voluntary and rules.cor.voluntary.value)
    assert ("voluntary" in first) is voluntary
    if voluntary:
        assert set(rules.cor.voluntary.sources) <= set(brief.sources)


@pytest.mark.parametrize("code", WITH_COR)
def test_the_cor_brief_gives_the_rules_pass_mark_and_validity(code):
    rules = rules_for(code)
    text = _brief(rules, f"What is COR in {rules.name}?").text
    audit = rules.audit
    marks = audit.pass_marks or audit.internal_audit_gate
    if marks:
        assert f"at least {percent(marks.value.overall)} overall" in text
        assert set(marks.sources) <= set(_brief(rules, f"What is COR in {rules.name}?").sources)
    if audit.cycle:
        assert f"valid for {audit.cycle.value.validity_years} years" in text
    for inc in rules.incentives:
        if "COR" in inc.programs and inc.params:
            assert all(f"{v:g}" in text for v in inc.params.value.values() if v < 1000), text


@pytest.mark.parametrize("code", [c for c in WITH_COR if rules_for(c).small_employer.exists.value])
def test_the_secor_brief_leads_with_the_limit_and_the_next_size_up(code):
    rules = rules_for(code)
    limit = rules.small_employer.worker_limit.value
    first = sentences_of(_brief(rules, f"What is SECOR in {rules.name}?").text)[0]
    assert f"for firms with {limit.phrase()} workers" in first
    assert f"a firm with {limit.largest + 1} or more workers needs the full COR" in first


def test_a_changed_limit_changes_the_brief():
    rules = rules_for("AB")
    se = rules.small_employer
    changed_limit = se.worker_limit.model_copy(
        update={"value": WorkerLimit(max=15, inclusive=True)}
    )
    changed = rules.model_copy(
        update={"small_employer": se.model_copy(update={"worker_limit": changed_limit})}
    )
    first = sentences_of(_brief(changed, "What is SECOR in Alberta?").text)[0]
    assert "15 or fewer" in first and "16 or more" in first
    assert "10 or fewer" not in first


def test_pir_brief_says_who_runs_it_and_both_rates():
    rules = rules_for("AB")
    text = _brief(rules, "What is Partnerships in Injury Reduction (PIR) in Alberta?").text
    first = sentences_of(text)[0]
    assert "voluntary incentive program" in first and "WCB-Alberta" in first
    by_id = {i.id: i for i in rules.incentives}
    for ident in rules.incentive_programs[0].value.incentives:
        assert all(f"{v:g}%" in text for v in by_id[ident].params.value.values())


def test_an_incentive_program_must_name_known_incentives():
    rules = rules_for("AB")
    data = rules.model_dump(mode="json")
    data["incentive_programs"][0]["value"]["incentives"] = ["pir-cor", "no-such-incentive"]
    with pytest.raises(ValidationError, match="no-such-incentive"):
        JurisdictionRules.model_validate(data)


def test_places_without_a_secor_cycle_get_no_secor_validity_passage():
    for code in WITH_COR:
        rules = rules_for(code)
        has = _brief(rules, f"How long is a SECOR valid in {rules.name}?") is not None
        assert has is (rules.small_employer.cycle is not None)


def test_the_national_validity_summary_leads_with_no_province():
    all_rules = load_rules(DEFAULT_RULES_DIR)
    (summary,) = [p for p in render_summary_passages(all_rules) if p.section.startswith("How long")]
    first = sentences_of(summary.text)[0]
    assert not find_jurisdictions(first), first
    years = {r.audit.cycle.value.validity_years for r in all_rules.values() if r.audit.cycle}
    assert len(years) == 1 and f"valid for {years.pop()} years" in first
    named = [r.name for r in all_rules.values() if r.audit.cycle]
    assert all(name in summary.text for name in named)


def test_the_national_secor_summary_lists_every_limit_and_every_place_without_one():
    all_rules = load_rules(DEFAULT_RULES_DIR)
    (summary,) = [p for p in render_summary_passages(all_rules) if p.section.startswith("Who")]
    for rules in all_rules.values():
        se = rules.small_employer
        if se.exists.value:
            assert re.search(
                rf"{se.worker_limit.value.phrase()} workers in [^;]*{rules.name}", summary.text
            ), rules.name
        elif rules.cor.exists.value and rules.code != "national":
            assert rules.name in summary.text.split("no SECOR was found for")[1]
    body = summary.text.split("\nSources:")[0]
    assert not find_jurisdictions(sentences_of(body)[-1])  # the general rule closes it


def test_where_sources_disagree_the_brief_gives_both_readings():
    rules = rules_for("AB")
    secor = _brief(rules, "What is SECOR in Alberta?").text
    for alt in rules.small_employer.worker_limit.alternatives:
        assert f"Another source reads the limit as {alt.value.phrase()} workers" in secor
    cor = _brief(rules, "What is COR in Alberta?").text
    assert all(alt.value in cor for alt in rules.cor.administered_by.alternatives)
