"""The default answer composer: deterministic, extractive, no language model.

It reads like an answer: a first sentence that answers the question, then the supporting points,
each with a marker [n] for its passage, then the tool's decision with its reasons when a tool
ran. Every sentence taken from a passage is quoted exactly, so the guard can verify it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.answer import Citation
from assistant.retrieve import Scored, stem, tokenize
from assistant.understand import find_jurisdictions

_SPAN = re.compile(
    r"(?m)^[ \t]*(?:[-*]|\d+[.)])[ \t]+(?P<item>[^\n]+)$"
    r"|(?P<sentence>[^\n]+?(?:[.!?](?=\s|$)|$))"
)
_WANTS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|often)\b|\blimit\b|\bpass(?:ing)? mark|\bscore|\bpercent|\brebate|"
    r"\bincentive|\bcost|\bfee|\bwhen\b|\bvalue\b|\bthreshold",
    re.I,
)
MAX_POINTS = 3
DIRECT_SPANS = 5  # sentences read in order from a passage whose heading asks the question
DIRECT_HIT_SHARE = 0.5  # share of the question's (weighted) words the heading must contain
SLOT_WORDS = frozenset(
    stem(word)
    for word in (
        "alberta alta british columbia b.c bc saskatchewan sask manitoba ontario quebec new "
        "brunswick nova scotia prince edward island pei newfoundland labrador yukon northwest "
        "territories nwt nunavut canada province territory workers employees guys crew people "
        "staff me fit fits have got"
    ).split()
)


@dataclass
class Sentence:
    text: str  # an exact span of the passage
    passage_rank: int
    position: int
    score: float
    foreign: bool = False  # names another province than the user's


def sentences_of(text: str) -> list[str]:
    """Citable spans of a passage: its sentences and its list items, each an exact substring.

    Example:
        >>> sentences_of("SECOR is for small firms. It has 2 steps:\\n- train\\n- audit")
        ['SECOR is for small firms.', 'It has 2 steps:', 'train', 'audit']
    """
    spans = []
    for match in _SPAN.finditer(text):
        span = (match.group("item") or match.group("sentence") or "").strip()
        if len(span) >= 3 and re.search(r"[A-Za-z]", span):
            spans.append(span)
    return spans


class Composer:
    """Composes answers from ranked passages; ``idf`` weights the overlap with the question."""

    def __init__(self, idf: dict[str, float] | None = None) -> None:
        self.idf = idf or {}

    def _weight(self, token: str) -> float:
        return self.idf.get(token, 1.0) if self.idf else 1.0

    def wanted(self, question: str) -> set[str]:
        # Place names and head counts locate the passage (retrieval already filtered on them);
        # they say nothing about which sentence answers, so they do not count here.
        return set(tokenize(question)) - SLOT_WORDS

    def rank_sentences(
        self, question: str, passages: list[Scored], jurisdiction: str | None = None
    ) -> list[Sentence]:
        """Every citable span of every passage, scored against the question, best first."""
        wanted = self.wanted(question)
        wants_number = bool(_WANTS_NUMBER.search(question))
        ranked: list[Sentence] = []
        for rank, passage in enumerate(passages):
            for position, text in enumerate(sentences_of(passage.chunk.text)):
                tokens = set(tokenize(text))
                overlap = sum(self._weight(t) for t in wanted & tokens)
                score = overlap / math.sqrt(len(tokens) + 4)
                if wants_number and re.search(r"\d", text):
                    score *= 1.3
                score *= 1.0 / (1.0 + 0.35 * rank)  # trust the retriever's order
                score *= 1.0 + 0.15 / (1 + position)  # opening sentences tend to state the rule
                foreign = False
                if jurisdiction:
                    named = find_jurisdictions(text)
                    foreign = bool(named) and jurisdiction not in named
                    if foreign:
                        score *= 0.05  # a topic document's line about another province
                    elif passage.chunk.jurisdiction == jurisdiction or jurisdiction in named:
                        score *= 1.25
                ranked.append(Sentence(text, rank, position, score, foreign))
        ranked.sort(key=lambda s: (-s.score, s.passage_rank, s.position))
        return ranked

    def direct_hit(self, question: str, passages: list[Scored]) -> bool:
        """Whether the best passage's heading asks the user's question.

        Each corpus section opens with the sentence that answers its heading and goes on with
        the details, so such a passage is read in order rather than picked apart.
        """
        wanted = self.wanted(question)
        if not wanted or not passages:
            return False
        shared = wanted & set(tokenize(passages[0].chunk.section))
        weight = sum(self._weight(t) for t in shared) / sum(self._weight(t) for t in wanted)
        return weight >= DIRECT_HIT_SHARE

    def compose(
        self,
        question: str,
        passages: list[Scored],
        *,
        jurisdiction: str | None = None,
        max_points: int = MAX_POINTS,
    ) -> tuple[str, str, list[Citation]]:
        """A lead sentence, supporting points and their citations, from the passages.

        Returns:
            (lead, points_markdown, citations); lead is empty when no sentence relates to the
            question.
        """
        everything = self.rank_sentences(question, passages, jurisdiction)
        ranked = [s for s in everything if s.score > 0]
        if not ranked:
            return "", "", []
        if self.direct_hit(question, passages):
            own = sorted(
                (s for s in everything if s.passage_rank == 0 and not s.foreign),
                key=lambda s: s.position,
            )
            chosen = own[:DIRECT_SPANS]
            extra_budget = 1
        else:
            chosen = []
            extra_budget = max_points + 1
        best = ranked[0].score
        for sentence in ranked:
            if extra_budget == 0:
                break
            # Weak matches are allowed only beside the lead, from the passage it came from.
            same_passage = bool(chosen) and sentence.passage_rank == chosen[0].passage_rank
            if (sentence.score < 0.3 * best and not same_passage) or _is_fragment(sentence.text):
                continue
            if any(_near_duplicate(sentence.text, c.text) for c in chosen):
                continue
            if sum(c.passage_rank == sentence.passage_rank for c in chosen) >= 2 and chosen:
                continue
            chosen.append(sentence)
            extra_budget -= 1
        if not chosen:
            return "", "", []

        citations: list[Citation] = []
        numbers: dict[str, int] = {}

        def cite(sentence: Sentence) -> int:
            chunk = passages[sentence.passage_rank].chunk
            if chunk.id not in numbers:
                numbers[chunk.id] = len(citations) + 1
                citations.append(
                    Citation(
                        n=numbers[chunk.id],
                        source=chunk.doc_id,
                        section=chunk.section,
                        quote=sentence.text,
                        url=next((s for s in chunk.sources if s.startswith("http")), ""),
                        title=chunk.title,
                        last_verified=chunk.last_verified,
                        chunk_id=chunk.id,
                        passage=chunk.text,
                    )
                )
            return numbers[chunk.id]

        lead, *rest = chosen
        lead_text = f"{_as_sentence(lead.text)} [{cite(lead)}]"
        points = [f"- {_as_sentence(s.text)} [{cite(s)}]" for s in rest]
        return lead_text, "\n".join(points), citations


def _is_fragment(text: str) -> bool:
    """An intro that only announces a list, or a bare list item, says nothing on its own."""
    return text.rstrip().endswith(":") or len(text.split()) < 4


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.6


def _as_sentence(text: str) -> str:
    """Capitalized and closed with a full stop (the quote itself stays exact in the citation)."""
    text = text.rstrip(":;,")
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."
