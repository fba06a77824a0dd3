"""One definition per tool: its function, typed arguments, description and renderers.

Every front end reads its tools from ``SPECS``: the LangChain tools the language model may
call (``assistant.tools.langchain_tools``), the CLI commands (``assistant.cli.tools``), the
Gradio API endpoints (``ui.api``) and the chain's tool calls (``run_tool``). A new tool is one
module plus one ``ToolSpec`` here.

The arguments model names each parameter once, with its type and description (the JSON schema
the language model sees). ``run_tool`` checks the names against it; the values are checked by
the tool's own parsers, so "1,000 workers" from the CLI and 1000 from the model both work and
bad input reads the same everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from assistant.answering.answer import ToolCall
from assistant.errors import InputError
from assistant.knowledge.rules_store import rules_problem_notice, served_rules
from assistant.presentation.result_prose import (
    describe_costs,
    describe_eligibility,
    describe_incentive,
    describe_schedule,
    describe_score,
)
from assistant.tools import chat_tools, costs, eligibility, incentives, render, schedule, scoring
from assistant.tools.costs import CostComparison
from assistant.tools.eligibility import EligibilityResult, Notice
from assistant.tools.incentive_terms import incentive_terms
from assistant.tools.incentives import IncentiveResult
from assistant.tools.plan import Plan
from assistant.tools.plan_export import to_markdown
from assistant.tools.readiness import ReadinessList
from assistant.tools.schedule import ScheduleResult
from assistant.tools.scoring import AuditScoreResult

_JURISDICTION_HELP = (
    "Canadian province or territory: code, name or abbreviation (AB, Alberta, Alta, BC, SK, MB, "
    "ON, QC, NB, NS, PE/PEI, NL, YT, NT/NWT, NU)"
)


def _names_broken_rules(func: Callable[..., BaseModel]) -> Callable[..., BaseModel]:
    """The tool, whose result also warns when it was decided from the last good rules."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> BaseModel:
        result = func(*args, **kwargs)
        served = served_rules()
        text = rules_problem_notice(served)
        if text is not None:
            notice = Notice(kind="broken_rules", text=text, sources=[str(served.folder)])
            result.warnings.insert(0, notice)  # type: ignore[attr-defined]
        return result

    return run


# ---- arguments -------------------------------------------------------------------------------


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
    # Last, so positional API clients written before it keep their meaning.
    partners: bool = Field(
        default=False,
        description="the business has a partner or co-owner (a spouse counts): owner-only "
        "certificates such as Yukon's OCOP do not fit",
    )


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


class BusinessArgs(BaseModel):
    """Arguments of readiness_check: the business as the conversation knows it."""

    jurisdiction: str = Field(description=_JURISDICTION_HELP)
    workers: int = Field(description="people working for the business (0 to 1,000,000)")
    industry: str | None = Field(default=None, description="industry, e.g. construction")
    subcontractors: bool = Field(default=False, description="the business manages subcontractors")
    public_contracts: bool = Field(default=False, description="the business bids on public work")


class PlanArgs(BusinessArgs):
    """Arguments of certification_plan."""

    start: str | None = Field(default=None, description="first day of the plan, YYYY-MM-DD")


# ---- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolSpec:
    """One tool, as every front end sees it.

    Attributes:
        name: the tool's name (LangChain tool, Gradio endpoint, tool call).
        func: the function; it returns a pydantic result model.
        args: the arguments model: one field per parameter, with its type and description.
        description: what the tool decides (for the language model).
        title: one line for the CLI's help and the API page.
        result: the result model's class (a tool call's JSON result validates back into it).
        render: the result model as text lines (the CLI prints them).
        describe: the result model as the chat answer's prose.
        cli: the CLI command's name, or None for a tool with no command of its own.
        public: offered to the language model and as an API endpoint; the chat-only tools
            (readiness check, plan) take the conversation's state instead.
        when_missing: what the tool can still say when the figures its calculation needs
            were not given (the incentive's rate without the dollars), from the same arguments.
    """

    name: str
    func: Callable[..., BaseModel]
    args: type[BaseModel]
    description: str
    title: str
    result: type[BaseModel]
    render: Callable[[Any], list[str]]
    describe: Callable[[Any], str]
    cli: str | None = None
    public: bool = True
    when_missing: Callable[..., BaseModel] | None = None

    def parameters(self) -> list[str]:
        """The parameter names, in order.

        Example:
            >>> SPECS["compare_costs"].parameters()
            ['jurisdiction', 'workers', 'sites']
        """
        return list(self.args.model_fields)


def _plan_lines(plan: Plan) -> list[str]:
    return to_markdown(plan).splitlines()


_ALL: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="check_eligibility",
        func=_names_broken_rules(eligibility.check_eligibility),
        args=CheckEligibilityArgs,
        description="Decide which safety certificate (COR, SECOR or a local one such as Yukon's "
        "OCOP) a Canadian business can hold and which fits best, from its province, worker "
        "count, use of subcontractors and public contracts. Returns eligible program ids, the "
        "recommendation, reasons with sources, warnings near limits, and certifying partners "
        "to contact.",
        title="Which certificate fits: COR, SECOR or a local one, with reasons and sources.",
        result=EligibilityResult,
        render=render.render_check,
        describe=describe_eligibility,
        cli="check",
    ),
    ToolSpec(
        name="score_audit",
        func=_names_broken_rules(scoring.score_audit),
        args=ScoreAuditArgs,
        description="Score a COR or SECOR audit against the province's pass marks (overall and "
        "per element, maintenance marks where they differ): pass or fail, failing elements and "
        "points needed.",
        title="Score an audit against the pass marks: pass or fail, and points needed.",
        result=AuditScoreResult,
        render=render.render_score,
        describe=describe_score,
        cli="score",
    ),
    ToolSpec(
        name="estimate_incentive",
        func=_names_broken_rules(incentives.estimate_incentive),
        args=EstimateIncentiveArgs,
        description="Estimate the workers' compensation board incentive or rebate for holding "
        "COR or SECOR, with the formula shown step by step, or say that no incentive was found.",
        title="Estimate the WCB incentive, with the formula step by step.",
        result=IncentiveResult,
        render=render.render_incentive,
        describe=describe_incentive,
        cli="incentive",
        when_missing=_names_broken_rules(incentive_terms),
    ),
    ToolSpec(
        name="audit_schedule",
        func=_names_broken_rules(schedule.audit_schedule),
        args=AuditScheduleArgs,
        description="List which COR audit is due in which year (certification, maintenance, "
        "recertification before expiry) with dates, from the certification date.",
        title="Which audit is due in which year, with dates.",
        result=ScheduleResult,
        render=render.render_schedule,
        describe=describe_schedule,
        cli="schedule",
    ),
    ToolSpec(
        name="compare_costs",
        func=_names_broken_rules(costs.compare_costs),
        args=CompareCostsArgs,
        description="Compare indicative SECOR and COR costs for a business from sourced fees and "
        "figures.",
        title="Indicative SECOR vs COR costs from sourced figures.",
        result=CostComparison,
        render=render.render_costs,
        describe=describe_costs,
        cli="costs",
    ),
    # The chat's own tools (issue 15): their CLI commands take files and exports, so they
    # keep hand-written commands in assistant.cli.readiness.
    ToolSpec(
        name="readiness_check",
        func=chat_tools.readiness_check,
        args=BusinessArgs,
        description="The readiness self-check for the program that fits the business.",
        title="Indicative readiness self-check for the program that fits.",
        result=ReadinessList,
        render=render.render_list,
        describe=chat_tools.describe_readiness,
        public=False,
    ),
    ToolSpec(
        name="certification_plan",
        func=chat_tools.certification_plan,
        args=PlanArgs,
        description="A dated certification plan with sources.",
        title="A dated certification plan with sources.",
        result=Plan,
        render=_plan_lines,
        describe=chat_tools.describe_plan,
        public=False,
    ),
)

SPECS: dict[str, ToolSpec] = {spec.name: spec for spec in _ALL}
PUBLIC: dict[str, ToolSpec] = {spec.name: spec for spec in _ALL if spec.public}


def spec_for(name: str) -> ToolSpec:
    """The tool named ``name``.

    Raises:
        InputError: no tool has that name (the message lists them).
    """
    try:
        return SPECS[name]
    except KeyError:
        raise InputError(f"unknown tool {name!r}; tools: {', '.join(SPECS)}") from None


def check_args(spec: ToolSpec, args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments as keywords, once every name is one of the tool's and none is missing.

    Raises:
        InputError: an argument the tool does not take, or a required one left out.

    Example:
        >>> check_args(SPECS["audit_schedule"], {"jurisdiction": "AB"})
        Traceback (most recent call last):
        ...
        assistant.errors.InputError: audit_schedule needs certified_on
    """
    fields = spec.args.model_fields
    unknown = [name for name in args if name not in fields]
    if unknown:
        raise InputError(
            f"{spec.name} takes no argument {unknown[0]!r}; it takes {', '.join(fields)}"
        )
    missing = [name for name, info in fields.items() if info.is_required() and name not in args]
    if missing:
        raise InputError(f"{spec.name} needs {', '.join(missing)}")
    return dict(args)


def run_tool(name: str, args: Mapping[str, Any]) -> BaseModel:
    """Check the arguments, call the tool, and return its result model.

    Raises:
        InputError: an unknown tool, an unknown or missing argument, or a value the tool
            refuses (its message says what to fix).

    Example:
        >>> run_tool("check_eligibility", {"jurisdiction": "NS", "workers": 3}).recommended
        'SECOR'
    """
    spec = spec_for(name)
    return spec.func(**check_args(spec, args))


def run_when_missing(name: str, args: Mapping[str, Any]) -> BaseModel | None:
    """What the tool says with the figures its calculation lacks left out, if it can say any.

    Example:
        >>> run_when_missing("estimate_incentive", {"jurisdiction": "AB", "program": "SECOR"}).needs
        'your annual WCB premium (assessment)'
    """
    spec = spec_for(name)
    return None if spec.when_missing is None else spec.when_missing(**check_args(spec, args))


def describe_tool_call(call: ToolCall) -> str:
    """The chat answer's prose for a tool call (the UI shows the full result as a card).

    The call carries its result as JSON (what the answer and the guard read); the describer
    reads it as the tool's result model, as the CLI's renderer does.
    """
    spec = spec_for(call.name)
    return spec.describe(spec.result.model_validate(call.result))
