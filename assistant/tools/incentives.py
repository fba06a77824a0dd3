"""Estimate the WCB incentive for a certificate, with its formula shown step by step.

The formula is a ``kind`` in the rules data (with its parameters), dispatched through
``FORMULAS``; no jurisdiction is named in this code. Where the rules have no formula the result
says so honestly (``found`` is false) and explains what exists instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from assistant.errors import InputError, MissingInputError
from assistant.knowledge.jurisdictions import NAMES, brief, parse_amount, parse_jurisdiction
from assistant.knowledge.rules import IncentiveRule, JurisdictionRules, Sourced, rules_for
from assistant.presentation.format import money
from assistant.tools.eligibility import Notice, collect_sources, dedupe, rule_ref
from assistant.tools.scoring import parse_program

MAX_MONEY = 1e12
MAX_BASE_RATE = 1000.0


class Step(BaseModel):
    """One step of a calculation: what was done, the figure it gives, and its sources."""

    text: str
    value: float | None = None
    sources: list[str] = Field(min_length=1)


class IncentiveResult(BaseModel):
    """The answer of ``estimate_incentive``."""

    province: str
    province_name: str
    program: str | None
    found: bool
    incentive_id: str | None
    incentive_name: str | None
    kind: str
    amount: float | None
    currency: str = "CAD"
    formula: str
    inputs: dict[str, float | bool | None]
    steps: list[Step]
    warnings: list[Notice]
    sources: list[str]
    # The figures the dollar amount still needs ("the annual WCB premium"), when the result
    # states the incentive's terms without computing it (``incentive_terms``).
    needs: str | None = None


@dataclass(frozen=True)
class IncentiveInputs:
    payroll: float | None = None
    base_rate: float | None = None
    premium: float | None = None
    assessment: float | None = None
    first_year: bool | None = None


def _dollars(x: float) -> str:
    """A computed figure, always with cents, as the incentive estimate shows it."""
    return money(x, cents=True)


def _premium(inp: IncentiveInputs, name: str) -> tuple[float, str]:
    """Premium and assessment both mean the employer's annual WCB premium here."""
    if inp.premium is not None:
        return inp.premium, "premium"
    if inp.assessment is not None:
        return inp.assessment, "assessment"
    raise MissingInputError(f"the {name} needs the annual WCB premium (premium or assessment)")


Formula = Callable[
    [dict[str, float], IncentiveInputs, list[str], str], tuple[float, list[Step], str]
]


def _small_employer_floor(
    p: dict[str, float], inp: IncentiveInputs, base: float, standard: float, src: list[str]
) -> tuple[float, list[Step]]:
    """The floor for a small total assessment: the incentive is at least a share of it, capped."""
    steps: list[Step] = []
    if inp.assessment is not None:
        total = inp.assessment
        steps.append(
            Step(text=f"Total assessment (given) = {_dollars(total)}", value=total, sources=src)
        )
    else:
        total = base
        steps.append(
            Step(
                text=f"No total assessment given, so the base-rate assessment ({_dollars(base)}) "
                "is used for the small-employer floor",
                value=round(total, 2),
                sources=src,
            )
        )
    fmax, fpct, fcap = p["floor_max_assessment"], p["floor_percent"], p["floor_cap"]
    if total <= fmax:
        floor = min(fcap, total * fpct / 100)
        amount = max(standard, floor)
        steps.append(
            Step(
                text=f"Total assessment is at most {_dollars(fmax)}, so the small-employer floor "
                f"applies: the lesser of {fpct:g}% of it ({_dollars(total * fpct / 100)}) and "
                f"{_dollars(fcap)} = {_dollars(floor)}",
                value=round(floor, 2),
                sources=src,
            )
        )
        steps.append(
            Step(
                text=f"Incentive = the greater of {_dollars(standard)} and {_dollars(floor)} = "
                f"{_dollars(amount)}",
                value=round(amount, 2),
                sources=src,
            )
        )
    else:
        amount = standard
        steps.append(
            Step(
                text=f"Total assessment is over {_dollars(fmax)}, so no floor applies: incentive = "
                f"{_dollars(amount)}",
                value=round(amount, 2),
                sources=src,
            )
        )
    return amount, steps


def _percent_of_base_assessment_with_floor(
    p: dict[str, float], inp: IncentiveInputs, src: list[str], name: str
) -> tuple[float, list[Step], str]:
    if inp.payroll is None or inp.base_rate is None:
        raise MissingInputError(
            f"the {name} needs payroll and base rate (per ${p['payroll_unit']:g})"
        )
    unit, pct = p["payroll_unit"], p["percent"]
    base = inp.payroll / unit * inp.base_rate
    standard = base * pct / 100
    steps = [
        Step(
            text=f"Base-rate assessment = payroll / {unit:g} x base rate = "
            f"{_dollars(inp.payroll)} / {unit:g} x {inp.base_rate:g} = {_dollars(base)}",
            value=round(base, 2),
            sources=src,
        ),
        Step(
            text=(
                f"Standard incentive = {pct:g}% of the base-rate assessment = "
                f"{_dollars(standard)}"
            ),
            value=round(standard, 2),
            sources=src,
        ),
    ]
    amount, floor_steps = _small_employer_floor(p, inp, base, standard, src)
    steps += floor_steps
    formula = (
        f"payroll / {unit:g} x base rate x {pct:g}%; if total assessment <= "
        f"{_dollars(p['floor_max_assessment'])}, at least the lesser of {p['floor_percent']:g}% of "
        f"total assessment and {_dollars(p['floor_cap'])}"
    )
    return amount, steps, formula


def _greater_of_percent_or_floor_capped(
    p: dict[str, float], inp: IncentiveInputs, src: list[str], name: str
) -> tuple[float, list[Step], str]:
    premium, label = _premium(inp, name)
    pct, floor, cap_pct = p["percent"], p["floor"], p["cap_percent"]
    share = premium * pct / 100
    greater = max(share, floor)
    cap = premium * cap_pct / 100
    amount = min(greater, cap)
    steps = [
        Step(
            text=f"{pct:g}% of the {label} = {pct:g}% x {_dollars(premium)} = {_dollars(share)}",
            value=round(share, 2),
            sources=src,
        ),
        Step(
            text=f"The greater of {_dollars(share)} and the {_dollars(floor)} floor = "
            f"{_dollars(greater)}",
            value=round(greater, 2),
            sources=src,
        ),
        Step(
            text=f"Cap: {cap_pct:g}% of the {label} = {_dollars(cap)}; rebate = the lesser of "
            f"{_dollars(greater)} and {_dollars(cap)} = {_dollars(amount)}",
            value=round(amount, 2),
            sources=src,
        ),
    ]
    formula = f"min(max({pct:g}% x premium, {_dollars(floor)}), {cap_pct:g}% x premium)"
    return amount, steps, formula


def _first_year_then_later_percent(
    p: dict[str, float], inp: IncentiveInputs, src: list[str], name: str
) -> tuple[float, list[Step], str]:
    premium, label = _premium(inp, name)
    first, later = p["first_year_percent"], p["later_year_percent"]
    is_first = inp.first_year is not False
    pct = first if is_first else later
    amount = premium * pct / 100
    which = (
        "the first year of certification" if is_first else "a later year with the certificate kept"
    )
    steps = [
        Step(
            text=f"The refund is {first:g}% in the first year and {later:g}% in each later year; "
            f"this is {which}"
            + (" (assumed: say first or later year)" if inp.first_year is None else ""),
            value=pct,
            sources=src,
        ),
        Step(
            text=f"Refund = {pct:g}% x {_dollars(premium)} ({label}) = {_dollars(amount)}",
            value=round(amount, 2),
            sources=src,
        ),
    ]
    formula = f"{first:g}% of premium in the first year, {later:g}% in later years"
    return amount, steps, formula


def _flat_percent_discount(
    p: dict[str, float], inp: IncentiveInputs, src: list[str], name: str
) -> tuple[float, list[Step], str]:
    premium, label = _premium(inp, name)
    pct = p["percent"]
    amount = premium * pct / 100
    steps = [
        Step(
            text=f"{pct:g}% x {_dollars(premium)} ({label}) = {_dollars(amount)}",
            value=round(amount, 2),
            sources=src,
        )
    ]
    return amount, steps, f"{pct:g}% of premium"


FORMULAS: dict[str, Formula] = {
    "percent_of_base_assessment_with_floor": _percent_of_base_assessment_with_floor,
    "greater_of_percent_or_floor_capped": _greater_of_percent_or_floor_capped,
    "first_year_then_later_percent": _first_year_then_later_percent,
    "flat_percent_discount": _flat_percent_discount,
}


def _opt_amount(value: object, name: str, maximum: float = MAX_MONEY) -> float | None:
    return None if value is None else parse_amount(value, name=name, maximum=maximum)


def _parse_inputs(
    payroll: object, base_rate: object, premium: object, assessment: object, first_year: object
) -> IncentiveInputs:
    """Check the amounts (none negative, none absurd) and the first-year flag."""
    if first_year is not None and not isinstance(first_year, bool):
        raise InputError(f"first_year must be true or false, got {brief(first_year)}")
    return IncentiveInputs(
        payroll=_opt_amount(payroll, "payroll"),
        base_rate=_opt_amount(base_rate, "base_rate", MAX_BASE_RATE),
        premium=_opt_amount(premium, "premium"),
        assessment=_opt_amount(assessment, "assessment"),
        first_year=first_year,
    )


def _result(
    code: str,
    prog: str | None,
    inp: IncentiveInputs,
    inc: IncentiveRule | None,
    amount: float | None,
    steps: list[Step],
    formula: str,
    notices: list[Notice],
) -> IncentiveResult:
    return IncentiveResult(
        province=code,
        province_name=NAMES[code],
        program=prog or (inc.programs[0] if inc else None),
        found=amount is not None,
        incentive_id=inc.id if inc else None,
        incentive_name=inc.name.value if inc and inc.kind != "none" else None,
        kind=inc.kind if inc else "none",
        amount=None if amount is None else round(amount, 2),
        formula=formula,
        inputs={
            "payroll": inp.payroll,
            "base_rate": inp.base_rate,
            "premium": inp.premium,
            "assessment": inp.assessment,
            "first_year": inp.first_year,
        },
        steps=steps,
        warnings=notices,
        sources=dedupe([s for step in steps for s in step.sources] + collect_sources(notices)),
    )


def _no_incentive_step(rules: JurisdictionRules, prog: str | None) -> Step:
    """No incentive of the rules names the program: say so, and list the ones there are."""
    listed = ", ".join(f"{i.name.value} ({'/'.join(i.programs)})" for i in rules.incentives)
    src = rules.incentives[0].name.sources if rules.incentives else rules.cor.exists.sources
    text = f"No incentive for {prog} was found in {rules.name}."
    if listed:
        text += f" The rules list: {listed}."
    return Step(text=text, sources=src)


def _no_formula_step(rules: JurisdictionRules, inc: IncentiveRule) -> Step:
    text = f"No incentive formula was found for {rules.name}: {inc.name.value}."
    if inc.name.note:
        text += f" {inc.name.note}"
    return Step(text=text, sources=inc.name.sources)


def formula_notices(
    rules: JurisdictionRules,
    inc: IncentiveRule,
    params: Sourced[dict[str, float]],
    inp: IncentiveInputs,
    src: list[str],
) -> list[Notice]:
    """What to confirm about an estimate: assumptions, notes, other readings, conditions."""
    notices = []
    if inc.kind == "first_year_then_later_percent" and inp.first_year is None:
        notices.append(
            Notice(
                kind="input",
                text="First year of certification was assumed; later years use the lower rate.",
                sources=params.sources,
            )
        )
    for note in (inc.name.note, params.note):
        if note:
            notices.append(Notice(kind="confirm", text=note, sources=src))
    for alt in params.alternatives:
        notices.append(
            Notice(
                kind="sources_disagree",
                text=f"Another reading of the formula: {alt.note}.",
                sources=alt.sources,
            )
        )
    if inc.conditions:
        notices.append(
            Notice(kind="confirm", text=inc.conditions.value, sources=inc.conditions.sources)
        )
    ref = rule_ref(rules.code, f"incentives.{inc.id}")
    notices.append(
        Notice(
            kind="confirm",
            text=f"This is an estimate from the {rules.name} rules ({ref}); the WCB decides "
            "the actual amount.",
            sources=src,
        )
    )
    return notices


def estimate_incentive(
    jurisdiction: str,
    *,
    program: str | None = None,
    payroll: float | None = None,
    base_rate: float | None = None,
    premium: float | None = None,
    assessment: float | None = None,
    first_year: bool | None = None,
) -> IncentiveResult:
    """Estimate the WCB incentive for holding COR or SECOR, showing each step of the formula.

    Which inputs are needed depends on the jurisdiction's formula: BC needs payroll and base
    rate (and optionally the total assessment, for the small-employer floor); Manitoba, Alberta,
    Yukon and NL need the annual premium (``premium`` or ``assessment``); Alberta's COR refund
    also depends on ``first_year``.

    Args:
        jurisdiction: a province or territory code, name or abbreviation.
        program: COR, SECOR or another program id; default: the jurisdiction's first incentive.
        payroll: annual assessable payroll in dollars.
        base_rate: the WCB base rate per $100 of payroll.
        premium: the annual WCB premium in dollars.
        assessment: the annual WCB assessment in dollars (a synonym of premium, except in the
            BC floor, where it is the total assessment).
        first_year: True for the first year of certification, False for a later year.

    Returns:
        An ``IncentiveResult``; ``found`` is false, with an explanation, where the rules have
        no formula.

    Raises:
        InputError: an unknown jurisdiction, a negative or non-numeric amount, or a missing
            input the formula needs.

    Example:
        >>> r = estimate_incentive("MB", premium=4000)
        >>> r.amount, [s.text for s in r.steps][1]
        (3000.0, 'The greater of $600.00 and the $3,000.00 floor = $3,000.00')
        >>> estimate_incentive("BC", payroll=2_000_000, base_rate=2.0).amount
        4000.0
        >>> estimate_incentive("SK").found
        False
    """
    code = parse_jurisdiction(jurisdiction)
    prog = None if program is None else parse_program(program)
    inp = _parse_inputs(payroll, base_rate, premium, assessment, first_year)
    rules = rules_for(code)
    candidates = [i for i in rules.incentives if prog is None or prog in i.programs]
    if not candidates:
        return _result(
            code, prog, inp, None, None, [_no_incentive_step(rules, prog)], "none found", []
        )
    inc = candidates[0]
    if inc.kind == "none" or inc.params is None:
        return _result(code, prog, inp, inc, None, [_no_formula_step(rules, inc)], "none found", [])
    src = dedupe([*inc.params.sources, *inc.name.sources])
    amount, steps, formula = FORMULAS[inc.kind](inc.params.value, inp, src, inc.name.value)
    notices = formula_notices(rules, inc, inc.params, inp, src)
    return _result(code, prog, inp, inc, amount, steps, formula, notices)
