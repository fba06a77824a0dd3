"""The plan's middle and later steps, each built from the rules data or a tool result.

Steps are returned as plain dicts (``key, title, detail, due, sources``) that
``assistant.tools.plan.PlanStep`` validates.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from assistant.knowledge.rules import JurisdictionRules
from assistant.tools.eligibility import EligibilityResult, dedupe
from assistant.tools.readiness import ReadinessList, _rule_text
from assistant.tools.schedule import ScheduleResult


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter).

    Example:
        >>> add_months(date(2027, 1, 31), 1), add_months(date(2027, 1, 4), 12)
        (datetime.date(2027, 2, 28), datetime.date(2028, 1, 4))
    """
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _partner_sources(rules: JurisdictionRules, partner: dict[str, str] | None) -> list[str]:
    for p in rules.partners:
        if partner and p.value.name == partner.get("name"):
            return list(p.sources)
    return list(rules.cor.exists.sources)


def course_step(
    rules: JurisdictionRules, program: str, partner: dict[str, str] | None, start: date
) -> dict[str, Any]:
    """The courses the rules name for the program, with who must take them."""
    found = [t for t in rules.training if t.value.program == program]
    if found:
        detail = " ".join(t.value.text for t in found)
        sources = dedupe([s for t in found for s in t.sources])
    else:
        who = partner["name"] if partner else "the certifying partner"
        detail = (
            f"No {program} course list for {rules.name} was found in the rules data; ask {who} "
            "which courses are required and who must take them."
        )
        sources = _partner_sources(rules, partner)
    return {
        "key": "courses",
        "title": "Take the required courses",
        "detail": detail,
        "due": start,
        "sources": sources,
    }


def build_step(rules: JurisdictionRules, listing: ReadinessList, start: date) -> dict[str, Any]:
    """Build the program element by element (the readiness check's elements)."""
    elements = list(dict.fromkeys(q.element for q in listing.questions))
    detail = (
        "Write and start using the program, element by element: "
        + "; ".join(elements)
        + ". The records the audit needs start once it is in use; the readiness check lists "
        "what to show for each element."
    )
    sources = [s for q in listing.questions for s in q.sources]
    if rules.audit.elements:
        sources = list(rules.audit.elements.sources) + sources
    return {
        "key": "build",
        "title": "Build the safety program",
        "detail": detail,
        "due": start,
        "sources": dedupe(sources),
    }


def _audit_detail(rules: JurisdictionRules, program: str, listing: ReadinessList) -> tuple:
    se = rules.small_employer
    rule = listing.pass_rule
    sources = list(rule.sources)
    if program == "SECOR" and se.audit_method is not None:
        how = se.audit_method.value
        sources = list(se.audit_method.sources) + sources
    else:
        how = "The certification audit checks the program through documents, interviews and "
        how += "observation."
        sources.append("https://www.ihsa.ca/COR/COR-FAQ-s.aspx")  # how-audits-are-scored.md
    return f"{how} To pass: {_rule_text(rule, program)}.", dedupe(sources)


def audit_steps(
    rules: JurisdictionRules, program: str, listing: ReadinessList, schedule: ScheduleResult
) -> list[dict[str, Any]]:
    """The audit, the certificate, each maintenance audit and recertification, dated."""
    detail, sources = _audit_detail(rules, program, listing)
    entries = schedule.entries
    if not entries:
        note = " ".join(w.text for w in schedule.warnings)
        return [
            {
                "key": "audit",
                "title": "Book the certification audit",
                "detail": f"{detail} {note}".strip(),
                "due": schedule.certified_on,
                "sources": dedupe(sources + schedule.sources),
            }
        ]
    first = entries[0]
    steps = [
        {
            "key": "audit",
            "title": "Pass the certification audit",
            "detail": detail,
            "due": first.due_by,
            "sources": sources,
        },
        {
            "key": "certificate",
            "title": "Receive the certificate",
            "detail": first.description + ".",
            "due": first.due_by,
            "sources": first.sources,
        },
    ]
    for e in entries[1:]:
        key = "maintenance" if e.audit == "maintenance" else "recertification"
        title = f"{e.audit.capitalize()} audit, year {e.year}"
        steps.append(
            {
                "key": key,
                "title": title,
                "detail": f"{e.description}; due by {e.due_by.isoformat()}.",
                "due": e.due_by,
                "sources": e.sources,
            }
        )
    return steps


def incentive_step(rules: JurisdictionRules, program: str) -> dict[str, Any]:
    """The WCB incentive the rules give for the program, or that none was found."""
    found = [i for i in rules.incentives if program in i.programs and i.kind != "none"]
    if found:
        parts = [i.name.value + (f": {i.name.note}" if i.name.note else "") for i in found]
        detail = " ".join(p if p.endswith(".") else p + "." for p in parts)
        sources = dedupe([s for i in found for s in i.name.sources])
    else:
        detail = f"No {program} incentive was found in the {rules.name} rules data."
        sources = list(rules.cor.exists.sources)
    return {
        "key": "incentive",
        "title": "Claim the incentive",
        "detail": detail,
        "due": None,
        "sources": sources,
    }


def grow_step(
    rules: JurisdictionRules, program: str, elig: EligibilityResult
) -> dict[str, Any] | None:
    """Plan the move from SECOR to COR, when the worker count is at or near the limit."""
    near = [w for w in elig.warnings if w.kind in ("near_limit", "at_limit")]
    if program != "SECOR" or not near:
        return None
    out = rules.small_employer.outgrowing
    detail = " ".join(w.text for w in near)
    sources = [s for w in near for s in w.sources]
    if out is not None and out.value not in detail:
        detail += " " + out.value
        sources += out.sources
    return {
        "key": "grow",
        "title": "Plan the move from SECOR to COR",
        "detail": detail,
        "due": None,
        "sources": dedupe(sources),
    }
