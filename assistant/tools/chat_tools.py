"""The readiness check and the plan as chat tools, with a short summary of each for the answer.

"how ready am I?" and "make me a plan" in the chat lead here
(``assistant.dialogue.understand``); the answer gives a short summary and points to the
Readiness check and My plan tabs, which show the whole of it. Both are in the tool registry
(``assistant.tools.registry``) but not offered
to the language model: these two take the conversation's state, not a model's arguments.
Every figure in a summary is read from the tool's own result, so the guard finds it there.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.presentation.format import day
from assistant.tools.eligibility import check_eligibility
from assistant.tools.plan import Plan, build_plan
from assistant.tools.readiness import ReadinessList, readiness_questions

# Steps a plan summary shows in the chat; the My plan tab shows them all.
SUMMARY_STEPS = 3


def readiness_check(
    jurisdiction: str,
    workers: int,
    industry: str | None = None,
    subcontractors: bool = False,
    public_contracts: bool = False,
) -> BaseModel:
    """The self-check for the program that fits the business (COR when none is recommended).

    Example:
        >>> readiness_check("AB", 8).program
        'SECOR'
    """
    elig = check_eligibility(
        jurisdiction,
        workers,
        industry=industry,
        subcontractors=subcontractors,
        public_contracts=public_contracts,
    )
    program = elig.recommended if elig.recommended in ("COR", "SECOR") else "COR"
    return readiness_questions(elig.province, program, industry)


def certification_plan(
    jurisdiction: str,
    workers: int,
    industry: str | None = None,
    subcontractors: bool = False,
    public_contracts: bool = False,
    start: str | None = None,
) -> BaseModel:
    """The dated plan, from today unless ``start`` (see ``assistant.tools.plan.build_plan``).

    Example:
        >>> certification_plan("AB", 8, start="2027-01-04").steps[0].key
        'choose'
    """
    return build_plan(
        jurisdiction,
        workers,
        industry=industry,
        subcontractors=subcontractors,
        public_contracts=public_contracts,
        start=start,
    )


def describe_readiness(result: ReadinessList) -> str:
    """The chat summary of the self-check: what it asks about and the pass rule."""
    where = f"{result.program} in {result.province_name}"
    elements = list(dict.fromkeys(q.element for q in result.questions))
    rule = result.pass_rule.rule
    return (
        f"**Readiness check for {where}** ({result.label})\n\n"
        f"It asks about each element the audit scores: {'; '.join(elements)}. To pass: {rule}. "
        "Answer the questions in the **Readiness check** tab: it scores your answers with these "
        "marks, shows each element against the pass line and ranks what to fix first."
    )


def describe_plan(result: Plan) -> str:
    """The chat summary of the plan: the first steps with their dates, then the audit."""
    steps = result.steps
    if not result.program:
        return steps[0].title + ". " + steps[0].detail
    lines = [
        f"- {s.title}" + (f", by {day(s.due)}" if s.due else "") for s in steps[:SUMMARY_STEPS]
    ]
    audit = next((s for s in steps if s.key == "audit"), None)
    if audit and audit.due:
        lines.append(f"- then the certification audit, from {day(audit.due)}")
    return (
        f"**Your certification plan for {result.program} in {result.province_name}** "
        f"({result.label})\n\nWhat to do first:\n" + "\n".join(lines) + "\n\n"
        "The **My plan** tab has every step with its date and sources, and downloads as PDF, "
        "calendar (ICS) or Markdown."
    )
