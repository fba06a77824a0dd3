"""An incentive's terms from the rules, stated without the figures the dollars need.

"What rebate do I get for SECOR in Alberta?" asks for the rate before it asks for dollars:
with no premium (or payroll and base rate) given, ``estimate_incentive`` cannot compute an
amount, but the rules still hold the rate. ``incentive_terms`` states it, with its sources, and
says which figures would turn it into dollars. Each formula ``kind`` of the rules has one
sentence here, as each has one calculation in ``incentives.FORMULAS``.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.knowledge.jurisdictions import NAMES, parse_jurisdiction
from assistant.knowledge.rules import rules_for
from assistant.presentation.format import money
from assistant.tools.eligibility import Notice, dedupe, rule_ref
from assistant.tools.incentives import (
    IncentiveInputs,
    IncentiveResult,
    Step,
    estimate_incentive,
    formula_notices,
)
from assistant.tools.scoring import parse_program

_PREMIUM = "your annual WCB premium (assessment)"
_PAYROLL = "your annual assessable payroll and your WCB base rate"


def _base_assessment(p: dict[str, float]) -> tuple[str, str]:
    return (
        f"{p['percent']:g}% of the base-rate assessment (payroll / {p['payroll_unit']:g} x base "
        f"rate); with a total assessment of {money(p['floor_max_assessment'])} or less, at "
        f"least the lesser of {p['floor_percent']:g}% of it and {money(p['floor_cap'])}",
        _PAYROLL,
    )


def _floor_capped(p: dict[str, float]) -> tuple[str, str]:
    return (
        f"{p['percent']:g}% of the annual premium, at least {money(p['floor'])} and at most "
        f"{p['cap_percent']:g}% of the premium",
        _PREMIUM,
    )


def _first_then_later(p: dict[str, float]) -> tuple[str, str]:
    return (
        f"{p['first_year_percent']:g}% of the annual premium in the first year of "
        f"certification and {p['later_year_percent']:g}% in each later year the certificate is "
        "kept",
        _PREMIUM,
    )


def _flat(p: dict[str, float]) -> tuple[str, str]:
    return f"{p['percent']:g}% of the annual premium", _PREMIUM


# The terms of each formula kind, and the figures its dollar amount needs.
TERMS: dict[str, Callable[[dict[str, float]], tuple[str, str]]] = {
    "percent_of_base_assessment_with_floor": _base_assessment,
    "greater_of_percent_or_floor_capped": _floor_capped,
    "first_year_then_later_percent": _first_then_later,
    "flat_percent_discount": _flat,
}


def incentive_terms(
    jurisdiction: str,
    *,
    program: str | None = None,
    first_year: bool | None = None,
    **_amounts: object,
) -> IncentiveResult:
    """The incentive's rate as the rules state it, with the figures the dollar amount needs.

    It takes ``estimate_incentive``'s arguments (the amounts it ignores), so the chain can call
    it with the same ones when the estimate lacks a figure.

    Returns:
        An ``IncentiveResult`` with no amount (``found`` false) whose first step states the
        terms and whose ``needs`` names the missing figures; where the rules have no formula,
        ``estimate_incentive``'s own "none found" result.

    Raises:
        InputError: an unknown jurisdiction or program.

    Example:
        >>> r = incentive_terms("AB", program="SECOR")
        >>> r.steps[0].text
        'The PIR SECOR discount in Alberta for SECOR holders is 5% of the annual premium.'
        >>> r.needs
        'your annual WCB premium (assessment)'
    """
    code = parse_jurisdiction(jurisdiction)
    prog = None if program is None else parse_program(program)
    rules = rules_for(code)
    candidates = [i for i in rules.incentives if prog is None or prog in i.programs]
    if not candidates or candidates[0].kind == "none" or candidates[0].params is None:
        return estimate_incentive(code, program=prog)  # needs no figure to say "none found"
    inc = candidates[0]
    params = inc.params
    assert params is not None  # checked above; narrows the type
    terms, needs = TERMS[inc.kind](params.value)
    src = dedupe([*params.sources, *inc.name.sources])
    holder = prog or inc.programs[0]
    ref = rule_ref(code, f"incentives.{inc.id}")
    steps = [
        Step(
            text=f"The {inc.name.value} in {NAMES[code]} for {holder} holders is {terms}.",
            sources=src,
        ),
    ]
    notices = formula_notices(rules, inc, params, IncentiveInputs(first_year=first_year), src)
    return IncentiveResult(
        province=code,
        province_name=NAMES[code],
        program=holder,
        found=False,
        incentive_id=inc.id,
        incentive_name=inc.name.value,
        kind=inc.kind,
        amount=None,
        formula=terms,
        inputs={"first_year": first_year},
        steps=steps,
        # No first-year assumption (nothing was computed); the closing "this is an estimate"
        # notice becomes the one below, which says what the dollars need.
        warnings=[n for n in notices[:-1] if n.kind != "input"]
        + [
            Notice(
                kind="confirm",
                text=f"The WCB decides the actual amount ({ref}).",
                sources=src,
            )
        ],
        sources=src,
        needs=needs,
    )
