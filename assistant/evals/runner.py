"""Run gold items through an `Assistant` and score each one.

A multi-turn item carries each answer's conversation state into the next turn, exactly as the
chat UI does, and is scored on its last turn; citation validity and number grounding are
checked on every turn, because a user reads every turn.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from assistant.evals.dataset import Located
from assistant.evals.metrics import (
    citation_problems,
    fact_recall,
    hit_at_k,
    missing_groups,
    ndcg_at_k,
    normalize_text,
    recall_at_k,
    reciprocal_rank,
    tool_mismatches,
    ungrounded_numbers,
)

K = 5  # the cut-off of every retrieval metric (the assistant cites its top 5 by default)


class ItemResult(BaseModel):
    """One item's answers, scores and the reasons it failed (empty when it passed)."""

    id: str
    kind: str
    where: str
    group: str  # the jurisdiction the report files the item under
    programs: list[str] = Field(default_factory=list)
    topic: str | None = None
    messages: list[str]
    answers: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None
    scores: dict[str, float | None] = Field(default_factory=dict)
    failures: list[str] = Field(default_factory=list)
    latencies_ms: list[float] = Field(default_factory=list)
    expect_refusal: bool = False
    refused: bool = False
    expect_not_covered: bool = False
    not_covered: bool = False

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def answer_text(self) -> str:
        return self.answers[-1]["answer"] if self.answers else ""


def chunk_texts_of(assistant: Any) -> dict[str, str]:
    """Every indexed passage by chunk id, read once per run (citations are checked against it)."""
    search = assistant.search
    chunks = getattr(search, "chunks", None)
    if chunks is None:
        chunks = search.index.all_chunks()
    return {c.id: c.text for c in chunks}


def _ask_all(assistant: Any, located: Located) -> tuple[list[Any], str | None]:
    item = located.item
    state = item.initial_state
    answers: list[Any] = []
    for message in item.messages:
        try:
            answer = assistant.ask(message, state)
        except Exception as exc:  # one broken item must not stop the run; the report shows it
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return answers, f"turn {len(answers) + 1} raised {last}"
        answers.append(answer)
        state = answer.state
    return answers, None


def score_item(
    located: Located, answers: list[Any], error: str | None, chunk_texts: Mapping[str, str]
) -> ItemResult:
    """Score an item's answers (``Answer`` objects, one per turn) against its expectations."""
    item = located.item
    dumped = [a.model_dump(mode="json") for a in answers]
    last = dumped[-1] if dumped else None
    group = item.jurisdiction or (last or {}).get("province") or "general"
    result = ItemResult(
        id=item.id,
        kind=item.kind or item.inferred_kind(),
        where=located.where,
        group=group,
        programs=list(item.programs),
        topic=item.topic,
        messages=item.messages,
        answers=dumped,
        error=error,
        latencies_ms=[float(a["latency_ms"]) for a in dumped],
        expect_refusal=item.expect_refusal,
        expect_not_covered=item.expect_not_covered,
    )
    failures = result.failures
    if error is not None or last is None:
        failures.append(error or "no answer")
        return result

    result.refused = bool(last["refused"])
    result.not_covered = bool(last["not_covered"])
    scores = result.scores
    text = last["answer"]

    if item.expect_refusal != result.refused:
        failures.append(
            "refused an in-scope question" if result.refused else "answered instead of refusing"
        )
    if not item.expect_refusal:
        if item.expect_not_covered and not result.not_covered:
            failures.append("answered instead of saying the guidance does not cover it")
        elif not item.expect_not_covered and result.not_covered and not result.refused:
            failures.append("said 'not covered' for a question the corpus answers")

    if item.expected_sources and not item.expect_refusal:
        expected = [ref.chunk_id for ref in item.expected_sources]
        retrieved = last["retrieved"]
        scores["hit@5"] = hit_at_k(retrieved, expected, K)
        scores["recall@5"] = recall_at_k(retrieved, expected, K)
        scores["mrr"] = reciprocal_rank(retrieved, expected)
        scores["ndcg@5"] = ndcg_at_k(retrieved, expected, K)
        if not scores["hit@5"]:
            shown = ", ".join(retrieved[:K]) or "nothing"
            failures.append(f"retrieval: no expected source in the top {K} (got {shown})")

    if item.must_include:
        scores["fact_recall"] = fact_recall(text, item.must_include)
        missing = missing_groups(text, item.must_include)
        if missing:
            failures.append("missing facts: " + "; ".join(" | ".join(group) for group in missing))
    norm = normalize_text(text)
    present = [p for p in item.must_not_include if normalize_text(p) in norm]
    if present:
        failures.append("must not include: " + " | ".join(present))

    total = invalid = 0
    ungrounded_turns = 0
    for turn, answer in enumerate(dumped, start=1):
        problems = citation_problems(answer["citations"], answer["retrieved"], chunk_texts)
        total += len(answer["citations"])
        invalid += len(problems)
        failures.extend(f"turn {turn} citation {p}" for p in problems)
        loose = ungrounded_numbers(
            answer["answer"], answer["citations"], answer["tool_calls"], chunk_texts
        )
        if loose:
            ungrounded_turns += 1
            failures.append(f"turn {turn} ungrounded numbers: {', '.join(loose)}")
    if total:
        scores["citations"] = float(total)
        scores["citations_valid"] = float(total - invalid)
        scores["citation_validity"] = (total - invalid) / total
    if not result.refused:
        scores["number_grounding"] = 0.0 if ungrounded_turns else 1.0

    if item.expected_tool is not None:
        exp = item.expected_tool
        problems = tool_mismatches(last["tool_calls"], exp.name, exp.args, exp.result)
        scores["tool_accuracy"] = 0.0 if problems else 1.0
        failures.extend(f"tool: {p}" for p in problems)
    return result


def run_items(
    assistant: Any,
    items: list[Located],
    *,
    progress: Callable[[int, int, ItemResult], None] | None = None,
) -> tuple[list[ItemResult], float]:
    """Answer and score every item; returns the results and the wall time in seconds."""
    started = time.perf_counter()
    texts = chunk_texts_of(assistant)
    results: list[ItemResult] = []
    for n, located in enumerate(items, start=1):
        answers, error = _ask_all(assistant, located)
        result = score_item(located, answers, error, texts)
        results.append(result)
        if progress is not None:
            progress(n, len(items), result)
    return results, time.perf_counter() - started
