"""Plain-language text for a tool's decision, written only from the tool's own result.

Every figure here is read from the result (which carries its sources), so the guard finds each
number in the tool call and the user sees the rule behind each decision. Each describer reads
the result model, like the CLI's renderer (``assistant.tools.render``); the registry
(``assistant.tools.registry``) names each tool's describer; figures go through
``assistant.presentation.format``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.presentation.format import day, money, people, percent

if TYPE_CHECKING:  # the result models, for the signatures only: the tools package imports this
    # module through its registry, so importing the tools here would be a cycle
    from assistant.tools.costs import CostComparison
    from assistant.tools.eligibility import EligibilityResult
    from assistant.tools.incentives import IncentiveResult
    from assistant.tools.schedule import ScheduleResult
    from assistant.tools.scoring import AuditScoreResult

MAX_STEPS = 3


def _bullets(title: str, items: list[str]) -> str:
    return f"{title}\n" + "\n".join(f"- {item}" for item in items) if items else ""


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _texts(items: list) -> list[str]:
    return [item.text for item in items]


def describe_eligibility(result: EligibilityResult) -> str:
    """Which program fits, why, what to watch and whom to contact."""
    place, workers, names = result.province_name, result.workers, result.local_names
    recommended, eligible = result.recommended, result.eligible
    if recommended:
        name = names.get(recommended, recommended)
        label = name if recommended in name else f"{name} ({recommended})"
        lead = f"**With {people(workers)} in {place}, the program that fits is {label}.**"
        if len(eligible) > 1:
            lead += " Open to you: " + ", ".join(names.get(e, e) for e in eligible) + "."
    elif result.program_exists is False:
        lead = f"**No COR or SECOR program was found for {place} in the sources.**"
    else:
        lead = f"**With {people(workers)} in {place}, no program could be recommended.**"
    steps = [
        s.text + (f" ({s.url})" if s.url and s.url not in s.text else "") for s in result.next_steps
    ]
    if len(steps) > MAX_STEPS:  # the full list is in the tool result and the UI's card
        steps = [*steps[:MAX_STEPS], "Other certifying partners serve other industries."]
    return _join(
        lead,
        _bullets("Why:", _texts(result.reasons)),
        _bullets("Watch out:", _texts(result.warnings)),
        _bullets("Next steps:", steps),
    )


def describe_score(result: AuditScoreResult) -> str:
    """Pass or fail against the mark, and the elements below theirs."""
    place, kind = result.province_name, result.audit_type
    if result.passed is None:
        lead = f"**No {kind} audit pass mark for {place} was found in the sources.**"
    else:
        verdict = "passes" if result.passed else "does not pass"
        lead = (
            f"**This {kind} audit {verdict} in {place}: {percent(result.overall_score)} overall "
            f"against a mark of {percent(result.overall_mark)}.**"
        )
    failing = [
        f"{e.name}: {percent(e.score)}, needs {e.points_needed:g} more points"
        for e in result.elements
        if e.passed is False
    ]
    return _join(
        lead,
        _bullets("Elements below the mark:", failing),
        _bullets("Why:", _texts(result.reasons)),
        _bullets("Watch out:", _texts(result.warnings)),
    )


def describe_incentive(result: IncentiveResult) -> str:
    """The estimated incentive and how it is worked out, or that none was found."""
    place = result.province_name
    if result.found and result.amount is not None:
        lead = (
            f"**Estimated {result.incentive_name or 'incentive'} in {place}: "
            f"{money(result.amount)}.**"
        )
    elif result.needs:  # the terms without the dollars: the rate, then what the dollars need
        return _join(
            f"**{result.steps[0].text}**",
            f"Tell me {result.needs} and I will work out the dollar amount.",
            _bullets("Watch out:", _texts(result.warnings)),
        )
    elif result.found:
        lead = f"**{result.incentive_name or 'An incentive'} exists in {place}.**"
    else:
        lead = f"**No COR incentive was found for {place} in the sources.**"
    return _join(
        lead,
        f"Formula: {result.formula}" if result.formula else "",
        _bullets("How it is worked out:", _texts(result.steps)),
        _bullets("Watch out:", _texts(result.warnings)),
    )


def describe_schedule(result: ScheduleResult) -> str:
    """Which audit is due by when, and when the certificate expires."""
    place = result.province_name
    if not result.found:
        lead = f"**No COR audit cycle for {place} was found in the sources.**"
    else:
        lead = f"**Audit schedule in {place} for a certificate dated {day(result.certified_on)}:**"
    entries = [
        f"Year {e.year}: {e.audit} audit, due by {day(e.due_by)}. {e.description}"
        for e in result.entries
    ]
    expiry = f"The certificate expires on {day(result.expires_on)}." if result.expires_on else ""
    return _join(
        lead,
        _bullets("", entries).strip(),
        expiry,
        _bullets("Watch out:", _texts(result.warnings)),
    )


def describe_costs(result: CostComparison) -> str:
    """The indicative costs: the summary, then each program's lines."""
    return _join(
        f"**Indicative costs in {result.province_name} ({result.label}):**",
        "\n".join(f"- {line}" for line in result.summary),
        _bullets("SECOR:", _texts(result.secor)),
        _bullets("COR:", _texts(result.cor)),
        _bullets("Other:", _texts(result.other)),
        _bullets("Watch out:", _texts(result.warnings)),
    )
