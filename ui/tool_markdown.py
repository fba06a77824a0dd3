"""A tool's result as markdown for its tab: tables, the formula's steps, warnings, sources.

Text from a result is escaped for markdown (``ui.render._md_text``); figures go through
``assistant.presentation.format``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from assistant.presentation.format import money, percent
from ui.render import _as_list, _md_text, _md_url, _text_of, esc, safe_url


def _pct(value: object) -> str:
    return percent(value, places=1, missing="–")


def _money(value: object) -> str:
    return money(value, cents=True, missing="–")


def _notices_md(result: Mapping[str, Any], key: str = "warnings", heading: str = "Check") -> str:
    items = [_text_of(w) for w in _as_list(result.get(key))]
    if not items:
        return ""
    return f"\n\n**{heading}**\n\n" + "\n".join(f"- {_md_text(i)}" for i in items)


def _reasons_md(result: Mapping[str, Any], key: str = "reasons", heading: str = "Why") -> str:
    items = [_text_of(r) for r in _as_list(result.get(key))]
    if not items:
        return ""
    return f"\n\n**{heading}**\n\n" + "\n".join(f"- {_md_text(i)}" for i in items)


def _sources_md(result: Mapping[str, Any]) -> str:
    urls = [u for u in (safe_url(s) for s in _as_list(result.get("sources"))) if u]
    if not urls:
        return ""
    links = [f"[{_md_text(urlparse(u).netloc.removeprefix('www.'))}]({_md_url(u)})" for u in urls]
    return "\n\n**Sources:** " + " · ".join(links)


def score_markdown(result: Mapping[str, Any]) -> str:
    """The audit score as markdown: the verdict, a pass/fail table per element, why, warnings."""
    passed = result.get("passed")
    verdict = {True: "PASS", False: "FAIL", None: "No pass mark found"}[passed]
    place = _md_text(result.get("province_name") or result.get("province"))
    kind = _md_text(result.get("audit_type") or "")
    program = _md_text(result.get("program") or "")
    marks = []
    if result.get("overall_mark") is not None:
        marks.append(f"overall pass mark {_pct(result['overall_mark'])}")
    if result.get("per_element_mark") is not None:
        marks.append(f"each element at least {_pct(result['per_element_mark'])}")
    head = (
        f"### {verdict}: overall {_pct(result.get('overall_score'))}\n\n"
        f"{place} {program} {kind} audit" + (f" ({'; '.join(marks)})" if marks else "")
    )
    rows = ["| Element | Score | Mark | Result | Points needed |", "|---|---:|---:|---|---:|"]
    for e in _as_list(result.get("elements")):
        state = {True: "pass", False: "**fail**", None: "–"}[e.get("passed")]
        needed = e.get("points_needed") or 0
        rows.append(
            f"| {_md_text(e.get('name'))} | {_pct(e.get('score'))} | {_pct(e.get('mark'))} "
            f"| {state} | {needed:g} |"
        )
    needed_overall = result.get("points_needed_overall") or 0
    tail = ""
    if needed_overall:
        tail = f"\n\nThe overall score needs {needed_overall:g} more points to pass."
    return (
        head
        + "\n\n"
        + "\n".join(rows)
        + tail
        + _reasons_md(result)
        + _notices_md(result)
        + _sources_md(result)
    )


def score_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Bar-chart rows: one per element plus the overall score, each labelled Pass/Fail.

    Example:
        >>> score_rows({"elements": [{"name": "Training", "score": 45, "passed": False}],
        ...             "overall_score": 45, "passed": False})
        [{'element': 'Training', 'score': 45.0, 'result': 'Fail'}, {'element': 'Overall', 'score': 45.0, 'result': 'Fail'}]
    """  # noqa: E501
    label = {True: "Pass", False: "Fail", None: "No mark"}
    rows = [
        {
            "element": str(e.get("name", "")),
            "score": float(e.get("score") or 0),
            "result": label[e.get("passed")],
        }
        for e in _as_list(result.get("elements"))
    ]
    if result.get("overall_score") is not None:
        rows.append(
            {
                "element": "Overall",
                "score": float(result["overall_score"]),
                "result": label[result.get("passed")],
            }
        )
    return rows


def incentive_markdown(result: Mapping[str, Any]) -> str:
    """The incentive estimate: the amount, each step of the formula, warnings and sources."""
    place = _md_text(result.get("province_name") or result.get("province"))
    if not result.get("found"):
        head = f"### No incentive formula found for {place}"
    else:
        name = _md_text(result.get("incentive_name") or "Incentive")
        program = _md_text(result.get("program") or "")
        head = (
            f"### Estimated {name}: {_money(result.get('amount'))}\n\n{place}"
            + (f", {program}" if program else "")
            + (f". Formula: {_md_text(result['formula'])}" if result.get("formula") else "")
        )
    steps = [s for s in _as_list(result.get("steps"))]
    body = ""
    if steps:
        body = "\n\n**How it is worked out**\n\n" + "\n".join(
            f"{i}. {_md_text(_text_of(s))}" for i, s in enumerate(steps, 1)
        )
    return head + body + _notices_md(result) + _sources_md(result)


def schedule_markdown(result: Mapping[str, Any]) -> str:
    """The audit schedule as a table: year, audit, window, due date; then warnings, sources."""
    place = _md_text(result.get("province_name") or result.get("province"))
    start = _md_text(result.get("certified_on"))
    if not result.get("found") and not result.get("entries"):
        return f"### No audit cycle found for {place}" + _notices_md(result) + _sources_md(result)
    head = f"### Audit schedule for {place}, certified {start}"
    if result.get("expires_on"):
        years = result.get("validity_years")
        head += f"\n\nThe certificate is valid for {years} years and expires on " + _md_text(
            result["expires_on"]
        )
        head += "."
    rows = ["| Year | Audit | Window opens | Due by | What |", "|---:|---|---|---|---|"]
    for e in _as_list(result.get("entries")):
        rows.append(
            f"| {e.get('year')} | **{_md_text(e.get('audit'))}** | "
            f"{_md_text(e.get('window_start'))} | {_md_text(e.get('due_by'))} | "
            f"{_md_text(e.get('description'))} |"
        )
    return head + "\n\n" + "\n".join(rows) + _notices_md(result) + _sources_md(result)


def error_card(message: str) -> str:
    """A tool's input error as markdown (the message says what to fix)."""
    return f"**Cannot compute this yet:** {_md_text(message)}"


def error_card_html(message: str) -> str:
    """A tool's input error as HTML for an HTML output (escaped)."""
    return f'<div class="cg-card cg-warn"><b>Cannot compute this yet:</b> {esc(message)}</div>'
