"""An indicative SECOR vs COR cost comparison, from the cost figures in the rules data.

Only figures with a source are shown (partner fees, a partner's auditor-day cap, an industry
article's range); nothing is extrapolated from the worker or site count, and where a
jurisdiction has no figure the result says so.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import NAMES, NATIONAL, parse_jurisdiction, parse_workers
from assistant.knowledge.rules import CostItem, JurisdictionRules, Sourced, rules_for
from assistant.knowledge.rules_prose import COST_UNIT_WORDS
from assistant.presentation.format import money
from assistant.tools.eligibility import (
    EligibilityResult,
    Notice,
    check_eligibility,
    collect_sources,
    dedupe,
)

MAX_SITES = 100_000


class CostLine(BaseModel):
    """One sourced cost figure."""

    program: str
    label: str
    amount: float | None
    amount_max: float | None
    max_open: bool = False
    unit: str
    text: str
    scope: str
    confidence: str
    sources: list[str] = Field(min_length=1)


class CostComparison(BaseModel):
    """The answer of ``compare_costs``: always labelled indicative."""

    province: str
    province_name: str
    workers: int
    sites: int
    indicative: bool = True
    label: str
    eligible: list[str]
    recommended: str | None
    secor: list[CostLine]
    cor: list[CostLine]
    other: list[CostLine]
    summary: list[str]
    warnings: list[Notice]
    sources: list[str]


def parse_sites(value: object) -> int:
    """Check a number of work sites: a whole number from 1 to 100,000 (a business that works
    has at least one place where it does).

    Example:
        >>> parse_sites("3")
        3
    """
    try:
        sites = parse_workers(value)
    except InputError as exc:
        raise InputError(str(exc).replace("workers", "sites")) from None
    if sites == 0:
        raise InputError("sites must be at least 1 (count the places you work from), got 0")
    if sites > MAX_SITES:
        raise InputError(f"sites must be at most {MAX_SITES:,}, got {sites:,}")
    return sites


def _line(item: Sourced[CostItem], scope: str) -> CostLine:
    c = item.value
    if c.unit == "ratio" or c.amount is None:
        text = c.label
    elif c.amount_max is not None:
        upper = f"more than {money(c.amount_max)}" if c.max_open else money(c.amount_max)
        text = f"{c.label}: {money(c.amount)} to {upper}{COST_UNIT_WORDS[c.unit]}"
    else:
        text = f"{c.label}: {money(c.amount)}{COST_UNIT_WORDS[c.unit]}"
    if item.confidence == "low":
        text += " (low confidence: secondary or dated source)"
    return CostLine(
        program=c.program,
        label=c.label,
        amount=c.amount,
        amount_max=c.amount_max,
        max_open=c.max_open,
        unit=c.unit,
        text=text,
        scope=scope,
        confidence=item.confidence,
        sources=item.sources,
    )


def _class_name(rules: JurisdictionRules, workers: int) -> str | None:
    if rules.size_classes is None:
        return None
    for cls in rules.size_classes.value:
        if cls.contains(workers):
            return cls.local_name
    return None


COST_LABEL = (
    "Indicative only: figures come from certifying partners' published fees and an industry "
    "article, copied at different dates; confirm current costs with the certifying partner."
)


def _result(
    code: str,
    workers: int,
    sites: int,
    elig: EligibilityResult,
    columns: tuple[list[CostLine], list[CostLine], list[CostLine]],
    summary: list[str],
    notices: list[Notice],
) -> CostComparison:
    secor, cor, other = columns
    lines = secor + cor + other
    return CostComparison(
        province=code,
        province_name=NAMES[code],
        workers=workers,
        sites=sites,
        label=COST_LABEL,
        eligible=elig.eligible,
        recommended=elig.recommended,
        secor=secor,
        cor=cor,
        other=other,
        summary=summary,
        warnings=notices,
        sources=dedupe([s for line in lines for s in line.sources] + collect_sources(notices)),
    )


def _local_items(rules: JurisdictionRules, cls: str | None) -> list[Sourced[CostItem]]:
    """The jurisdiction's cost items for every size, or for the business's size class."""
    return [
        c for c in rules.costs if not c.value.size_classes or (cls and cls in c.value.size_classes)
    ]


def _columns(
    rules: JurisdictionRules, national: JurisdictionRules, local: list[Sourced[CostItem]]
) -> tuple[list[CostLine], list[CostLine], list[CostLine]]:
    """Local then national lines, split into SECOR, COR and other columns.

    The national SECOR figures are left out where the jurisdiction has no SECOR.
    """
    lines = [_line(c, rules.code) for c in local]
    has_secor = rules.small_employer.exists.value
    for item in national.costs:
        if item.value.program == "SECOR" and not has_secor:
            continue
        lines.append(_line(item, NATIONAL))
    secor = [ln for ln in lines if ln.program == "SECOR"]
    cor = [ln for ln in lines if ln.program == "COR"]
    other = [ln for ln in lines if ln.program not in ("SECOR", "COR")]
    return secor, cor, other


def _summary(
    rules: JurisdictionRules,
    elig: EligibilityResult,
    cls: str | None,
    workers: int,
    sites: int,
    seed_cor: list[CostLine],
) -> list[str]:
    """The size class, which columns apply, and what the industry range depends on."""
    summary = []
    if cls:
        summary.append(
            f"With {workers} workers the business is in the {cls} class in {rules.name}."
        )
    if "SECOR" in elig.eligible:
        summary.append(
            f"SECOR is available at {workers} workers, so both columns apply; the recommendation "
            f"is {elig.recommended}."
        )
    elif rules.small_employer.exists.value:
        summary.append(
            f"SECOR is not available at {workers} workers in {rules.name}; only COR applies."
        )
    else:
        summary.append(f"No SECOR was found in {rules.name}; only COR costs apply.")
    if seed_cor:
        summary.append(
            f"The industry article's COR audit range depends on sites and workers; with "
            f"{sites} site{'s' if sites != 1 else ''} no finer estimate is sourced."
        )
    return summary


def _cost_notices(
    rules: JurisdictionRules, local: list[Sourced[CostItem]], seed_cor: list[CostLine]
) -> list[Notice]:
    """No local figure found; the national figures come from an industry article."""
    notices = []
    if not local:
        notices.append(
            Notice(
                kind="not_found",
                text=f"No {rules.name} fee or audit cost was found in the public sources; only the "
                "national industry figures are shown. Ask the certifying partner for a quote.",
                sources=rules.cor.exists.sources,
            )
        )
    if seed_cor:
        notices.append(
            Notice(
                kind="low_confidence",
                text="The national COR audit range and the 'about 5 times cheaper' SECOR claim "
                "come from an industry article, not a certifying partner.",
                sources=dedupe([s for ln in seed_cor for s in ln.sources]),
            )
        )
    return notices


def _no_program(
    code: str, n: int, n_sites: int, rules: JurisdictionRules, elig: EligibilityResult
) -> CostComparison:
    summary = [f"No COR program was found for {rules.name}, so there are no costs to compare."]
    notice = Notice(
        kind="no_program",
        text=f"No COR program was found for {rules.name}.",
        sources=rules.cor.exists.sources,
    )
    return _result(code, n, n_sites, elig, ([], [], []), summary, [notice])


def compare_costs(jurisdiction: str, workers: int, sites: int = 1) -> CostComparison:
    """Compare indicative SECOR and COR costs for a business, from sourced figures only.

    Args:
        jurisdiction: a province or territory code, name or abbreviation.
        workers: people working for the business, 0 to 1,000,000.
        sites: work sites, 0 to 100,000 (the industry article says the COR audit cost grows
            with sites and workers; no per-site figure exists, so it is not multiplied).

    Returns:
        A ``CostComparison`` labelled indicative, with every figure's sources.

    Raises:
        InputError: an unknown jurisdiction, or an invalid worker or site count.

    Example:
        >>> r = compare_costs("BC", 8, 2)
        >>> [line.text for line in r.secor][0]
        'go2HR SECOR Internal Auditor Training (plus tax): $199 per person'
        >>> r.cor[0].text
        'go2HR cap on external-auditor charges (travel extra): $550 a day'
    """
    code = parse_jurisdiction(jurisdiction)
    n = parse_workers(workers)
    n_sites = parse_sites(sites)
    rules = rules_for(code)
    national = rules_for(NATIONAL)
    elig = check_eligibility(code, n)
    if not rules.cor.exists.value:
        return _no_program(code, n, n_sites, rules, elig)
    cls = _class_name(rules, n)
    local = _local_items(rules, cls)
    columns = _columns(rules, national, local)
    seed_cor = [ln for ln in columns[1] if ln.scope == NATIONAL]
    summary = _summary(rules, elig, cls, n, n_sites, seed_cor)
    notices = _cost_notices(rules, local, seed_cor)
    return _result(code, n, n_sites, elig, columns, summary, notices)
