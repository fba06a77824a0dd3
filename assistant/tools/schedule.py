"""Which audit is due when: certification, maintenance years and recertification."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from assistant.knowledge.jurisdictions import NAMES, parse_date, parse_jurisdiction
from assistant.knowledge.rules import Cycle, JurisdictionRules, Sourced, rules_for
from assistant.tools.eligibility import Notice, collect_sources, dedupe, rule_ref


class ScheduleEntry(BaseModel):
    """One audit: which year of the certificate, the window it falls in, and its due date."""

    year: int
    audit: Literal["certification", "maintenance", "recertification"]
    description: str
    window_start: date
    due_by: date
    sources: list[str] = Field(min_length=1)


class ScheduleResult(BaseModel):
    """The answer of ``audit_schedule``."""

    province: str
    province_name: str
    certified_on: date
    found: bool
    validity_years: int | None
    expires_on: date | None
    entries: list[ScheduleEntry]
    warnings: list[Notice]
    sources: list[str]


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February).

    Example:
        >>> add_years(date(2024, 2, 29), 1)
        datetime.date(2025, 2, 28)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _result(
    code: str,
    start: date,
    found: bool,
    entries: list[ScheduleEntry],
    validity: int | None,
    expires: date | None,
    notices: list[Notice],
) -> ScheduleResult:
    return ScheduleResult(
        province=code,
        province_name=NAMES[code],
        certified_on=start,
        found=found,
        validity_years=validity,
        expires_on=expires,
        entries=entries,
        warnings=notices,
        sources=dedupe([s for e in entries for s in e.sources] + collect_sources(notices)),
    )


def _no_cycle_notice(rules: JurisdictionRules) -> Notice:
    """No cycle in the rules: ask the partner, or there is no COR program at all."""
    if rules.cor.exists.value:
        partners = " or ".join(p.value.name for p in rules.partners) or "the partner"
        text = (
            f"No audit cycle was found for {rules.name} in the public sources; ask "
            f"{partners} for the dates that apply to your certificate."
        )
        kind = "not_found"
    else:
        text = f"No COR program was found for {rules.name}, so there is no audit schedule."
        kind = "no_program"
    return Notice(kind=kind, text=text, sources=rules.cor.exists.sources)


def _capitalized(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}"


def _entries(start: date, cy: Cycle, src: list[str]) -> list[ScheduleEntry]:
    """Certification, each maintenance year, then recertification before expiry."""
    expires = add_years(start, cy.validity_years)
    entries = [
        ScheduleEntry(
            year=1,
            audit="certification",
            description=f"Certification audit (the certificate runs {cy.validity_years} years "
            "from this date)",
            window_start=start,
            due_by=start,
            sources=src,
        )
    ]
    for year in cy.maintenance_years:
        if cy.due_rule == "calendar_year":
            due = date(start.year + year - 1, 12, 31)
        else:
            due = add_years(start, year) - timedelta(days=1)
        entries.append(
            ScheduleEntry(
                year=year,
                audit="maintenance",
                description=f"{_capitalized(cy.maintenance_audit)} in year {year}",
                window_start=add_years(start, year - 1),
                due_by=due,
                sources=src,
            )
        )
    entries.append(
        ScheduleEntry(
            year=cy.validity_years,
            audit="recertification",
            description=f"{_capitalized(cy.recertification_audit)}, before the certificate "
            f"expires on {expires.isoformat()}",
            window_start=add_years(start, cy.validity_years - 1),
            due_by=expires - timedelta(days=1),
            sources=src,
        )
    )
    return entries


def _cycle_notices(rules: JurisdictionRules, cycle: Sourced[Cycle]) -> list[Notice]:
    """The calendar-year rule, the cycle's own note, and who sets the exact dates."""
    src = cycle.sources
    notices = []
    if cycle.value.due_rule == "calendar_year":
        notices.append(
            Notice(
                kind="confirm",
                text=f"In {rules.name} audits must be completed before the end of each calendar "
                "year, so maintenance audits are due by 31 December.",
                sources=src,
            )
        )
    if cycle.note:
        notices.append(Notice(kind="confirm", text=cycle.note, sources=src))
    notices.append(
        Notice(
            kind="confirm",
            text=f"Dates are counted from the certification date using the {rules.name} rules "
            f"({rule_ref(rules.code, 'audit.cycle')}); the certifying partner's letter sets the "
            "exact dates.",
            sources=src,
        )
    )
    return notices


def audit_schedule(jurisdiction: str, certified_on: str | date) -> ScheduleResult:
    """Lay out the audits of one certificate cycle from the certification date.

    Year 1 starts on the certification date. A maintenance audit falls in each maintenance
    year of the rules (due by the end of that certificate year, or by 31 December where the
    rules say audits follow the calendar year), and the recertification audit must be done
    before the certificate expires.

    Args:
        jurisdiction: a province or territory code, name or abbreviation.
        certified_on: the certification date, ISO ``YYYY-MM-DD``.

    Returns:
        A ``ScheduleResult``; ``found`` is false, with a note, where no cycle was found.

    Raises:
        InputError: an unknown jurisdiction, or a date not in YYYY-MM-DD form or impossible.

    Example:
        >>> r = audit_schedule("AB", "2025-03-31")
        >>> [(e.year, e.audit, e.due_by.isoformat()) for e in r.entries]
        [(1, 'certification', '2025-03-31'), (2, 'maintenance', '2027-03-30'), (3, 'maintenance', '2028-03-30'), (3, 'recertification', '2028-03-30')]
        >>> r.expires_on
        datetime.date(2028, 3, 31)
    """  # noqa: E501
    code = parse_jurisdiction(jurisdiction)
    start = parse_date(certified_on)
    rules = rules_for(code)
    cycle = rules.audit.cycle
    if cycle is None:
        return _result(code, start, False, [], None, None, [_no_cycle_notice(rules)])
    cy = cycle.value
    entries = _entries(start, cy, cycle.sources)
    expires = add_years(start, cy.validity_years)
    notices = _cycle_notices(rules, cycle)
    return _result(code, start, True, entries, cy.validity_years, expires, notices)
