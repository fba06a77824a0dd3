"""Which certificate fits a business: COR, SECOR or a jurisdiction-specific one.

A pure function over ``corpus/rules``: no province appears in this code, every decision reads a
sourced rule value, and every reason, warning and next step carries the addresses it rests on.
``check_eligibility`` runs its steps in order: read the inputs, count the workers and check the
SECOR limit (``eligibility_count``), then the other certificates, the size class, the preferred
program, subcontractors, public contracts and the partners to contact (``eligibility_steps``).
The result models (``Reason``, ``Notice``, ``NextStep``, in ``eligibility_result``) are shared
by the other tools and importable from here.
"""

from __future__ import annotations

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import (
    NATIONAL,
    brief,
    parse_amount,
    parse_flag,
    parse_jurisdiction,
    parse_workers,
)
from assistant.knowledge.rules import rules_for
from assistant.tools.eligibility_count import (
    SizeRule,
    count_workers,
    limit_checks,
    partner_dependence,
    size_rule,
)
from assistant.tools.eligibility_result import (
    EligibilityResult,
    NextStep,
    Notice,
    NoticeKind,
    Reason,
    collect_sources,
    dedupe,
    rule_ref,
)
from assistant.tools.eligibility_steps import (
    Check,
    contact_partners,
    note_class_and_size,
    note_inputs_not_used,
    other_programs,
    preferred_program,
    recommend,
    size_class,
    weigh_public_contracts,
    weigh_subcontractors,
)

# Payroll hours above this are not a small business's figure (1,000,000 FTEs x 2,080 hours).
MAX_PAYROLL_HOURS = 2_080_000_000

__all__ = [
    "MAX_PAYROLL_HOURS",
    "EligibilityResult",
    "NextStep",
    "Notice",
    "NoticeKind",
    "Reason",
    "SizeRule",
    "check_eligibility",
    "clean_industry",
    "collect_sources",
    "dedupe",
    "rule_ref",
    "size_rule",
]


def clean_industry(industry: object) -> str | None:
    """Check the optional industry text (None or text up to 100 characters)."""
    if industry is None:
        return None
    if not isinstance(industry, str):
        raise InputError(f"industry must be text such as 'construction', got {brief(industry)}")
    text = " ".join(industry.split())
    if len(text) > 100:
        raise InputError("industry must be at most 100 characters")
    return text or None


def check_eligibility(
    jurisdiction: str,
    workers: int,
    *,
    subcontractors: bool = False,
    public_contracts: bool = False,
    owner_operator: bool = False,
    partners: bool = False,
    payroll_hours: float | None = None,
    industry: str | None = None,
    admin_staff: int | None = None,
) -> EligibilityResult:
    """Decide which certificates a business can hold and which one fits it best.

    SECOR (the small-employer variant, whatever its local name) is recommended where it exists,
    the business is within its limit, does not manage subcontractors and does not bid on work
    that refuses SECOR; otherwise COR; nothing where the jurisdiction has no program (the next
    steps then say what to do instead). Owner-operator certificates (Yukon's OCOP) and size
    classes (Nova Scotia) come from the rules data.

    Args:
        jurisdiction: a province or territory code, name or abbreviation ("AB", "Alta").
        workers: people working for the business, 0 to 1,000,000 (0 or 1: an owner-operator).
        subcontractors, public_contracts: manages subcontractors; bids on public contracts.
        owner_operator: self-employed with no partners, employees or subcontractors.
        partners: a partner or co-owner (a spouse counts): no owner-only certificate (OCOP).
        payroll_hours: annual payroll hours, used where the limit counts full-time
            equivalents (BC: go2HR and BCCSA divide hours by 2,080).
        industry: the industry, to name the right certifying partner ("construction"); where
            partners count workers differently (BC), the partner's own limit and counting apply,
            and without an industry the result says that the count depends on the partner.
        admin_staff: how many of the workers do administrative (office) work only; certificates
            that leave office staff out (Nova Scotia's Owner/Operator) do not count them. When
            it is not given and ``owner_operator`` is set with more than one worker, the others
            are taken to be office staff for such a certificate, and a notice says so.

    Returns:
        An ``EligibilityResult``: eligible program ids, the recommended one (or None), local
        names, reasons, warnings and next steps, each with sources.

    Raises:
        InputError: an unknown jurisdiction or an invalid worker count, flag or number.

    Example:
        >>> r = check_eligibility("Alta", 10)
        >>> r.eligible, r.recommended
        (['COR', 'SECOR'], 'SECOR')
        >>> r.warnings[0].text
        'At the SECOR limit: hiring one more worker (11 workers) means COR (the limit is 10 or fewer). If staff grow beyond 10, the employer must move to the regular COR at its next maintenance or certification audit.'
        >>> check_eligibility("AB", 8, public_contracts=True).recommended
        'COR'
        >>> check_eligibility("PEI", 5).recommended is None
        True
        >>> check_eligibility("BC", 25, payroll_hours=19 * 2080, industry="trucking").recommended
        'COR'
        >>> check_eligibility("NS", 2, admin_staff=1).recommended
        'OWNER-OPERATOR'
    """  # noqa: E501
    flags = (subcontractors, public_contracts, owner_operator, partners)
    check = _read_inputs(jurisdiction, workers, flags, payroll_hours, industry, admin_staff)
    cor = check.rules.cor
    if cor.exists.confidence == "low" and cor.exists.note:
        note = Notice(kind="low_confidence", text=cor.exists.note, sources=cor.exists.sources)
        check.notices.append(note)
    if not cor.exists.value:
        return _no_program(check)
    note_inputs_not_used(check)
    sr = size_rule(check.rules, check.trade)
    counted, how, secor_ok = _count_and_limit(check, sr)
    eligible = ["COR", *(["SECOR"] if secor_ok else [])]
    owner_programs = other_programs(check)
    eligible += owner_programs
    class_program, class_name = size_class(check)
    choice = preferred_program(check, sr, secor_ok, eligible, owner_programs, class_program)
    weigh_subcontractors(check, choice)
    weigh_public_contracts(check, choice)
    note_class_and_size(check, choice.program, class_program, class_name)
    local = recommend(check, choice, eligible, class_program, class_name)
    contact_partners(check, choice.program, local.get(choice.program, choice.program))
    return check.result(eligible, choice.program, local, counted, how)


def _read_inputs(
    jurisdiction: str,
    workers: int,
    flags: tuple[bool, bool, bool, bool],
    payroll_hours: float | None,
    industry: str | None,
    admin_staff: int | None,
) -> Check:
    """Check every input (in the order of the signature) and load the rules it needs.

    ``flags``: subcontractors, public_contracts, owner_operator and partners, in that order.
    """
    code = parse_jurisdiction(jurisdiction)
    n = parse_workers(workers)
    subs = parse_flag(flags[0], name="subcontractors")
    public = parse_flag(flags[1], name="public_contracts")
    owner_flag = parse_flag(flags[2], name="owner_operator")
    partners = parse_flag(flags[3], name="partners")
    hours = (
        None
        if payroll_hours is None
        else parse_amount(payroll_hours, name="payroll_hours", maximum=MAX_PAYROLL_HOURS)
    )
    trade = clean_industry(industry)
    office = None if admin_staff is None else parse_workers(admin_staff)
    if office is not None and office > n:
        raise InputError(f"admin_staff must be at most the number of workers ({n}), got {office}")
    return Check(
        code=code,
        n=n,
        subs=subs,
        public=public,
        owner_flag=owner_flag,
        partners=partners,
        hours=hours,
        trade=trade,
        office=office,
        rules=rules_for(code),
        national=rules_for(NATIONAL),
    )


def _no_program(check: Check) -> EligibilityResult:
    """No COR in the jurisdiction: nothing to recommend, and what to do instead."""
    rules = check.rules
    check.reasons.append(
        Reason(
            rule=rule_ref(check.code, "cor.exists"),
            text=f"No COR program was found for {rules.name}, so neither COR nor SECOR can "
            "be recommended.",
            sources=rules.cor.exists.sources,
        )
    )
    advice = rules.no_program_advice
    if advice is not None:
        check.steps.append(NextStep(text=advice.value, sources=advice.sources))
    return check.result([], None, {}, float(check.n), "headcount")


def _count_and_limit(check: Check, sr: SizeRule) -> tuple[float, str, bool]:
    """Count the workers and check the SECOR limit: the count, how it was made, within it."""
    rules, cor = check.rules, check.rules.cor
    counted, how, count_reason, count_notices = count_workers(
        rules, check.n, check.hours, sr, check.trade
    )
    cor_text = f"{rules.name} has a COR program"
    cor_text += f", run by {cor.administered_by.value}." if cor.administered_by else "."
    cor_sources = dedupe(
        [*cor.exists.sources, *(cor.administered_by.sources if cor.administered_by else [])]
    )
    check.reasons.append(
        Reason(rule=rule_ref(check.code, "cor.exists"), text=cor_text, sources=cor_sources)
    )
    check.reasons.append(count_reason)
    check.notices.extend(count_notices)
    secor_ok, limit_reasons, limit_notices = limit_checks(rules, check.n, counted, how == "fte", sr)
    check.reasons.extend(limit_reasons)
    check.notices.extend(limit_notices)
    if rules.small_employer.partner_counting and sr.partner is None:
        check.notices.append(partner_dependence(rules, check.n, check.hours, check.trade, secor_ok))
    return counted, how, secor_ok
