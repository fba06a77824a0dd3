"""Each tool's result as text lines: the one renderer the registry names for every tool.

The CLI prints these lines; each reason, step and warning carries its source as ``[n]``,
and the numbered sources follow at the end. Figures go through ``assistant.presentation.format``.
"""

from __future__ import annotations

from assistant.presentation.format import day, money, percent
from assistant.tools.costs import CostComparison
from assistant.tools.eligibility import EligibilityResult
from assistant.tools.incentives import IncentiveResult
from assistant.tools.readiness import ReadinessList, ReadinessResult
from assistant.tools.schedule import ScheduleResult
from assistant.tools.scoring import AuditScoreResult


class _Sources:
    """Numbers sources in order of first use, for the readable output."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def refs(self, sources: list[str]) -> str:
        marks = []
        for url in sources:
            if url not in self.urls:
                self.urls.append(url)
            marks.append(f"[{self.urls.index(url) + 1}]")
        return " " + "".join(marks) if marks else ""

    def block(self) -> list[str]:
        return ["Sources:"] + [f"  [{i}] {url}" for i, url in enumerate(self.urls, 1)]


def _warnings(src: _Sources, notices: list) -> list[str]:
    if not notices:
        return []
    return ["Warnings:"] + [f"  ! {n.text}{src.refs(n.sources)}" for n in notices]


def render_check(r: EligibilityResult) -> list[str]:
    """The eligibility decision: recommended and eligible programs, why, next steps."""
    src = _Sources()
    lines = [f"{r.province_name} ({r.province}), {r.workers} worker{'s' if r.workers != 1 else ''}"]
    if r.recommended is None:
        lines.append("Recommended: none (no program found)")
    else:
        lines.append(f"Recommended: {r.recommended} - {r.local_names.get(r.recommended, '')}")
    lines.append(f"Eligible: {', '.join(r.eligible) or 'none'}")
    lines.append("Why:")
    lines += [f"  - {reason.text}{src.refs(reason.sources)}" for reason in r.reasons]
    lines += _warnings(src, r.warnings)
    if r.next_steps:
        lines.append("Next steps:")
        lines += [f"  - {step.text}{src.refs(step.sources)}" for step in r.next_steps]
    return lines + src.block()


def render_score(r: AuditScoreResult) -> list[str]:
    """The audit verdict, each element against its mark, and the points needed."""
    src = _Sources()
    verdict = {True: "PASS", False: "FAIL", None: "cannot be scored"}[r.passed]
    lines = [f"{r.province_name} ({r.province}) {r.program} {r.audit_type} audit: {verdict}"]
    mark = f" (mark {percent(r.overall_mark)})" if r.overall_mark is not None else ""
    lines.append(f"Overall: {percent(r.overall_score)}{mark}")
    for e in r.elements:
        status = {True: "ok", False: f"FAIL, needs {e.points_needed:g} more", None: "-"}[e.passed]
        lines.append(f"  {e.name}: {percent(e.score)} ({status})")
    if r.points_needed_overall:
        lines.append(f"Points needed overall: {r.points_needed_overall:g}")
    lines.append(r.method)
    lines += [f"  - {reason.text}{src.refs(reason.sources)}" for reason in r.reasons]
    lines += _warnings(src, r.warnings)
    return lines + src.block()


def render_incentive(r: IncentiveResult) -> list[str]:
    """The incentive estimate with its formula, step by step."""
    src = _Sources()
    if r.found and r.amount is not None:
        figure = f"{money(r.amount, cents=True)} {r.currency}"
        head = f"{r.incentive_name} ({r.province_name}, {r.program}): {figure}"
    else:
        head = f"No incentive formula found for {r.province_name} ({r.program or 'COR'})"
    lines = [head, f"Formula: {r.formula}"]
    lines += [f"  {i}. {step.text}{src.refs(step.sources)}" for i, step in enumerate(r.steps, 1)]
    lines += _warnings(src, r.warnings)
    return lines + src.block()


def render_schedule(r: ScheduleResult) -> list[str]:
    """Which audit is due in which year, with its window and due date."""
    src = _Sources()
    lines = [f"{r.province_name} ({r.province}) audit schedule from {day(r.certified_on)}"]
    if r.expires_on:
        lines.append(f"Certificate expires: {day(r.expires_on)}")
    for e in r.entries:
        lines.append(
            f"  Year {e.year} {e.audit}: by {day(e.due_by)} (from "
            f"{day(e.window_start)}) - {e.description}{src.refs(e.sources)}"
        )
    lines += _warnings(src, r.warnings)
    return lines + src.block()


def render_costs(r: CostComparison) -> list[str]:
    """The indicative SECOR, COR and other costs, each line with its source."""
    src = _Sources()
    lines = [
        f"{r.province_name} ({r.province}), {r.workers} workers, {r.sites} site(s): INDICATIVE",
        r.label,
    ]
    for title, group in (("SECOR", r.secor), ("COR", r.cor), ("Other", r.other)):
        if group:
            lines.append(f"{title}:")
            lines += [f"  - {line.text}{src.refs(line.sources)}" for line in group]
    lines += [f"* {s}" for s in r.summary]
    lines += _warnings(src, r.warnings)
    return lines + src.block()


def render_list(r: ReadinessList) -> list[str]:
    """The readiness questions, element by element, with their points."""
    lines = [f"{r.province_name} ({r.province}) {r.program} readiness self-check", r.label]
    lines.append(f"To pass: {r.pass_rule.rule}")
    element = None
    for q in r.questions:
        if q.element != element:
            element = q.element
            lines.append(f"{element}:")
        lines.append(f"  [{q.id}] {q.text} ({q.points} points; {', '.join(q.validation)})")
    return lines


def render_result(r: ReadinessResult) -> list[str]:
    """The scored self-check: the projected verdict, each element, what to do first."""
    p = r.projected
    verdict = {True: "would pass", False: "would not pass", None: "cannot be scored"}[p.passes]
    lines = [f"{r.province_name} ({r.province}) {r.program}: {verdict} ({p.rule})", r.label]
    lines.append(f"Overall: {percent(p.overall)}")
    for e in p.elements:
        mark = {True: "ok", False: "below the element mark", None: "-"}[e.passes]
        lines.append(f"  {e.element}: {percent(e.score)} ({mark})")
    if p.legislated_missing:
        lines.append(f"Legislated items not yet in place: {', '.join(p.legislated_missing)}")
    if r.actions:
        lines.append("Do first:")
        lines += [f"  - {a.action} ({a.element}, {a.points_at_risk:g} points)" for a in r.actions]
    return lines
