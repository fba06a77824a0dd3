"""Rule values in plain words: partner names, counting bases, money, percentages, incentives.

Shared by the passages rendered for the index and by the tools' reasons, so a value reads the
same wherever the assistant states it.
"""

from __future__ import annotations

from typing import Any

from assistant.knowledge.rules_schema import (
    CostItem,
    Counting,
    IncentiveRule,
    JurisdictionRules,
    PassMarks,
    Sourced,
)
from assistant.presentation.format import money, percent


def short_partner_name(name: str) -> str:
    """A partner's short name: its acronym in brackets, else the name before any bracket.

    Example:
        >>> short_partner_name("BC Construction Safety Alliance (BCCSA)")
        'BCCSA'
        >>> short_partner_name("SafetyDriven (Trucking Safety Council of BC)")
        'SafetyDriven'
    """
    head, _, rest = name.partition(" (")
    inner = rest.rstrip(")")
    if inner and inner.isupper() and " " not in inner:
        return inner
    return head


def counting_phrase(counting: Counting) -> str:
    """What is counted, in a few plain words (``"full-time equivalents (FTEs)"``)."""
    if counting.basis == "fte":
        return (
            "full-time equivalents (FTEs): annual payroll hours divided by "
            f"{counting.fte_hours_per_year:,}"
        )
    if counting.basis == "headcount_peak":
        return "people working for the business at its busiest (peak) time"
    if counting.basis == "headcount_any_time":
        return "people working for the business at any one time"
    return "employees (a headcount, not payroll hours)"


def with_article(noun: str) -> str:
    """``a maintenance audit``, ``an annual internal audit``.

    Example:
        >>> with_article("annual internal audit"), with_article("maintenance audit")
        ('an annual internal audit', 'a maintenance audit')
    """
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def join_and(items: list[str]) -> str:
    """``a, b and c``.

    Example:
        >>> join_and(["1", "2", "3"])
        '1, 2 and 3'
    """
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def confidence_sentence(value: Sourced[Any]) -> str:
    """A caution for a value that rests on a secondary or dated source, else nothing."""
    if value.confidence == "low":
        return "This rests on a secondary or dated source, so confirm it before relying on it."
    return ""


def partner_names(rules: JurisdictionRules) -> str:
    """The jurisdiction's partners joined by "or" (the WCB when it lists none)."""
    names = [p.value.name for p in rules.partners]
    return " or ".join(names) if names else "the provincial workers' compensation board"


def partner_industries(rules: JurisdictionRules, name: str) -> list[str]:
    """The industries a named partner serves (empty when the name is not a partner)."""
    return next((p.value.industries for p in rules.partners if p.value.name == name), [])


def describe_incentive(inc: IncentiveRule, place: str) -> str:
    """One sentence giving an incentive's formula with its figures."""
    p = inc.params.value if inc.params else {}
    programs = "/".join(inc.programs)
    kind = inc.kind
    if kind == "percent_of_base_assessment_with_floor":
        return (
            f"The {inc.name.value} in {place} for {programs} is {percent(p['percent'])} of the "
            f"base-rate assessment: payroll / {p['payroll_unit']:g} x base rate x "
            f"{percent(p['percent'])}. Small employers with a total assessment up to "
            f"{money(p['floor_max_assessment'])} get at least {percent(p['floor_percent'])} of "
            f"their total assessment, up to {money(p['floor_cap'])}."
        )
    if kind == "greater_of_percent_or_floor_capped":
        return (
            f"The {inc.name.value} in {place} for {programs} is the greater of "
            f"{percent(p['percent'])} of premium or {money(p['floor'])}, capped at "
            f"{percent(p['cap_percent'])} of premium."
        )
    if kind == "first_year_then_later_percent":
        return (
            f"The {inc.name.value} in {place} for {programs} refunds "
            f"{percent(p['first_year_percent'])} in the first year of certification and "
            f"{percent(p['later_year_percent'])} in each later year the certificate is kept."
        )
    if kind == "flat_percent_discount":
        return (
            f"The {inc.name.value} in {place} for {programs} is {percent(p['percent'])} of the "
            f"annual premium (assessment)."
        )
    return f"No WCB incentive formula for {programs} was found for {place}: {inc.name.value}."


# How a cost item's unit reads after its amount; the cost tool's lines read the same way.
COST_UNIT_WORDS = {
    "once": "",
    "per_year": " a year",
    "per_day": " a day",
    "per_person": " per person",
    "per_certification": " per certification",
    "ratio": "",
}


def describe_cost(c: CostItem) -> str:
    """One sentence for a cost item: program, size classes, label, amount or range, unit."""
    unit = COST_UNIT_WORDS[c.unit]
    if c.amount is None:
        return f"{c.program}: {c.label}."
    if c.unit == "ratio":
        return f"{c.program}: {c.label}."
    amount = money(c.amount)
    if c.amount_max is not None:
        amount += f" to {'more than ' if c.max_open else ''}{money(c.amount_max)}"
    classes = f" ({', '.join(c.size_classes)})" if c.size_classes else ""
    return f"{c.program}{classes}: {c.label}, {amount}{unit}."


def marks_clause(marks: PassMarks, *, legislated: bool = True) -> str:
    """`` and at least 50% on every element, with 100% on legislated items`` (as given; the
    legislated-items part only when ``legislated``)."""
    clause = ""
    if marks.per_element is not None:
        clause += f" and at least {percent(marks.per_element)} on every element"
    if legislated and marks.legislated_items is not None:
        clause += f", with {percent(marks.legislated_items)} on legislated items"
    return clause
