"""Overview questions asked the way an owner asks them get the essentials first (issue 13).

Through the real Assistant, corpus, rules and model: once the province is known, "what is
secor?" leads with that province's worker limit, "what is PIR?" with who runs it, "do I need
COR?" with whether it is voluntary, and "how long is SECOR valid?" with the validity, not the
time it takes to certify. Asked with no province, the lead stays general. Every expected
figure is read from the rules, not written here.
"""

from __future__ import annotations

import re

import pytest
from conftest import lead_of

from assistant.dialogue.understand import find_jurisdictions
from assistant.knowledge.rules import rules_for

pytestmark = pytest.mark.model


def _answer(assistant, *messages):
    return list(assistant.converse(list(messages)))[-1]




@pytest.mark.parametrize(
    ("place", "code", "question"),
    [
        ("We're a roofing company in Alberta", "AB", "what is secor?"),
        ("we are in Saskatchewan", "SK", "what is SECOR"),
        ("We're in Alberta", "AB", "What are COR and SECOR?"),
    ],
)
def test_what_is_secor_leads_with_the_province_limit(assistant, place, code, question):
    limit = rules_for(code).small_employer.worker_limit.value
    lead = lead_of(_answer(assistant, place, question))
    assert f"{limit.phrase()} workers" in lead, lead


def test_what_is_pir_says_who_runs_it_and_gives_the_cor_refund(assistant):
    answer = _answer(assistant, "We're in Alberta", "What is PIR?")
    lead = lead_of(answer)
    assert re.search(r"\bvoluntary\b", lead) and "WCB-Alberta" in lead, lead
    refund = next(i for i in rules_for("AB").incentives if i.id == "pir-cor").params.value
    assert all(f"{v:g}%" in answer.answer for v in refund.values()), answer.answer


@pytest.mark.parametrize("question", ["do I need COR?", "is cor mandatory here?"])
def test_bc_do_i_need_cor_says_it_is_voluntary(assistant, question):
    assert rules_for("BC").cor.voluntary.value  # what the answer must say comes from the rules
    answer = _answer(assistant, "We're a landscaping company in BC", question)
    assert re.search(r"\bvoluntary\b", lead_of(answer)), answer.answer
    assert "WorkSafeBC" in answer.answer


def test_how_long_is_secor_valid_gets_the_validity_not_the_time_to_certify(assistant):
    cycle = rules_for("AB").small_employer.cycle.value
    lead = lead_of(_answer(assistant, "We're in Alberta", "how long is secor valid?"))
    assert f"valid for {cycle.validity_years} years" in lead, lead
    assert "maintenance audit" in lead


def test_asked_with_no_province_the_validity_lead_is_general(assistant):
    lead = lead_of(assistant.ask("How Long is a SECOR Valid For?"))
    # "valid for 3 years" (the rules' passage) or "Normally three years, ..." (the guidance's).
    assert re.search(r"\b(?:\d+|three) years\b", lead), lead
    assert not find_jurisdictions(lead), lead


@pytest.mark.parametrize("question", ["What is COR?", "What is SECOR?"])
def test_asked_with_no_province_the_definition_stays_general(assistant, question):
    lead = lead_of(assistant.ask(question))
    # General: no province's own answer; a lead that compares several provinces' limits is fine.
    assert len(set(find_jurisdictions(lead))) != 1, lead
    assert re.search(r"\b(?:COR|SECOR)\b", lead), lead
