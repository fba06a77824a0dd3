"""The typed results the decision tools share: reasons, notices and next steps, with sources.

``check_eligibility`` answers with an ``EligibilityResult``; the other tools build their own
results from the same ``Reason``, ``Notice`` and ``NextStep``, so every step of every answer
carries the addresses it rests on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

NoticeKind = Literal[
    "at_limit",
    "near_limit",
    "sources_disagree",
    "confirm",
    "input",
    "low_confidence",
    "no_program",
    "not_found",
    "broken_rules",  # a rules file is broken: the result comes from the last good copy
]


class Reason(BaseModel):
    """One step of the decision: the rule it applied, in words, and that rule's sources."""

    rule: str
    text: str
    sources: list[str] = Field(min_length=1)


class Notice(BaseModel):
    """A warning: at or near a limit, sources that disagree, or a fact to confirm."""

    kind: NoticeKind
    text: str
    sources: list[str] = Field(min_length=1)


class NextStep(BaseModel):
    """Who to contact next (usually a certifying partner) and where."""

    text: str
    name: str | None = None
    url: str | None = None
    sources: list[str] = Field(min_length=1)


class EligibilityResult(BaseModel):
    """The answer of ``check_eligibility`` (``province`` is the JSON contract's key)."""

    province: str
    province_name: str
    workers: int
    counted_workers: float
    counting: str
    subcontractors: bool
    public_contracts: bool
    owner_operator: bool
    partners: bool = False
    payroll_hours: float | None
    industry: str | None
    program_exists: bool
    eligible: list[str]
    recommended: str | None
    local_names: dict[str, str]
    reasons: list[Reason]
    warnings: list[Notice]
    next_steps: list[NextStep]
    sources: list[str]


def dedupe(items: list[str]) -> list[str]:
    """Keep the first of each item, in order."""
    return list(dict.fromkeys(items))


def collect_sources(*groups: list[Reason] | list[Notice] | list[NextStep]) -> list[str]:
    """Every source named by the given reasons, notices and steps, without repeats."""
    return dedupe([src for group in groups for item in group for src in item.sources])


def rule_ref(code: str, path: str) -> str:
    """The name of a rule as shown in reasons, e.g. ``AB.small_employer.worker_limit``."""
    return f"{code}.{path}"


