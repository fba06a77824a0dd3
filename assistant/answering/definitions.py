"""The corpus section that says what a term is, found by the term itself.

"What is a Letter of Good Standing?" wants the section whose heading, or one of whose
questions, asks "what is a Letter of Good Standing?". The retriever ranks by shared words and
meaning, and a longer section that mentions the term often outranks the one defining it, so a
"what is X?" question also looks the term up among every section's own "what is X?" questions
(data in each section): a glossary built from the corpus, with no list kept in code.
"""

from __future__ import annotations

import functools
import re

from assistant.answering.answer_kinds import defined_term, question_kind
from assistant.knowledge.corpus import Chunk
from assistant.search.retrieve import (
    SHARED_SCOPES,
    HybridSearch,
    Scored,
    place_words,
    scopes_for,
    stem,
    tokenize,
)

# Words that locate a passage and say nothing of the term ("COR in Alberta", "my 6 guys").
SLOT_WORDS = frozenset(
    stem(word)
    for word in (
        "alberta alta british columbia b.c bc saskatchewan sask manitoba ontario quebec new "
        "brunswick nova scotia prince edward island pei newfoundland labrador yukon northwest "
        "territories nwt nunavut canada province territory workers employees guys crew people "
        "staff me fit fits have got"
    ).split()
)
# A retrieved passage this close in meaning (MiniLM cosine, the search's similarity) answers a
# "what is X?" that it also names. Set 2026-12-03 on "What is COR certification?" (0.84, the
# general answer) against "what is a TLC" (0.60, a section on short records), with gold,
# phrasing and dev unchanged at 0.6 to 0.8.
DEFINITION_NEAR = 0.7
# The programs' own names: a term with only these added is the same term ("What is an audit?"
# is the corpus's "What is a COR audit?", while "What is a peer audit?" names another thing).
PROGRAM_WORDS = frozenset({"cor", "secor"})


@functools.lru_cache(maxsize=8192)
def term_words(text: str) -> frozenset[str]:
    """The words of the term a "what is X?" asks about (none when it asks no such thing),
    cached: every question compares its term with the same headings and section questions.

    Example:
        >>> sorted(term_words("What is SECOR in Alberta?")), term_words("How long is it?")
        (['secor'], frozenset())
        >>> sorted(term_words("What is Certificate of Recognition (COR)?"))
        ['cor']
    """
    term = defined_term(text)
    if not term:
        return frozenset()
    # "Certificate of Recognition (COR)" asks about COR, as the corpus's "What is COR in
    # Newfoundland and Labrador?" does: a bracketed short name is the term.
    short = _SHORT_NAME.search(term)
    words = frozenset(tokenize(short.group(1) if short else term))
    return words - SLOT_WORDS - place_words(term)


_SHORT_NAME = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")


def asked_terms(chunk: Chunk) -> list[frozenset[str]]:
    """The terms a section's heading and its questions ask to have defined."""
    return [term_words(asked) for asked in (chunk.section, *chunk.questions)]


def defines_term(chunk: Chunk, wanted: frozenset[str], *, loosely: bool = False) -> bool:
    """Whether a section asks "what is X?" of the term ``wanted``; ``loosely``, also of the
    term with a program's name added ("audit" and "COR audit")."""
    terms = asked_terms(chunk)
    if wanted in terms:
        return True
    return loosely and any(t > wanted and t - wanted <= PROGRAM_WORDS for t in terms)


def defining_sections(
    question: str, chunks: list[Chunk], scopes: list[str] | None, jurisdiction: str | None
) -> list[Chunk]:
    """The sections (within ``scopes``; None is all) that define what the question asks about:
    the user's own province's first, then the national and topic documents', then the rest,
    each in corpus order; a section asking of the very term before one that adds COR to it.

    Example:
        >>> lgs = Chunk("d", "t", "What is a Letter of Good Standing?", "...", "general", (), (),
        ...             (), "2026-12-03", id="d::lgs")
        >>> [c.id for c in defining_sections("whats a letter of good standing", [lgs], None, None)]
        ['d::lgs']
    """
    wanted = term_words(question)
    if not wanted:
        return []
    allowed = [c for c in chunks if scopes is None or c.jurisdiction in scopes]
    for loosely in (False, True):
        found = [c for c in allowed if defines_term(c, wanted, loosely=loosely)]
        if found:
            return sorted(
                found,
                key=lambda c: (c.jurisdiction != jurisdiction, c.jurisdiction not in SHARED_SCOPES),
            )
    return []


def with_definition(
    question: str, passages: list[Scored], search: HybridSearch, where: str | None
) -> list[Scored]:
    """For a "what is X?" that no retrieved passage defines, the corpus's section that asks
    "what is X?" takes the last place: "What is a Letter of Good Standing?" ranked a section
    that names the letter above the one that defines it. ``where`` is the search's scope."""
    wanted = term_words(question) if question_kind(question) == "definition" else None
    if not wanted or not passages:
        return passages
    if any(defines_term(p.chunk, wanted, loosely=True) for p in passages):
        return passages  # the composer reads the defining passage wherever it ranks
    found = defining_sections(question, search.chunks, scopes_for(where), where)
    near = passages[0].similarity >= DEFINITION_NEAR and _mentioned(wanted, passages)
    if not found and where in (None, "national") and not near:
        # Asked with no province, a term only one province defines is that province's ("what
        # is a TLC": Alberta's Temporary Letter of Certification), unless the general passages
        # name it and one is close in meaning: "What is COR certification?" keeps the general
        # answer, not Alberta's "what is cor certification alberta".
        found = defining_sections(question, search.chunks, None, None)
    if not found:
        return passages
    vector = passages[0].query_vector or search.index.embedder.embed_query(question)
    return [*passages[:-1], search.passage(found[0], vector)]


def _mentioned(term: frozenset[str], passages: list[Scored]) -> bool:
    """Whether some passage's text holds every word of the term."""
    return any(term <= set(tokenize(p.chunk.text)) for p in passages)
