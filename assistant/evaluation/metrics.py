"""Pure metric functions: every figure is computed from the data, no judge model.

Definitions (also in ``evals/README.md``):

- An item's *expected sources* are the passages that answer it; any one of them is acceptable.
- hit@k: 1 when any expected source is among the first k retrieved passages.
- recall@k: the share of the expected sources found in the first k.
- reciprocal rank: 1 / the rank of the first expected source retrieved (0 when none is).
- nDCG@k: binary relevance, each expected source counted once, ideal order = all of them first.
- fact recall: the share of ``must_include`` groups with at least one phrasing in the answer,
  without its closing lines (``answer_body``).
- citation validity: a citation is valid when its quote is an exact span of the passage it
  names, that passage is the indexed text of its chunk, and the chunk was retrieved.
- number grounding: every number in the answer text appears in a cited (valid) passage or in
  a tool call's arguments or result.
- tool match: the expected tool was called and every listed result field is equal (lists
  compared as sets).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.answering.guard import normalize_number, numbers_in

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def source_matches(chunk_id: str, expected: str) -> bool:
    """Whether a retrieved chunk id is the expected passage (``doc::slug``).

    Chunk ids get ``-2``, ``-3`` when a document repeats a heading; those count too.

    Example:
        >>> source_matches("alberta::pass-mark", "alberta::pass-mark")
        True
        >>> source_matches("alberta::pass-mark-2", "alberta::pass-mark")
        True
        >>> source_matches("alberta::pass-marks", "alberta::pass-mark")
        False
    """
    return chunk_id == expected or re.fullmatch(re.escape(expected) + r"-\d+", chunk_id) is not None


def _first_ranks(retrieved: Sequence[str], expected: Sequence[str]) -> list[int | None]:
    """For each expected source, the 1-based rank of its first match (None when absent)."""
    ranks: list[int | None] = []
    for ref in expected:
        rank = next((i for i, cid in enumerate(retrieved, 1) if source_matches(cid, ref)), None)
        ranks.append(rank)
    return ranks


def hit_at_k(retrieved: Sequence[str], expected: Sequence[str], k: int) -> float:
    """1.0 when any expected source is in the top ``k``, else 0.0.

    Example:
        >>> hit_at_k(["a::x", "b::y"], ["b::y", "c::z"], 2), hit_at_k(["a::x", "b::y"], ["b::y"], 1)
        (1.0, 0.0)
    """
    return 1.0 if any(r is not None and r <= k for r in _first_ranks(retrieved, expected)) else 0.0


def recall_at_k(retrieved: Sequence[str], expected: Sequence[str], k: int) -> float:
    """The share of the expected sources found in the top ``k``.

    Example:
        >>> recall_at_k(["a::x", "b::y", "c::z"], ["c::z", "d::w"], 3)
        0.5
    """
    if not expected:
        return 0.0
    ranks = _first_ranks(retrieved, expected)
    return sum(1 for r in ranks if r is not None and r <= k) / len(expected)


def reciprocal_rank(retrieved: Sequence[str], expected: Sequence[str]) -> float:
    """1 / rank of the first expected source retrieved, 0.0 when none is.

    Example:
        >>> reciprocal_rank(["a::x", "b::y", "c::z"], ["c::z", "b::y"])
        0.5
    """
    found = [r for r in _first_ranks(retrieved, expected) if r is not None]
    return 1.0 / min(found) if found else 0.0


def ndcg_at_k(retrieved: Sequence[str], expected: Sequence[str], k: int) -> float:
    """Normalized discounted cumulative gain with binary relevance.

    Each expected source earns a gain of 1 once, at the rank of its first match; the ideal
    ranking puts all expected sources (up to ``k``) first.

    Example:
        >>> round(ndcg_at_k(["a::x", "b::y"], ["b::y"], 5), 4)  # 1/log2(3) / 1
        0.6309
    """
    if not expected:
        return 0.0
    dcg = sum(1.0 / math.log2(r + 1) for r in _first_ranks(retrieved, expected) if r and r <= k)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(expected), k) + 1))
    return dcg / ideal


def normalize_text(text: str) -> str:
    """Lower case, straight quotes, plain hyphens, single spaces (for phrase matching).

    Example:
        >>> normalize_text("The \\u201cAudit\\u201d  \\u2013 80%")
        'the "audit" - 80%'
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _DASHES.sub("-", text)
    return " ".join(text.lower().split())


def missing_groups(answer: str, must_include: Sequence[Sequence[str]]) -> list[list[str]]:
    """The ``must_include`` groups none of whose phrasings occurs in the answer.

    Example:
        >>> missing_groups("SECOR is for 10 or fewer workers.", [["ten or fewer", "10 or fewer"],
        ...                                                       ["COR"], ["50%"]])
        [['50%']]
    """
    text = normalize_text(answer)
    return [list(g) for g in must_include if not any(normalize_text(p) in text for p in g)]


# The lines every answer may end with, whatever was asked: the partner to confirm with, the
# question for the province or the head count. A key fact found only there was not answered
# ("depends" in a closing "The rules differ by jurisdiction", IHSA in "Confirm with ... IHSA").
CLOSING_LINES = re.compile(
    r"(?:^|\n\n)(?:Confirm with your certifying partner, [^\n]*?not legal advice\."
    r"|Ask [^\n]*?: they can answer it for your business\."
    r"|Which province or territory is your business in\? The rules differ by jurisdiction\."
    r"|How many workers do you have \(counting owners, part-time and casual staff\)\?)"
    r"(?=\n\n|$)"
)


def answer_body(answer: str) -> str:
    r"""The answer without its closing lines (CLOSING_LINES): what key facts are sought in.

    Example:
        >>> answer_body("SECOR is for 10 or fewer. [1]\n\nWhich province or territory is your "
        ...             "business in? The rules differ by jurisdiction.")
        'SECOR is for 10 or fewer. [1]'
    """
    return CLOSING_LINES.sub("", answer).strip()


_MARKER = re.compile(r"\[\d+\]")


def lead_of(answer: str) -> str:
    r"""The answer's first sentence as the owner reads it: the first line quoting a passage
    (it carries a [n] marker), or the first line when none does (a tool's decision).

    Example:
        >>> lead_of("Got it: Alberta.\n\nSECOR is for 10 or fewer. [1]\n\n- More. [2]")
        'SECOR is for 10 or fewer. [1]'
    """
    lines = [line for line in answer.splitlines() if line.strip()]
    return next((line for line in lines if _MARKER.search(line)), lines[0] if lines else "")


def fact_recall(answer: str, must_include: Sequence[Sequence[str]]) -> float:
    """The share of ``must_include`` groups the answer satisfies (1.0 when there are none).

    Example:
        >>> fact_recall("Pass with 80% overall.", [["80%"], ["50%"]])
        0.5
    """
    if not must_include:
        return 1.0
    return 1.0 - len(missing_groups(answer, must_include)) / len(must_include)


def citation_problems(
    citations: Iterable[Mapping[str, Any]],
    retrieved: Sequence[str],
    chunk_texts: Mapping[str, str],
) -> list[str]:
    """Why each invalid citation is invalid (an empty list: all valid).

    A citation is valid when its ``quote`` is a non-empty exact span of its ``passage``, the
    passage is the indexed text of chunk ``chunk_id``, and that chunk was retrieved.

    Example:
        >>> text = {"d::s": "Pass: 80% overall."}
        >>> c = {"n": 1, "chunk_id": "d::s", "quote": "80% overall", "passage": text["d::s"]}
        >>> citation_problems([c], ["d::s"], text)
        []
        >>> citation_problems([{**c, "quote": "90% overall"}], ["d::s"], text)
        ['[1] quote is not an exact span of its passage']
    """
    problems: list[str] = []
    for c in citations:
        n, cid, quote, passage = (
            c.get("n"),
            c.get("chunk_id", ""),
            c.get("quote", ""),
            c.get("passage", ""),
        )
        if not quote or quote not in passage:
            problems.append(f"[{n}] quote is not an exact span of its passage")
        elif cid not in chunk_texts:
            problems.append(f"[{n}] cites {cid!r}, which is not in the index")
        elif chunk_texts[cid] != passage:
            problems.append(f"[{n}] passage differs from the indexed text of {cid!r}")
        elif cid not in retrieved:
            problems.append(f"[{n}] cites {cid!r}, which was not retrieved for this answer")
    return problems


def _tool_numbers(tool_calls: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every number a tool call states, in the spellings an answer may use."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int | float):
            found.add(normalize_number(f"{float(value):.2f}"))
            if 0 < abs(value) < 1:  # a share such as 0.15 may be written as 15%
                found.add(normalize_number(f"{float(value) * 100:.2f}"))
        elif isinstance(value, str):
            found.update(numbers_in(value))
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                found.update(numbers_in(str(key)))
                walk(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)

    for call in tool_calls:
        walk(call.get("args", {}))
        walk(call.get("result", {}))
    return found


def ungrounded_numbers(
    answer: str,
    citations: Iterable[Mapping[str, Any]],
    tool_calls: Iterable[Mapping[str, Any]],
    chunk_texts: Mapping[str, str],
) -> list[str]:
    """Numbers in the answer found in no cited passage and no tool call.

    Passages are read from the index (``chunk_texts``), not from the citation, so a citation
    that carries a doctored passage grounds nothing.

    Example:
        >>> ungrounded_numbers("Pass at 80% [1]; 2 audits.", [{"chunk_id": "d::s"}], [],
        ...                    {"d::s": "80% overall"})
        ['2']
    """
    grounded = _tool_numbers(tool_calls)
    for c in citations:
        text = chunk_texts.get(c.get("chunk_id", ""))
        if text is not None:
            grounded |= numbers_in(text)
    return sorted(numbers_in(answer) - grounded, key=lambda n: (len(n), n))


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, list) and isinstance(actual, list):
        if any(isinstance(e, dict) for e in expected):
            # Objects in a list: same length, each expected object matching a different one.
            if len(expected) != len(actual):
                return False
            free = list(actual)
            for e in expected:
                match = next((a for a in free if _same(e, a)), None)
                if match is None:
                    return False
                free.remove(match)
            return True
        return set(map(_freeze, expected)) == set(map(_freeze, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and _same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, bool) or isinstance(actual, bool):
            return expected is actual
        return math.isclose(float(expected), float(actual), rel_tol=0, abs_tol=1e-6)
    return expected == actual


def _freeze(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def tool_mismatches(
    tool_calls: Sequence[Mapping[str, Any]],
    name: str,
    expected_args: Mapping[str, Any],
    expected_result: Mapping[str, Any],
) -> list[str]:
    """How the tool calls differ from the expected one (an empty list: exact match).

    Only the listed argument and result fields are compared; lists are compared as sets and
    nested objects on their listed keys.

    Example:
        >>> call = {"name": "check_eligibility", "args": {"workers": 8},
        ...         "result": {"eligible": ["SECOR", "COR"], "recommended": "SECOR"}}
        >>> tool_mismatches([call], "check_eligibility", {}, {"eligible": ["COR", "SECOR"]})
        []
        >>> tool_mismatches([call], "check_eligibility", {}, {"recommended": "COR"})
        ["result.recommended: expected 'COR', got 'SECOR'"]
    """
    calls = [c for c in tool_calls if c.get("name") == name]
    if not calls:
        made = ", ".join(str(c.get("name")) for c in tool_calls) or "none"
        return [f"{name} was not called (tools called: {made})"]
    best: list[str] | None = None
    for call in calls:  # any call of the tool that matches is enough
        problems: list[str] = []
        for part, wanted in (("args", expected_args), ("result", expected_result)):
            got = call.get(part, {})
            for key, value in wanted.items():
                if key not in got:
                    problems.append(f"{part}.{key}: missing")
                elif not _same(value, got[key]):
                    problems.append(f"{part}.{key}: expected {value!r}, got {got[key]!r}")
        if not problems:
            return []
        if best is None or len(problems) < len(best):
            best = problems
    return best or []


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values.

    Example:
        >>> percentile([10, 20, 30, 40], 50), percentile([10, 20, 30, 40], 95)
        (25.0, 38.5)
    """
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def mean(values: Sequence[float]) -> float | None:
    """The mean, None for no values (a metric with no applicable item is not 0)."""
    return sum(values) / len(values) if values else None


def precision_recall(pairs: Sequence[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """Precision and recall of (expected, predicted) decisions; None where undefined.

    Example:
        >>> precision_recall([(True, True), (True, False), (False, True), (False, False)])
        (0.5, 0.5)
    """
    tp = sum(1 for e, p in pairs if e and p)
    fp = sum(1 for e, p in pairs if not e and p)
    fn = sum(1 for e, p in pairs if e and not p)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall
