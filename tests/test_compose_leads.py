"""The lead keeps the passage's own short answer, and a province's own passage keeps its lines.

On the real corpus and the real model: a yes/no question whose section opens "Not
automatically." or "Often yes." gets that answer in its first sentence, and a Quebec question
about working in Ontario keeps the Quebec passage's line that names Ontario's IHSA.
"""

from __future__ import annotations

import re

import pytest
from conftest import first_sentence, lead_of

from assistant.answering.answer import ConversationState


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("Is my COR valid in another province?", "Not automatically."),
        ("Do all elements count the same?", "No."),
        ("Can we get partial points on a question?", "Sometimes."),
        ("Do the same safety rules apply under COR and SECOR?", "Yes."),
    ],
)
def test_a_yes_no_question_gets_the_sections_short_answer_first(assistant, question, opening):
    lead = first_sentence(assistant.ask(question).answer)
    assert lead.startswith(opening), lead
    assert len(lead.split()) > len(opening.split()) + 3  # the explanation follows in the lead


def test_a_question_that_is_not_yes_no_keeps_its_lead_as_it_was(assistant):
    lead = first_sentence(assistant.ask("How far apart do our audits have to be?").answer)
    assert not re.match(r"(?:Yes|No|Not|Often|Sometimes)\b", lead), lead


def test_an_own_province_passage_keeps_its_line_about_another_province(assistant):
    answer = assistant.ask("Can a Quebec contractor get COR recognition to work in Ontario?")
    assert answer.state.jurisdiction == "QC"
    assert "IHSA" in answer.answer
    assert "Groupe Canam" in answer.answer


def test_a_yes_no_word_in_the_question_is_not_an_option_that_leads(assistant):
    """ "or is it optional?" asks what the heading's "voluntary" asks: the section's answer
    leads, not its caveat "Voluntary does not always mean optional for your business."."""
    lead = first_sentence(
        assistant.ask("Do I have to get COR in Alberta, or is it optional?").answer
    )
    assert lead.startswith("Getting a COR is voluntary in Alberta"), lead


def test_a_french_question_that_a_heading_asks_is_answered_from_that_section(assistant):
    """The section's sentences are English and far from the French question in meaning, but
    its heading asks the question ("pourquoi adhérer à une mutuelle de prévention"): it is read
    in order, not called "not covered"."""
    answer = assistant.ask("Pourquoi adhérer à une mutuelle ?")
    assert not answer.not_covered, answer.answer
    assert answer.citations[0].chunk_id.startswith("quebec-prevention-mutuals::why-join")
    assert "CNESST" in first_sentence(answer.answer)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # one of the BC audit-cycle section's questions; the section opens with the 3-year cycle
        (
            "does worksafebc let you do action plans instead of maintenance audits",
            r"does not accept Action Plans|neither Action Plans",
        ),
        # one of the national-standard section's questions; it opens with the 2023 standard
        ("does cor actually lower injury rates", r"injury rates.*lower"),
    ],
)
def test_a_section_matched_by_one_of_its_questions_leads_with_that_questions_answer(
    assistant, question, answer
):
    lead = first_sentence(assistant.ask(question).answer)
    assert re.search(answer, lead), lead


def test_a_section_whose_heading_asks_the_question_still_leads_with_its_opener(assistant):
    # "Does New Brunswick have a COR program?" opens with its short answer; a longer, later
    # sentence sharing more words with the question does not displace it.
    lead = first_sentence(assistant.ask("Does New Brunswick have a COR program?").answer)
    assert lead.startswith("Probably yes"), lead


@pytest.mark.parametrize(
    ("question", "province", "lead"),
    [
        # "Does Saskatchewan have COR and SECOR?" was read first (closer in meaning) and led
        # with "Saskatchewan has a Certificate of Recognition (COR) program."
        ("who can do secor in saskatchewan", "SK", r"\b9 or fewer\b"),
        # "Manitoba (CSAM): the self-audit must draw on 3 months or more of records." led.
        (
            "how many months do we need to run our program before we can get audited",
            None,
            r"12 months",
        ),
    ],
)
def test_of_sections_asking_the_question_one_opening_with_the_kind_asked_is_read(
    assistant, question, province, lead
):
    state = ConversationState(jurisdiction=province) if province else None
    assert re.search(lead, lead_of(assistant.ask(question, state))), question


def test_a_two_part_heading_leads_with_the_part_asked(assistant):
    # "How long does it take to get COR in Ontario, and how long is it valid?" opens with the
    # time to certify; asked how long it is good for, the lead is the validity.
    assert "three years" in lead_of(assistant.ask("how long is cor good for in ontario"))
    assert "year or more" in lead_of(assistant.ask("how long does it take to get cor in ontario"))
