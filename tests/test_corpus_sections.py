"""Every corpus section carries its sources, its dates and the owner-style questions it
answers (issues 13 and 14): a section missing any of them fails here, by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.answering.sentence_form import leans_back
from assistant.knowledge.corpus import chunk_document, load_corpus, parse_document
from assistant.knowledge.sentences import sentences_of
from assistant.knowledge.sources import missing_sources

ROOT = Path(__file__).resolve().parents[1]
MIN_QUESTIONS, MAX_QUESTIONS = 3, 6
# An opener this short ending in ":" names the list that follows and states nothing itself.
SHORT_INTRO_WORDS = 6


@pytest.fixture(scope="module")
def chunks():
    return load_corpus(ROOT / "corpus")


def test_every_section_has_sources_a_date_and_its_questions(chunks):
    problems = []
    for c in chunks:
        if not c.sources:
            problems.append(f"{c.id}: no source")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.last_verified or ""):
            problems.append(f"{c.id}: no date checked (last_verified)")
        if not MIN_QUESTIONS <= len(c.questions) <= MAX_QUESTIONS:
            problems.append(f"{c.id}: {len(c.questions)} owner-style questions")
    assert not problems, "\n".join(problems)


def test_every_section_opens_with_a_sentence_that_stands_on_its_own(chunks):
    """The opening sentence is often an answer's lead: "It is a short certificate ..." says
    nothing to an owner who never saw the heading."""
    openers = [(c.id, sentences_of(c.text)[0]) for c in chunks if c.kind == "guidance"]
    leaning = [f"{cid}: {first}" for cid, first in openers if leans_back(first)]
    assert not leaning, "\n".join(leaning)
    # Nor with a bare list intro ("SCSA milestones:", "Known costs:"): an intro never leads an
    # answer, so the answer would lead with the first item, or with another passage.
    bare = [
        f"{cid}: {first}"
        for cid, first in openers
        if first.rstrip().endswith(":") and len(first.split()) <= SHORT_INTRO_WORDS
    ]
    assert not bare, "\n".join(bare)


def test_every_cited_source_has_a_date_entry():
    """sources.yaml lists each source with its own date, or null when the date is unknown."""
    assert missing_sources(ROOT / "corpus") == []


def test_a_section_without_questions_is_caught(tmp_path):
    doc = tmp_path / "mini.md"
    doc.write_text(
        "---\ntitle: Mini\njurisdiction: general\nprograms: [COR]\ntopics: [audit]\n"
        "sources:\n  - https://example.org/a\nlast_verified: 2026-12-01\n---\n\n# Mini\n\n"
        "## What is it?\n\nIt is a test.\n\nSources: https://example.org/a\n"
    )
    (chunk,) = chunk_document(parse_document(doc))
    assert chunk.questions == ()  # the test above would name it


def test_new_topics_owners_ask_about_have_sections(chunks):
    docs = {c.doc_id for c in chunks}
    for doc in (
        "certification-timeline",
        "records-and-the-first-certificate",
        "who-audits",
        "worker-interviews",
        "how-audits-are-scored",
        "keeping-your-cor",
        "health-and-safety-management-system",
        "incidents-and-investigations",
        "common-audit-gaps",
        "hiring-an-auditor",
        "audit-elements-by-jurisdiction",
    ):
        assert doc in docs, doc
