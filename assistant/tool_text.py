"""Plain-language text for a tool's decision, written only from the tool's own result.

Every figure here is read from the result (which carries its sources), so the guard finds each
number in the tool call and the user sees the rule behind each decision. The registry
(``assistant.tools.registry``) names each tool's describer; figures go through
``assistant.format``.
"""

from __future__ import annotations

from typing import Any

from assistant.format import money, percent

MAX_STEPS = 3


def _bullets(title: str, items: list[str]) -> str:
    return f"{title}\n" + "\n".join(f"- {item}" for item in items) if items else ""


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def describe_eligibility(result: dict[str, Any]) -> str:
    place, workers = result["province_name"], result["workers"]
    names = result.get("local_names") or {}
    recommended = result.get("recommended")
    eligible = result.get("eligible") or []
    if recommended:
        name = names.get(recommended, recommended)
        label = name if recommended in name else f"{name} ({recommended})"
        lead = f"**With {workers} workers in {place}, the program that fits is {label}.**"
        if len(eligible) > 1:
            lead += " Open to you: " + ", ".join(names.get(e, e) for e in eligible) + "."
    elif result.get("program_exists") is False:
        lead = f"**No COR or SECOR program was found for {place} in the sources.**"
    else:
        lead = f"**With {workers} workers in {place}, no program could be recommended.**"
    steps = [
        s["text"] + (f" ({s['url']})" if s.get("url") and s["url"] not in s["text"] else "")
        for s in result.get("next_steps", [])
    ]
    if len(steps) > MAX_STEPS:  # the full list is in the tool result and the UI's card
        steps = [*steps[:MAX_STEPS], "Other certifying partners serve other industries."]
    return _join(
        lead,
        _bullets("Why:", [r["text"] for r in result.get("reasons", [])]),
        _bullets("Watch out:", [w["text"] for w in result.get("warnings", [])]),
        _bullets("Next steps:", steps),
    )


def describe_score(result: dict[str, Any]) -> str:
    place, kind = result["province_name"], result["audit_type"]
    if result.get("passed") is None:
        lead = f"**No {kind} audit pass mark for {place} was found in the sources.**"
    else:
        verdict = "passes" if result["passed"] else "does not pass"
        lead = (
            f"**This {kind} audit {verdict} in {place}: {percent(result['overall_score'])} overall "
            f"against a mark of {percent(result.get('overall_mark'))}.**"
        )
    failing = [
        f"{e['name']}: {percent(e['score'])}, needs {e['points_needed']:g} more points"
        for e in result.get("elements", [])
        if e.get("passed") is False
    ]
    return _join(
        lead,
        _bullets("Elements below the mark:", failing),
        _bullets("Why:", [r["text"] for r in result.get("reasons", [])]),
        _bullets("Watch out:", [w["text"] for w in result.get("warnings", [])]),
    )


def describe_incentive(result: dict[str, Any]) -> str:
    place = result["province_name"]
    if result.get("found") and result.get("amount") is not None:
        lead = (
            f"**Estimated {result.get('incentive_name') or 'incentive'} in {place}: "
            f"{money(result['amount'])}.**"
        )
    elif result.get("found"):
        lead = f"**{result.get('incentive_name') or 'An incentive'} exists in {place}.**"
    else:
        lead = f"**No COR incentive was found for {place} in the sources.**"
    return _join(
        lead,
        f"Formula: {result['formula']}" if result.get("formula") else "",
        _bullets("How it is worked out:", [s["text"] for s in result.get("steps", [])]),
        _bullets("Watch out:", [w["text"] for w in result.get("warnings", [])]),
    )


def describe_schedule(result: dict[str, Any]) -> str:
    place = result["province_name"]
    if not result.get("found"):
        lead = f"**No COR audit cycle for {place} was found in the sources.**"
    else:
        lead = f"**Audit schedule in {place} for a certificate dated {result['certified_on']}:**"
    entries = [
        f"Year {e['year']}: {e['audit']} audit, due by {e['due_by']}. {e['description']}"
        for e in result.get("entries", [])
    ]
    expiry = (
        f"The certificate expires on {result['expires_on']}." if result.get("expires_on") else ""
    )
    return _join(
        lead,
        _bullets("", entries).strip(),
        expiry,
        _bullets("Watch out:", [w["text"] for w in result.get("warnings", [])]),
    )


def describe_costs(result: dict[str, Any]) -> str:
    def lines(key: str) -> list[str]:
        return [line["text"] for line in result.get(key) or []]

    return _join(
        f"**Indicative costs in {result['province_name']} ({result['label']}):**",
        "\n".join(f"- {line}" for line in result.get("summary") or []),
        _bullets("SECOR:", lines("secor")),
        _bullets("COR:", lines("cor")),
        _bullets("Other:", lines("other")),
        _bullets("Watch out:", [w["text"] for w in result.get("warnings", [])]),
    )
