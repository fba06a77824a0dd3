"""The certification plan: from choosing the program to recertification, with dates.

Every step is built from a tool result or the rules data, and carries the sources of what it
says: the program from ``check_eligibility``, the courses and the incentive from the rules,
the months of records from the records rule (``corpus/readiness/records.yaml``), and the audit
dates from ``audit_schedule``. ``Plan.tool_calls`` keeps each call with its arguments and
result, so the guard's number rule can check the plan text like any answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from assistant.answering.answer import ToolCall
from assistant.errors import InputError
from assistant.knowledge.jurisdictions import NAMES, parse_date, parse_workers
from assistant.knowledge.rules import JurisdictionRules, rules_for
from assistant.tools.costs import compare_costs
from assistant.tools.eligibility import EligibilityResult, Notice, check_eligibility, dedupe
from assistant.tools.plan_steps import (
    add_months,
    audit_steps,
    build_step,
    course_step,
    grow_step,
    incentive_step,
)
from assistant.tools.readiness import readiness_questions
from assistant.tools.readiness_data import OneYearRoute, records_rule
from assistant.tools.schedule import audit_schedule

# Which step a cost line belongs on, by the unit its rule gives (costs from compare_costs): a
# one-off fee at joining, a per-person fee with the courses, audit fees with the audit, a
# yearly fee with the first maintenance year. Ratios stay in the plan's cost list only.
COST_STEP = {
    "once": "join",
    "per_person": "courses",
    "per_certification": "audit",
    "per_day": "audit",
    "per_year": "maintenance",
}

PLAN_LABEL = (
    "Indicative plan built from public sources; the certifying partner sets the real dates, "
    "courses and fees."
)


class PlanStep(BaseModel):
    key: str
    title: str
    detail: str
    due: date | None
    cost: str | None = None
    sources: list[str] = Field(min_length=1)


class CostNote(BaseModel):
    text: str
    sources: list[str] = Field(min_length=1)


class Plan(BaseModel):
    """The answer of ``build_plan``."""

    province: str
    province_name: str
    workers: int
    program: str | None
    partner: dict[str, str] | None
    start: date
    deadline: date | None
    label: str
    steps: list[PlanStep]
    costs: list[CostNote]
    incentive: str | None
    warnings: list[Notice]
    sources: list[str]
    tool_calls: list[ToolCall] = Field(default_factory=list, exclude=True)

    def text(self) -> str:
        """All the words the plan states (titles, details, costs, warnings), for the guard."""
        parts = [s.title + ". " + s.detail + (" " + s.cost if s.cost else "") for s in self.steps]
        parts += [w.text for w in self.warnings] + [c.text for c in self.costs]
        return "\n".join(parts)


def _call(name: str, args: dict[str, Any], result: BaseModel | dict) -> ToolCall:
    data = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return ToolCall(name=name, args=args, result=data)


def _routes(rules: JurisdictionRules, program: str, partner: str | None) -> list[OneYearRoute]:
    """The one-year routes of the rules that fit this jurisdiction, program and partner."""
    name = (partner or "").lower()
    return [
        r
        for r in records_rule().one_year
        if rules.code in r.jurisdictions
        and program in r.programs
        and any(word.lower() in name for word in r.partner_contains)
    ]


def _deadline_warnings(
    rules: JurisdictionRules,
    program: str,
    partner: str | None,
    start: date,
    ready: date,
    deadline: date,
    calls: list[ToolCall],
) -> list[Notice]:
    rr = records_rule()
    if ready <= deadline:
        return []
    out = [
        Notice(
            kind="confirm",
            text=f"The deadline {deadline.isoformat()} comes before the first audit can: "
            f"{rr.full_months} months of records from {start.isoformat()} run to "
            f"{ready.isoformat()}.",
            sources=rr.full_sources,
        )
    ]
    routes = _routes(rules, program, partner)
    for route in routes:
        fast = add_months(start, route.months)
        calls.append(
            _call(
                "records_rule",
                {"start": start.isoformat(), "months": route.months},
                {"ready": fast.isoformat(), "validity_years": route.validity_years},
            )
        )
        when = f"records from {start.isoformat()} reach {route.months} months on {fast.isoformat()}"
        verdict = "before the deadline" if fast <= deadline else "still after the deadline"
        out.append(
            Notice(
                kind="confirm",
                text=f"Faster route: {route.text} Here {when}, {verdict}.",
                sources=route.sources,
            )
        )
    other = rr.other_routes.get(rules.code)
    if other:
        out.append(
            Notice(
                kind="confirm", text=f"Another route: {other}", sources=rr.other_sources[rules.code]
            )
        )
    if not routes and not other:
        who = partner or "the certifying partner"
        out.append(
            Notice(
                kind="not_found",
                text=f"No faster route was found in the sources for {who}; ask whether a "
                "shorter first certificate or a letter of good standing is possible.",
                sources=rr.full_sources,
            )
        )
    return out


def _first_steps(elig: EligibilityResult, start: date) -> tuple[list[PlanStep], dict | None]:
    prog = elig.recommended
    reasons = [r for r in elig.reasons if "recommendation" in r.rule or "limit" in r.rule]
    detail = " ".join(r.text for r in (reasons or elig.reasons))
    steps = [
        PlanStep(
            key="choose",
            title=f"Choose the program: {elig.local_names.get(prog or '', prog or 'none found')}",
            detail=detail,
            due=start,
            sources=elig.sources,
        )
    ]
    partner = None
    if elig.next_steps:
        first = elig.next_steps[0]
        partner = {"name": first.name or "", "url": first.url or ""}
        steps.append(
            PlanStep(
                key="join",
                title=f"Join the certifying partner: {first.name}",
                detail=first.text,
                due=start,
                sources=first.sources,
            )
        )
    return steps, partner


def _attach_costs(steps: list[PlanStep], group: list) -> list[PlanStep]:
    """Put each cost line on the step it is paid at (``COST_STEP``), with its sources."""
    out = list(steps)
    for line in group:
        key = COST_STEP.get(line.unit)
        at = next((i for i, s in enumerate(out) if s.key == key), None)
        if at is None:
            continue
        step = out[at]
        cost = f"{step.cost}; {line.text}" if step.cost else line.text
        out[at] = step.model_copy(
            update={"cost": cost, "sources": dedupe([*step.sources, *line.sources])}
        )
    return out


def _program_steps(
    elig: EligibilityResult,
    rules: JurisdictionRules,
    partner: dict[str, str] | None,
    begin: date,
    until: date | None,
    industry: str | None,
    calls: list[ToolCall],
) -> tuple[list[PlanStep], list[Notice], str]:
    """Courses to the incentive for COR or SECOR: dated by the records rule and the schedule."""
    prog = elig.recommended or "COR"
    listing = readiness_questions(elig.province, prog, industry)
    steps = [
        PlanStep(**course_step(rules, prog, partner, begin)),
        PlanStep(**build_step(rules, listing, begin)),
    ]
    rr = records_rule()
    ready = add_months(begin, rr.full_months)
    calls.append(
        _call(
            "records_rule",
            {"start": begin.isoformat(), "months": rr.full_months},
            {"ready": ready.isoformat()},
        )
    )
    steps.append(
        PlanStep(
            key="records",
            title=f"Keep {rr.full_months} months of records",
            detail=rr.full_text,
            due=ready,
            sources=rr.full_sources,
        )
    )
    schedule = audit_schedule(elig.province, ready)
    calls.append(
        _call(
            "audit_schedule",
            {"jurisdiction": elig.province, "certified_on": ready.isoformat()},
            schedule,
        )
    )
    steps += [PlanStep(**s) for s in audit_steps(rules, prog, listing, schedule)]
    inc = incentive_step(rules, prog)
    steps.append(PlanStep(**inc))
    grow = grow_step(rules, prog, elig)
    if grow:
        steps.append(PlanStep(**grow))
    warnings = list(schedule.warnings)
    if until is not None:
        name = partner["name"] if partner else None
        warnings += _deadline_warnings(rules, prog, name, begin, ready, until, calls)
    return steps, warnings, inc["detail"]


def _dates(start: object | None, deadline: object | None) -> tuple[date, date | None]:
    """The plan's start (default today) and optional deadline, which cannot come first."""
    begin = parse_date(start) if start is not None else date.today()
    until = parse_date(deadline) if deadline is not None else None
    if until is not None and until < begin:
        raise InputError(
            f"the deadline {until.isoformat()} is before the start {begin.isoformat()}"
        )
    return begin, until


def _grounding_calls(
    args: dict[str, Any], rules: JurisdictionRules, begin: date, until: date | None
) -> list[ToolCall]:
    # The rules data itself is a source of numbers (pass marks, rebate percentages) and the
    # owner's own inputs (dates, head count) may be echoed: both ground the plan's numbers.
    return [
        _call("rules", {"jurisdiction": rules.code}, rules),
        _call(
            "plan_inputs",
            {**args, "start": begin.isoformat(), "deadline": until.isoformat() if until else None},
            {},
        ),
    ]


def _plan(
    elig: EligibilityResult,
    workers: int,
    partner: dict[str, str] | None,
    window: tuple[date, date | None],
    steps: list[PlanStep],
    costs: list[CostNote],
    incentive: str | None,
    warnings: list[Notice],
    calls: list[ToolCall],
) -> Plan:
    every = [s for step in steps for s in step.sources] + [s for w in warnings for s in w.sources]
    every += [s for c in costs for s in c.sources]
    return Plan(
        province=elig.province,
        province_name=NAMES[elig.province],
        workers=workers,
        program=elig.recommended,
        partner=partner,
        start=window[0],
        deadline=window[1],
        label=PLAN_LABEL,
        steps=steps,
        costs=costs,
        incentive=incentive,
        warnings=warnings,
        sources=dedupe(every),
        tool_calls=calls,
    )


def build_plan(
    province: str,
    workers: object,
    *,
    industry: str | None = None,
    subcontractors: bool = False,
    public_contracts: bool = False,
    start: object | None = None,
    deadline: object | None = None,
) -> Plan:
    """Lay out the certification plan, step by step, with due dates and sources.

    Raises:
        InputError: an unknown province, a bad worker count or date, or a deadline before
            the start.

    Example:
        >>> p = build_plan("AB", 8, industry="trucking", start="2027-01-04")
        >>> p.program, [s.key for s in p.steps][:4], p.steps[4].due.isoformat()
        ('SECOR', ['choose', 'join', 'courses', 'build'], '2028-01-04')
    """
    n = parse_workers(workers)
    begin, until = _dates(start, deadline)
    args = {
        "jurisdiction": province,
        "workers": n,
        "subcontractors": subcontractors,
        "public_contracts": public_contracts,
        "industry": industry,
    }
    elig = check_eligibility(
        province,
        n,
        subcontractors=subcontractors,
        public_contracts=public_contracts,
        industry=industry,
    )
    rules = rules_for(elig.province)
    calls = [_call("check_eligibility", args, elig), *_grounding_calls(args, rules, begin, until)]
    steps, partner = _first_steps(elig, begin)
    warnings = list(elig.warnings)
    prog = elig.recommended
    incentive = None
    if prog in ("COR", "SECOR"):
        more, more_warnings, incentive = _program_steps(
            elig, rules, partner, begin, until, industry, calls
        )
        steps += more
        warnings += more_warnings
    costs = compare_costs(elig.province, n)
    calls.append(_call("compare_costs", {"jurisdiction": elig.province, "workers": n}, costs))
    group = costs.secor if prog == "SECOR" else costs.cor
    lines = [CostNote(text=c.text, sources=c.sources) for c in group]
    steps = _attach_costs(steps, group)
    return _plan(elig, n, partner, (begin, until), steps, lines, incentive, warnings, calls)
