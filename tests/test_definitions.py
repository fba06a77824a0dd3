"""A "what is X?" question finds the section that asks "what is X?" (issue 13).

The glossary is the corpus's own headings and section questions: no list of terms in code.
Small chunks here; the real corpus and model in tests/test_owner_questions.py.
"""

from __future__ import annotations

import pytest

from assistant.answering.answer import ConversationState
from assistant.answering.definitions import defines_term, defining_sections, term_words
from assistant.knowledge.corpus import Chunk


def _chunk(section: str, jurisdiction: str = "general", questions: tuple[str, ...] = ()):
    return Chunk(
        doc_id=f"doc-{jurisdiction}",
        title="t",
        section=section,
        text="...",
        jurisdiction=jurisdiction,
        programs=("COR",),
        topics=(),
        sources=("https://example.ca",),
        last_verified="2026-12-03",
        questions=questions,
        id=f"doc-{jurisdiction}::{section}",
    )


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("What is a Letter of Good Standing?", {"letter", "good", "stand"}),
        ("whats a TLC in alberta", {"tlc"}),
        ("What is SECOR? (in Alberta)", {"secor"}),
        ("How long does SECOR take?", set()),
        ("what is the difference between COR and SECOR", set()),
    ],
)
def test_the_term_a_question_asks_about(question, term):
    assert term_words(question) == term


def test_a_section_defines_the_term_its_heading_or_a_question_asks_about():
    audit = _chunk("What is a COR audit?", questions=("whats a cor audit exactly",))
    peer = _chunk("What is a peer audit?")
    wanted = term_words("What is an audit?")
    assert not defines_term(audit, wanted) and not defines_term(peer, wanted)
    assert defines_term(audit, wanted, loosely=True)  # only the program's name added
    assert not defines_term(peer, wanted, loosely=True)  # a peer audit is another thing
    tlc = _chunk("Which letters exist in Alberta?", "AB", questions=("what is a TLC",))
    assert defines_term(tlc, term_words("what's a tlc?"))


def test_the_own_province_first_then_the_shared_documents_then_the_rest():
    sections = [
        _chunk("What is a Letter of Good Standing in Ontario?", "ON"),
        _chunk("What is a Letter of Good Standing?", "general"),
        _chunk("What is a Letter of Good Standing in Yukon?", "YT"),
    ]
    question = "What is a letter of good standing?"
    assert [c.jurisdiction for c in defining_sections(question, sections, None, "YT")] == [
        "YT",
        "general",
        "ON",
    ]
    in_scope = defining_sections(question, sections, ["national", "general"], None)
    assert [c.jurisdiction for c in in_scope] == ["general"]
    assert defining_sections("How long is a letter valid?", sections, None, None) == []


def test_a_section_asking_of_the_very_term_comes_before_one_adding_cor():
    sections = [_chunk("What is a COR audit?"), _chunk("What is an audit?", "AB")]
    found = defining_sections("What is an audit?", sections, None, None)
    assert [c.section for c in found] == ["What is an audit?"]


def test_a_term_with_its_short_name_in_brackets_gets_the_provinces_definition(assistant):
    # "What is Certificate of Recognition (COR)?" from Newfoundland and Labrador got the
    # national definition: the term's words were not the NL section's "What is COR in ...?".
    answer = assistant.ask(
        "What is Certificate of Recognition (COR)?", ConversationState(jurisdiction="NL")
    )
    assert "Newfoundland and Labrador" in answer.answer.split("\n")[0], answer.answer


def test_what_is_in_an_audit_is_no_definition_question(assistant):
    # "whats in the cor 2020 audit", a question of Ontario's element section, read as "what is
    # an audit?", so "What is an audit?" from Ontario led with the 14 elements.
    lead = assistant.ask("What is an audit?", ConversationState(jurisdiction="ON")).answer
    assert lead.startswith("A COR audit is"), lead
