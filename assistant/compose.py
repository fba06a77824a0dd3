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

    def rank_sentences(
        self, question: str, passages: list[Scored], jurisdiction: str | None = None
    ) -> list[Sentence]:
        # Place names and head counts locate the passage (retrieval already filtered on them);
        # they say nothing about which sentence answers, so they do not count here.
        wanted = set(tokenize(question)) - SLOT_WORDS
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
                if jurisdiction:
                    named = find_jurisdictions(text)
                    if named and jurisdiction not in named:
                        score *= 0.05  # a topic document's line about another province
                    elif passage.chunk.jurisdiction == jurisdiction or jurisdiction in named:
                        score *= 1.25
                ranked.append(Sentence(text, rank, position, score))
        ranked.sort(key=lambda s: (-s.score, s.passage_rank, s.position))
        return ranked

    def _pick_lead(
        self,
        question: str,
        passages: list[Scored],
        ranked: list[Sentence],
        jurisdiction: str | None,
    ) -> Sentence:
        """The top passage's opening sentence when its heading matches the question.

        Each corpus section opens with the sentence that answers its heading, so when the best
        passage's heading shares words with the question, its first sentence is the answer;
        otherwise the best-scoring sentence anywhere.
        """
        wanted = set(tokenize(question)) - SLOT_WORDS
        top = passages[0].chunk
        if wanted & set(tokenize(top.section)):
            for sentence in ranked:
                if sentence.passage_rank == 0 and sentence.position == 0:
                    named = find_jurisdictions(sentence.text)
                    if not (jurisdiction and named and jurisdiction not in named):
                        return sentence
        return ranked[0]

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
        ranked = [s for s in self.rank_sentences(question, passages, jurisdiction) if s.score > 0]
        if not ranked:
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

        lead = self._pick_lead(question, passages, ranked, jurisdiction)
        lead_text = f"{_as_sentence(lead.text)} [{cite(lead)}]"
        points: list[str] = []
        per_passage: dict[int, int] = {lead.passage_rank: 1}
        seen = {lead.text}
        for sentence in ranked:
            if len(points) == max_points:
                break
            if sentence.text in seen or per_passage.get(sentence.passage_rank, 0) >= 2:
                continue
            if sentence.score < 0.25 * lead.score:
                break
            seen.add(sentence.text)
            per_passage[sentence.passage_rank] = per_passage.get(sentence.passage_rank, 0) + 1
            points.append(f"- {_as_sentence(sentence.text)} [{cite(sentence)}]")
        return lead_text, "\n".join(points), citations


def _as_sentence(text: str) -> str:
    """Capitalized and closed with a full stop (the quote itself stays exact in the citation)."""
    text = text.rstrip(":;,")
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."
