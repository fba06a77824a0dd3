"""The deterministic decision tools: pure functions over ``corpus/rules``.

Every numeric decision the assistant makes (worker limits, pass marks, incentives, audit dates,
costs) comes from one of these functions, never from text generation. Each is also available
as a LangChain ``StructuredTool`` (``langchain_tools()``) whose result is the model's JSON.

Each tool is defined once, in ``assistant.tools.registry``; everything here is read from it.
``TOOL_FUNCTIONS`` maps the tool names the evals use to the plain functions; each returns a
pydantic model (call ``.model_dump(mode="json")`` for a JSON-ready dict). ``run_tool(name,
args)`` is the one call path of the chain, the LLM binding, the CLI and the UI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.tools.costs import CostComparison, CostLine
from assistant.tools.eligibility import EligibilityResult, NextStep, Notice, Reason
from assistant.tools.incentives import IncentiveResult, Step
from assistant.tools.registry import (
    PUBLIC,
    AuditScheduleArgs,
    CheckEligibilityArgs,
    CompareCostsArgs,
    EstimateIncentiveArgs,
    ScoreAuditArgs,
    run_tool,
)
from assistant.tools.schedule import ScheduleEntry, ScheduleResult
from assistant.tools.scoring import AuditScoreResult, ElementScore

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

# The decision tools, each answering with the last good rules' warning when a file is broken.
TOOL_FUNCTIONS: dict[str, Callable[..., BaseModel]] = {
    name: spec.func for name, spec in PUBLIC.items()
}
check_eligibility = TOOL_FUNCTIONS["check_eligibility"]
score_audit = TOOL_FUNCTIONS["score_audit"]
estimate_incentive = TOOL_FUNCTIONS["estimate_incentive"]
audit_schedule = TOOL_FUNCTIONS["audit_schedule"]
compare_costs = TOOL_FUNCTIONS["compare_costs"]


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
    # Imported here, not at the top: langchain_core.tools pulls in its tracers, messages and
    # requests (about 25 MB and 0.5 s), which every importer of a tool module would pay for,
    # and `assistant.cli` imports the tool commands for every command it runs. Only an LLM
    # binding needs these objects.
    from langchain_core.tools import StructuredTool

    return [
        StructuredTool.from_function(
            func=_as_json_tool(spec.func),
            name=spec.name,
            description=spec.description,
            args_schema=spec.args,
        )
        for spec in PUBLIC.values()
    ]


__all__ = [
    "TOOL_FUNCTIONS",
    "AuditScheduleArgs",
    "AuditScoreResult",
    "CheckEligibilityArgs",
    "CompareCostsArgs",
    "EstimateIncentiveArgs",
    "ScoreAuditArgs",
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
    "run_tool",
    "score_audit",
]
