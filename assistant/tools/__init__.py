"""The deterministic decision tools: pure functions over ``corpus/rules``.

Every numeric decision the assistant makes (worker limits, pass marks, incentives, audit dates,
costs) comes from one of these functions, never from text generation. Each is also available
as a LangChain ``StructuredTool`` (``langchain_tools()``) whose result is the model's JSON.

``TOOL_FUNCTIONS`` maps the tool names the chain and evals use to the plain functions; each
returns a pydantic model (call ``.model_dump(mode="json")`` for a JSON-ready dict).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from assistant.tools import costs, eligibility, incentives, schedule, scoring
from assistant.tools.costs import CostComparison, CostLine
from assistant.tools.eligibility import EligibilityResult, NextStep, Notice, Reason
from assistant.tools.incentives import IncentiveResult, Step
from assistant.tools.schedule import ScheduleEntry, ScheduleResult
from assistant.tools.scoring import AuditScoreResult, ElementScore


def _names_broken_rules(func: Callable[..., BaseModel]) -> Callable[..., BaseModel]:
    """The tool, whose result also warns when it was decided from the last good rules."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> BaseModel:
        from assistant.rules_store import rules_problem_notice, served_rules

        result = func(*args, **kwargs)
        served = served_rules()
        text = rules_problem_notice(served)
        if text is not None:
            notice = Notice(kind="broken_rules", text=text, sources=[str(served.folder)])
            result.warnings.insert(0, notice)  # type: ignore[attr-defined]
        return result

    return run


check_eligibility = _names_broken_rules(eligibility.check_eligibility)
score_audit = _names_broken_rules(scoring.score_audit)
estimate_incentive = _names_broken_rules(incentives.estimate_incentive)
audit_schedule = _names_broken_rules(schedule.audit_schedule)
compare_costs = _names_broken_rules(costs.compare_costs)

TOOL_FUNCTIONS: dict[str, Callable[..., BaseModel]] = {
    "check_eligibility": check_eligibility,
    "score_audit": score_audit,
    "estimate_incentive": estimate_incentive,
    "audit_schedule": audit_schedule,
    "compare_costs": compare_costs,
}

_JURISDICTION_HELP = (
    "Canadian province or territory: code, name or abbreviation (AB, Alberta, Alta, BC, SK, MB, "
    "ON, QC, NB, NS, PE/PEI, NL, YT, NT/NWT, NU)"
)


class CheckEligibilityArgs(BaseModel):
    """Arguments of check_eligibility."""

    jurisdiction: str = Field(description=_JURISDICTION_HELP)
    workers: int = Field(
        description="people working for the business, including owners (0 to 1,000,000)"
    )
    subcontractors: bool = Field(default=False, description="the business manages subcontractors")
    public_contracts: bool = Field(default=False, description="the business bids on public work")
    owner_operator: bool = Field(
        default=False, description="self-employed with no partners, employees or subcontractors"
    )
    payroll_hours: float | None = Field(
        default=None, description="annual payroll hours (BC counts FTEs as hours / 2,080)"
    )
    industry: str | None = Field(default=None, description="industry, e.g. construction")


class ScoreAuditArgs(BaseModel):
    """Arguments of score_audit."""

    jurisdiction: str = Field(description=_JURISDICTION_HELP)
    element_scores: dict[str, float] = Field(
        description="audit element name -> score in percent (0 to 100)"
    )
    audit_type: str = Field(
        default="certification", description="certification, maintenance or recertification"
    )
    program: str = Field(default="COR", description="COR or SECOR")


class EstimateIncentiveArgs(BaseModel):
    """Arguments of estimate_incentive."""

    jurisdiction: str = Field(description=_JURISDICTION_HELP)
    program: str | None = Field(default=None, description="COR or SECOR (default: COR's)")
    payroll: float | None = Field(default=None, description="annual assessable payroll, dollars")
    base_rate: float | None = Field(default=None, description="WCB base rate per $100 of payroll")
    premium: float | None = Field(default=None, description="annual WCB premium, dollars")
    assessment: float | None = Field(default=None, description="annual WCB assessment, dollars")
    first_year: bool | None = Field(
        default=None, description="true in the first year of certification, false later"
    )


class AuditScheduleArgs(BaseModel):
    """Arguments of audit_schedule."""

    jurisdiction: str = Field(description=_JURISDICTION_HELP)
    certified_on: str = Field(description="certification date, YYYY-MM-DD")


class CompareCostsArgs(BaseModel):
    """Arguments of compare_costs."""

    jurisdiction: str = Field(description=_JURISDICTION_HELP)
    workers: int = Field(description="people working for the business (0 to 1,000,000)")
    sites: int = Field(default=1, description="number of work sites")


_TOOL_SPECS: tuple[tuple[str, type[BaseModel], str], ...] = (
    (
        "check_eligibility",
        CheckEligibilityArgs,
        "Decide which safety certificate (COR, SECOR or a local one such as Yukon's OCOP) a "
        "Canadian business can hold and which fits best, from its province, worker count, use "
        "of subcontractors and public contracts. Returns eligible program ids, the "
        "recommendation, reasons with sources, warnings near limits, and certifying partners "
        "to contact.",
    ),
    (
        "score_audit",
        ScoreAuditArgs,
        "Score a COR or SECOR audit against the province's pass marks (overall and per "
        "element, maintenance marks where they differ): pass or fail, failing elements and "
        "points needed.",
    ),
    (
        "estimate_incentive",
        EstimateIncentiveArgs,
        "Estimate the workers' compensation board incentive or rebate for holding COR or "
        "SECOR, with the formula shown step by step, or say that no incentive was found.",
    ),
    (
        "audit_schedule",
        AuditScheduleArgs,
        "List which COR audit is due in which year (certification, maintenance, "
        "recertification before expiry) with dates, from the certification date.",
    ),
    (
        "compare_costs",
        CompareCostsArgs,
        "Compare indicative SECOR and COR costs for a business from sourced fees and figures.",
    ),
)


def _as_json_tool(func: Callable[..., BaseModel]) -> Callable[..., dict[str, Any]]:
    def run(**kwargs: Any) -> dict[str, Any]:
        return func(**kwargs).model_dump(mode="json")

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def langchain_tools() -> list[StructuredTool]:
    """The five tools as LangChain ``StructuredTool`` objects returning JSON-ready dicts.

    Bad input raises ``InputError`` (a ``CorguideError``) from the tool call.

    Example:
        >>> tools = langchain_tools()
        >>> [t.name for t in tools][:3]
        ['check_eligibility', 'score_audit', 'estimate_incentive']
        >>> tools[0].invoke({"jurisdiction": "NS", "workers": 3})["recommended"]
        'SECOR'
    """
    return [
        StructuredTool.from_function(
            func=_as_json_tool(TOOL_FUNCTIONS[name]),
            name=name,
            description=description,
            args_schema=schema,
        )
        for name, schema, description in _TOOL_SPECS
    ]


__all__ = [
    "TOOL_FUNCTIONS",
    "AuditScoreResult",
    "CostComparison",
    "CostLine",
    "ElementScore",
    "EligibilityResult",
    "IncentiveResult",
    "NextStep",
    "Notice",
    "Reason",
    "ScheduleEntry",
    "ScheduleResult",
    "Step",
    "audit_schedule",
    "check_eligibility",
    "compare_costs",
    "estimate_incentive",
    "langchain_tools",
    "score_audit",
]
