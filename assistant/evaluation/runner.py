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

from assistant.answering.guard import numbers_in
from assistant.dialogue.numbers import words_to_digits
from assistant.evaluation.dataset import EvalItem, Located, TurnExpect
from assistant.evaluation.metrics import (
    answer_body,
    citation_problems,
    fact_recall,
    hit_at_k,
    lead_of,
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
    split: str = "gold"
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
    answers: list[Any] = []
    try:
        for answer in assistant.converse(item.messages, item.initial_state):
            answers.append(answer)
    except Exception as exc:  # one broken item must not stop the run; the report shows it
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return answers, f"turn {len(answers) + 1} raised {last}"
    return answers, None


def _new_result(located: Located, dumped: list[dict[str, Any]], error: str | None) -> ItemResult:
    """The item's identity, answers and expectations, before any score."""
    item = located.item
    last = dumped[-1] if dumped else None
    return ItemResult(
        id=item.id,
        kind=item.kind or item.inferred_kind(),
        split=item.split,
        where=located.where,
        group=item.jurisdiction or (last or {}).get("province") or "general",
        programs=list(item.programs),
        topic=item.topic,
        messages=item.messages,
        answers=dumped,
        error=error,
        latencies_ms=[float(a["latency_ms"]) for a in dumped],
        expect_refusal=item.expect_refusal,
        expect_not_covered=item.expect_not_covered,
    )


def _score_support(last: dict[str, Any], result: ItemResult) -> None:
    """Refused, 'not covered', or answered; an answer must rest on something checkable."""
    result.refused = bool(last["refused"])
    result.not_covered = bool(last["not_covered"])
    if not result.refused:
        result.scores["not_covered_share"] = 1.0 if result.not_covered else 0.0
        # A question back ("Which province or territory is your business in?") states no fact,
        # so like "not covered" it has nothing to support; its item still fails on its facts.
        asked_only = last.get("route") == "ask" and not last["citations"]
        if not result.not_covered and not asked_only:
            # An answer must rest on something the user can check: a passage or a tool result.
            result.scores["supported"] = 1.0 if (last["citations"] or last["tool_calls"]) else 0.0


def _score_scope(item: EvalItem, result: ItemResult) -> None:
    """Whether the item was refused, or said 'not covered', exactly when it should be."""
    failures = result.failures
    if item.expect_refusal != result.refused:
        failures.append(
            "refused an in-scope question" if result.refused else "answered instead of refusing"
        )
    if not item.expect_refusal:
        if item.expect_not_covered and not result.not_covered:
            failures.append("answered instead of saying the guidance does not cover it")
        elif not item.expect_not_covered and result.not_covered and not result.refused:
            failures.append("said 'not covered' for a question the corpus answers")


def _score_retrieval(item: EvalItem, last: dict[str, Any], result: ItemResult) -> None:
    """Hit, recall, MRR and nDCG of the expected sources in the top ``K`` retrieved."""
    if not item.expected_sources or item.expect_refusal:
        return
    scores = result.scores
    expected = [ref.chunk_id for ref in item.expected_sources]
    retrieved = last["retrieved"]
    scores["hit@5"] = hit_at_k(retrieved, expected, K)
    scores["recall@5"] = recall_at_k(retrieved, expected, K)
    scores["mrr"] = reciprocal_rank(retrieved, expected)
    scores["ndcg@5"] = ndcg_at_k(retrieved, expected, K)
    if not scores["hit@5"]:
        shown = ", ".join(retrieved[:K]) or "nothing"
        result.failures.append(f"retrieval: no expected source in the top {K} (got {shown})")


def _score_facts(item: EvalItem, text: str, result: ItemResult) -> None:
    """Every key fact present (strict, and as a share), and no forbidden phrase."""
    scores, failures = result.scores, result.failures
    body = answer_body(text)  # a fact in the closing lines only was not answered
    if item.must_include:
        # An item counts as recalled only when every key fact is there; the share is kept
        # beside it, because it shows partial progress the strict figure hides.
        scores["fact_share"] = fact_recall(body, item.must_include)
        scores["fact_recall"] = 1.0 if scores["fact_share"] == 1.0 else 0.0
        # Does the first sentence answer? It states at least one key fact (issue 13).
        lead_missing = missing_groups(lead_of(body), item.must_include)
        scores["lead_fact"] = 1.0 if len(lead_missing) < len(item.must_include) else 0.0
        missing = missing_groups(body, item.must_include)
        if missing:
            failures.append("missing facts: " + "; ".join(" | ".join(group) for group in missing))
    norm = normalize_text(text)
    present = [p for p in item.must_not_include if normalize_text(p) in norm]
    if present:
        failures.append("must not include: " + " | ".join(present))


def _score_tool(item: EvalItem, last: dict[str, Any], result: ItemResult) -> None:
    if item.expected_tool is None:
        return
    exp = item.expected_tool
    problems = tool_mismatches(last["tool_calls"], exp.name, exp.args, exp.result)
    result.scores["tool_accuracy"] = 0.0 if problems else 1.0
    result.failures.extend(f"tool: {p}" for p in problems)


def score_item(
    located: Located, answers: list[Any], error: str | None, chunk_texts: Mapping[str, str]
) -> ItemResult:
    """Score an item's answers (``Answer`` objects, one per turn) against its expectations."""
    item = located.item
    dumped = [a.model_dump(mode="json") for a in answers]
    result = _new_result(located, dumped, error)
    if error is not None or not dumped:
        result.failures.append(error or "no answer")
        return result
    last = dumped[-1]
    _score_support(last, result)
    if item.scripted:
        _score_turns(item.turn_expectations, dumped, result)
        _score_grounding(dumped, chunk_texts, result)
        return result
    _score_scope(item, result)
    _score_retrieval(item, last, result)
    _score_facts(item, last["answer"], result)
    _score_grounding(dumped, chunk_texts, result)
    _score_tool(item, last, result)
    return result


def _score_grounding(
    dumped: list[dict[str, Any]], chunk_texts: Mapping[str, str], result: ItemResult
) -> None:
    """Citation validity and number grounding over every turn: a user reads every turn."""
    scores, failures = result.scores, result.failures
    total = invalid = 0
    ungrounded_turns = 0
    for turn, answer in enumerate(dumped, start=1):
        problems = citation_problems(answer["citations"], answer["retrieved"], chunk_texts)
        total += len(answer["citations"])
        invalid += len(problems)
        failures.extend(f"turn {turn} citation {p}" for p in problems)
        # Numbers the user typed so far ("9 guys", "$55,000") may be said back to them, as
        # the guard allows: "Got it: 9 workers" is grounded by the user's own words.
        typed = " ".join(a["question"] for a in dumped[:turn])
        loose = [
            n
            for n in ungrounded_numbers(
                answer["answer"], answer["citations"], answer["tool_calls"], chunk_texts
            )
            if n not in numbers_in(words_to_digits(typed))
        ]
        if loose:
            ungrounded_turns += 1
            failures.append(f"turn {turn} ungrounded numbers: {', '.join(loose)}")
    if total:
        scores["citations"] = float(total)
        scores["citations_valid"] = float(total - invalid)
        scores["citation_validity"] = (total - invalid) / total
    if not result.refused:
        scores["number_grounding"] = 0.0 if ungrounded_turns else 1.0


def turn_failures(expect: TurnExpect, answer: Mapping[str, Any]) -> dict[str, list[str]]:
    """What one conversation turn got wrong, by check (a check with no entry passed).

    Example:
        >>> from assistant.evaluation.dataset import TurnExpect
        >>> answer = {"answer": "Hello!", "refused": True, "not_covered": False, "route": "refuse",
        ...           "asked_back": False, "tool_calls": [], "state": {"jurisdiction": "AB"}}
        >>> sorted(turn_failures(TurnExpect(refused=False, route=["smalltalk"]), answer))
        ['refused', 'route']
    """
    out: dict[str, list[str]] = {}
    state = answer["state"]
    slots = {"province": state.get("jurisdiction"), **{k: state.get(k) for k in state}}
    for key, wanted in expect.state.items():
        got = slots.get(key)
        same = (
            got == wanted
            if not isinstance(wanted, int | float) or isinstance(wanted, bool)
            else isinstance(got, int | float) and abs(float(got) - float(wanted)) < 1e-6
        )
        if not same:
            out.setdefault("state", []).append(f"state.{key}: expected {wanted!r}, got {got!r}")
    if expect.route and answer["route"] not in expect.route:
        out["route"] = [f"route: expected {' or '.join(expect.route)}, got {answer['route']}"]
    if expect.refused is not None and bool(answer["refused"]) != expect.refused:
        out["refused"] = [
            "refused a turn about the business"
            if answer["refused"]
            else "answered instead of refusing"
        ]
    if expect.not_covered is not None and bool(answer["not_covered"]) != expect.not_covered:
        out["not_covered"] = [f"not_covered: expected {expect.not_covered}"]
    if expect.asks_for is not None and answer.get("asked_for") != expect.asks_for:
        out["asks_for"] = [
            f"asks_for: expected a question for {expect.asks_for}, got {answer.get('asked_for')}"
        ]
    text = answer["answer"]
    missing = missing_groups(text, expect.must_include)
    if missing:
        out["facts"] = ["missing facts: " + "; ".join(" | ".join(g) for g in missing)]
    norm = normalize_text(text)
    present = [p for p in expect.must_not_include if normalize_text(p) in norm]
    if present:
        out.setdefault("facts", []).append("must not include: " + " | ".join(present))
    if expect.tool is not None:
        problems = tool_mismatches(
            answer["tool_calls"], expect.tool.name, expect.tool.args, expect.tool.result
        )
        if problems:
            out["tool"] = [f"tool: {p}" for p in problems]
    return out


# Per-turn checks and the scores they feed: (the check, the expectation that makes it apply).
_TURN_CHECKS = (
    ("state", lambda e: bool(e.state)),
    ("route", lambda e: bool(e.route)),
    ("facts", lambda e: bool(e.must_include or e.must_not_include)),
    ("tool", lambda e: e.tool is not None),
)


def _score_turns(
    expectations: list[TurnExpect], dumped: list[dict[str, Any]], result: ItemResult
) -> None:
    """Score every turn of a scripted conversation; the item passes when every turn does."""
    counts = {name: [0, 0] for name, _ in _TURN_CHECKS}  # [turns checked, turns ok]
    turns_ok = wrong_refusals = 0
    for n, (expect, answer) in enumerate(zip(expectations, dumped, strict=False), start=1):
        problems = turn_failures(expect, answer)
        for name, applies in _TURN_CHECKS:
            if applies(expect):
                counts[name][0] += 1
                counts[name][1] += name not in problems
        if expect.refused is False and answer["refused"]:
            wrong_refusals += 1
        turns_ok += not problems
        result.failures.extend(f"turn {n} {p}" for ps in problems.values() for p in ps)
    scores = result.scores
    scores["turns"] = float(len(expectations))
    scores["turns_ok"] = float(turns_ok)
    scores["wrong_refusals"] = float(wrong_refusals)
    for name, (checked, ok) in counts.items():
        if checked:
            scores[f"turn_{name}_checked"] = float(checked)
            scores[f"turn_{name}_ok"] = float(ok)


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
