"""Which certificate fits a business: COR, SECOR or a jurisdiction-specific one.

A pure function over ``corpus/rules``: no province appears in this code, every decision reads a
sourced rule value, and every reason, warning and next step carries the addresses it rests on.
The result models here (``Reason``, ``Notice``, ``NextStep``) are shared by the other tools.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import BaseModel, Field

from assistant.errors import InputError
from assistant.jurisdictions import (
    NAMES,
    NATIONAL,
    brief,
    parse_amount,
    parse_flag,
    parse_jurisdiction,
    parse_workers,
)
from assistant.rules import (
    Alternative,
    Counting,
    JurisdictionRules,
    PartnerCounting,
    Sourced,
    WorkerLimit,
    counting_phrase,
    partner_counting_for,
    partner_serves,
    partners_for,
    rules_for,
    short_partner_name,
)

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

# Payroll hours above this are not a small business's figure (1,000,000 FTEs x 2,080 hours).
MAX_PAYROLL_HOURS = 2_080_000_000


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


def _people(n: float, fte: bool = False) -> str:
    if fte:
        return f"{n:.2f} FTEs"
    if float(n).is_integer():
        n = int(n)
        return f"{n} worker" if n == 1 else f"{n} workers"
    return f"{n:g} FTEs"


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


class SizeRule(NamedTuple):
    """The limit and counting that apply: one partner's where known, else the jurisdiction's."""

    limit: WorkerLimit | None
    limit_sources: list[str]
    alternatives: list[Alternative[WorkerLimit]]
    counting: Counting | None
    counting_sources: list[str]
    partner: str | None = None  # short name of the partner whose rule applies
    wording: str | None = None  # that partner's own wording of its limit
    rule: Sourced[PartnerCounting] | None = None


def size_rule(rules: JurisdictionRules, industry: str | None) -> SizeRule:
    """The SECOR limit and counting for a business: its partner's where the rules name one.

    Where the rules give each partner's counting (BC), the partner serving the industry decides;
    with no industry, or partners that count differently, the jurisdiction's reading is used.

    Example:
        >>> size_rule(rules_for("BC"), "trucking").partner
        'SafetyDriven'
        >>> size_rule(rules_for("BC"), None).partner is None
        True
    """
    se = rules.small_employer
    matched = partner_counting_for(rules.code, industry) if se.partner_counting else []
    kinds = {
        (pc.value.counting.model_dump_json(), pc.value.limit.model_dump_json()) for pc in matched
    }
    if len(kinds) == 1:
        pc = matched[0]
        names = " and ".join(short_partner_name(m.value.partner) for m in matched)
        return SizeRule(
            limit=pc.value.limit,
            limit_sources=dedupe([src for m in matched for src in m.sources]),
            alternatives=[],
            counting=pc.value.counting,
            counting_sources=dedupe([src for m in matched for src in m.sources]),
            partner=names,
            wording=pc.value.wording,
            rule=pc,
        )
    limit = se.worker_limit
    counting = se.counting
    return SizeRule(
        limit=limit.value if limit else None,
        limit_sources=list(limit.sources) if limit else [],
        alternatives=list(limit.alternatives) if limit else [],
        counting=counting.value if counting else None,
        counting_sources=list(counting.sources) if counting else [],
    )


def _reading(counting: Counting, n: int, hours: float | None) -> tuple[float, bool]:
    """The count under one counting rule, and whether it is an FTE count."""
    if counting.basis == "fte" and hours is not None:
        return hours / (counting.fte_hours_per_year or 1), True
    return float(n), counting.basis == "fte"


def _partner_dependence(
    rules: JurisdictionRules, n: int, hours: float | None, industry: str | None, within: bool
) -> Notice:
    """Say that the count depends on the partner, and where the partners' verdicts differ."""
    se = rules.small_employer
    minimum = se.min_workers.value if se.min_workers else 0
    names = [
        (short_partner_name(pc.value.partner), pc.value.counting) for pc in se.partner_counting
    ]
    fte = [name for name, c in names if c.basis == "fte"]
    heads = [name for name, c in names if c.basis != "fte"]
    lead = f"No counting rule was found for the partner serving {industry!r}. " if industry else ""
    text = (
        f"{lead}In {rules.name} the count depends on your certifying partner, which is set by "
        "your industry"
    )
    groups = []
    if fte:
        groups.append(f"{' and '.join(fte)} count full-time equivalents (payroll hours)")
    if heads:
        groups.append(f"{' and '.join(heads)} count employees (heads)")
    text += ": " + "; ".join(groups) + "." if groups else "."
    fits, over = [], []
    for pc in se.partner_counting:
        count, _ = _reading(pc.value.counting, n, hours)
        ok = pc.value.limit.allows(count) and n >= minimum
        (fits if ok else over).append(short_partner_name(pc.value.partner))
    differ = bool(fits) and bool(over)
    if differ:
        general = counting_phrase(se.counting.value) if se.counting else "the workers given"
        text += (
            f" The business fits the limit of {' and '.join(fits)} but not of "
            f"{' and '.join(over)}; this result counts {general}, so it "
            + ("fits" if within else "does not fit")
            + " only under some partners' rules."
        )
    text += " Give your industry so the partner's own rule is used, or ask the partner."
    return Notice(
        kind="sources_disagree" if differ else "confirm",
        text=text,
        sources=dedupe([src for pc in se.partner_counting for src in pc.sources]),
    )


def _count_workers(
    rules: JurisdictionRules, n: int, hours: float | None, sr: SizeRule, industry: str | None
) -> tuple[float, str, Reason, list[Notice]]:
    """How workers are counted towards the small-employer limit, as a reason."""
    code = rules.code
    se = rules.small_employer
    c = sr.counting
    notices: list[Notice] = []
    if c is None:
        basis_sources = (se.worker_limit or se.exists).sources
        text = (
            f"Counted the {_people(n)} given; the sources do not say who counts towards the "
            f"limit in {rules.name}, so include everyone on the payroll and confirm with the "
            "certifying partner."
        )
        reason = Reason(rule=rule_ref(code, "small_employer"), text=text, sources=basis_sources)
        if hours is not None:
            notices.append(
                Notice(
                    kind="input",
                    text=f"Payroll hours are not used to count workers in {rules.name}.",
                    sources=basis_sources,
                )
            )
        return float(n), "headcount", reason, notices
    if sr.partner:
        ref = rule_ref(code, "small_employer.partner_counting")
        who = f"{sr.partner}, the certifying partner for your industry ({industry}),"
        if sr.rule is not None and sr.rule.confidence != "high" and sr.rule.note:
            notices.append(Notice(kind="confirm", text=sr.rule.note, sources=sr.counting_sources))
    else:
        ref = rule_ref(code, "small_employer.counting")
        who = rules.name
    sources = sr.counting_sources
    if c.basis == "fte":
        per_year = c.fte_hours_per_year or 1
        if hours is not None:
            fte = hours / per_year
            text = (
                f"{who} counts full-time equivalents (FTEs): {hours:,.0f} payroll hours / "
                f"{per_year:,} = {fte:.2f} FTEs."
            )
            return fte, "fte", Reason(rule=ref, text=text, sources=sources), notices
        text = (
            f"{who} counts full-time equivalents (FTEs: annual payroll hours / "
            f"{per_year:,}); no payroll hours were given, so the {_people(n)} given were counted "
            "as full-time. Give payroll hours for an FTE count."
        )
        return float(n), "workers_as_fte", Reason(rule=ref, text=text, sources=sources), notices
    included = c.included()
    when = {
        "headcount_peak": " at the busiest (peak) time",
        "headcount_any_time": " at any one time",
    }.get(c.basis, "")
    text = f"Counted {_people(n)} as the headcount{when}"
    if sr.partner:
        text = f"{who} counts {counting_phrase(c)}: counted {_people(n)}"
    if c.lookback_months:
        text += f" in the past {c.lookback_months} months"
    if included:
        text += "; the count must include " + ", ".join(included)
    if c.excluded:
        text += "; not counted: " + ", ".join(c.excluded)
    reason = Reason(rule=ref, text=text + ".", sources=sources)
    if hours is not None:
        where = f"by {sr.partner}" if sr.partner else f"in {rules.name}"
        notices.append(
            Notice(
                kind="input",
                text=f"Payroll hours are not used {where}; workers are counted by headcount.",
                sources=sources,
            )
        )
    return (
        float(n),
        "headcount_peak" if c.basis == "headcount_peak" else "headcount",
        reason,
        notices,
    )


def _partner_names(rules: JurisdictionRules) -> str:
    names = [p.value.name for p in rules.partners]
    return " or ".join(names[:3]) if names else "the workers' compensation board"


def _limit_checks(
    rules: JurisdictionRules, n: int, counted: float, fte: bool, sr: SizeRule
) -> tuple[bool, list[Reason], list[Notice]]:
    se = rules.small_employer
    code = rules.code
    reasons: list[Reason] = []
    notices: list[Notice] = []
    if not se.exists.value or sr.limit is None or se.local_name is None:
        text = f"No separate small-employer COR (SECOR) was found for {rules.name}"
        text += f": {se.exists.note}" if se.exists.note else "."
        reasons.append(
            Reason(
                rule=rule_ref(code, "small_employer.exists"), text=text, sources=se.exists.sources
            )
        )
        return False, reasons, notices
    limit = sr.limit
    limit_sources = sr.limit_sources
    local = se.local_name.value
    if sr.partner:
        ref = rule_ref(code, "small_employer.partner_counting")
        whose = f"{sr.partner}'s SECOR limit in {rules.name}, {sr.wording},"
    else:
        ref = rule_ref(code, "small_employer.worker_limit")
        whose = f"the {rules.name} SECOR limit of {limit.phrase()} workers,"
    minimum = se.min_workers.value if se.min_workers else 0
    if n < minimum and se.min_workers is not None:
        reasons.append(
            Reason(
                rule=rule_ref(code, "small_employer.min_workers"),
                text=f"{local} starts at {minimum} workers, so it does not apply to {_people(n)}.",
                sources=se.min_workers.sources,
            )
        )
        return False, reasons, notices
    within = limit.allows(counted)
    if within:
        reasons.append(
            Reason(
                rule=ref,
                text=f"{_people(counted, fte)} is within {whose} so {local} is available.",
                sources=limit_sources,
            )
        )
        if not limit.allows(counted + 1):
            more = _people(counted + 1, fte)
            text = (
                f"At the SECOR limit: hiring one more worker ({more}) means COR "
                f"(the limit is {limit.phrase()})."
            )
            sources = list(limit_sources)
            if se.outgrowing:
                text += f" {se.outgrowing.value}"
                sources += se.outgrowing.sources
            notices.append(Notice(kind="at_limit", text=text, sources=dedupe(sources)))
        elif not limit.allows(counted + 2):
            notices.append(
                Notice(
                    kind="near_limit",
                    text=f"Near the SECOR limit: at {_people(counted + 2, fte)} ({limit.phrase()} "
                    "allowed) the business would need COR.",
                    sources=limit_sources,
                )
            )
    else:
        reasons.append(
            Reason(
                rule=ref,
                text=f"{_people(counted, fte)} is over {whose} so {local} is not available.",
                sources=limit_sources,
            )
        )
    for alt in sr.alternatives:
        if alt.value.allows(counted) != within:
            verdict = "fits" if alt.value.allows(counted) else "is over"
            notices.append(
                Notice(
                    kind="sources_disagree",
                    text=f"Sources disagree at {_people(counted, fte)}: {alt.note}. Under that "
                    f"reading ({alt.value.phrase()}) the business {verdict} the SECOR limit. "
                    f"The rules use {limit.phrase()}; confirm with {_partner_names(rules)}.",
                    sources=dedupe([*limit_sources, *alt.sources]),
                )
            )
    return within, reasons, notices


def _local_name(rules: JurisdictionRules, program: str, class_name: str | None) -> str:
    if program == "COR":
        name = rules.cor.local_name.value if rules.cor.local_name else "Certificate of Recognition"
        return f"{name}: {class_name} class" if class_name else name
    if program == "SECOR" and rules.small_employer.local_name:
        return rules.small_employer.local_name.value
    for prog in rules.other_programs:
        if prog.id == program:
            return prog.local_name.value
    return program


def check_eligibility(
    jurisdiction: str,
    workers: int,
    *,
    subcontractors: bool = False,
    public_contracts: bool = False,
    owner_operator: bool = False,
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
        subcontractors: the business manages subcontractors.
        public_contracts: the business bids on public contracts.
        owner_operator: self-employed with no partners, employees or subcontractors.
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
    code = parse_jurisdiction(jurisdiction)
    n = parse_workers(workers)
    subs = parse_flag(subcontractors, name="subcontractors")
    public = parse_flag(public_contracts, name="public_contracts")
    owner_flag = parse_flag(owner_operator, name="owner_operator")
    hours = (
        None
        if payroll_hours is None
        else parse_amount(payroll_hours, name="payroll_hours", maximum=MAX_PAYROLL_HOURS)
    )
    trade = clean_industry(industry)
    office = None if admin_staff is None else parse_workers(admin_staff)
    if office is not None and office > n:
        raise InputError(f"admin_staff must be at most the number of workers ({n}), got {office}")
    rules = rules_for(code)
    national = rules_for(NATIONAL)
    reasons: list[Reason] = []
    notices: list[Notice] = []
    steps: list[NextStep] = []

    def result(
        eligible: list[str],
        recommended: str | None,
        local: dict[str, str],
        counted: float,
        how: str,
    ) -> EligibilityResult:
        return EligibilityResult(
            province=code,
            province_name=NAMES[code],
            workers=n,
            counted_workers=round(counted, 4),
            counting=how,
            subcontractors=subs,
            public_contracts=public,
            owner_operator=owner_flag,
            payroll_hours=hours,
            industry=trade,
            program_exists=rules.cor.exists.value,
            eligible=eligible,
            recommended=recommended,
            local_names=local,
            reasons=reasons,
            warnings=notices,
            next_steps=steps,
            sources=collect_sources(reasons, notices, steps),
        )

    cor = rules.cor
    if cor.exists.confidence == "low" and cor.exists.note:
        notices.append(
            Notice(kind="low_confidence", text=cor.exists.note, sources=cor.exists.sources)
        )
    if not cor.exists.value:
        reasons.append(
            Reason(
                rule=rule_ref(code, "cor.exists"),
                text=f"No COR program was found for {rules.name}, so neither COR nor SECOR can "
                "be recommended.",
                sources=cor.exists.sources,
            )
        )
        advice = rules.no_program_advice
        if advice is not None:
            steps.append(NextStep(text=advice.value, sources=advice.sources))
        return result([], None, {}, float(n), "headcount")

    owner_op = owner_flag or n <= 1
    # Certificates that leave administrative (office) staff out of their count (NS Owner/Operator).
    office_programs = [p for p in rules.other_programs if p.conditions.value.admin_staff_allowed]
    office_ids = {p.id for p in office_programs}

    def office_count(prog_cap: int) -> int:
        """Office staff left out of an office-staff certificate's count."""
        if office is not None:
            return office
        if owner_flag and n > 1:
            return max(0, n - max(prog_cap, 1))  # the owner says the others are office staff
        return 0

    if owner_flag and n > 1 and not (office_programs and office is None):
        notices.append(
            Notice(
                kind="input",
                text=f"owner_operator was set but {_people(n)} were given; an owner-operator works "
                f"alone, so the business was treated as having {_people(n)}.",
                sources=cor.exists.sources,
            )
        )
    if office is not None and office and not office_programs:
        notices.append(
            Notice(
                kind="input",
                text=f"admin_staff is not used in {rules.name}: no certificate there leaves office "
                f"staff out of its count, so all {_people(n)} were counted.",
                sources=cor.exists.sources,
            )
        )

    sr = size_rule(rules, trade)
    counted, how, count_reason, count_notices = _count_workers(rules, n, hours, sr, trade)
    cor_text = f"{rules.name} has a COR program"
    cor_text += f", run by {cor.administered_by.value}." if cor.administered_by else "."
    cor_sources = dedupe(
        [*cor.exists.sources, *(cor.administered_by.sources if cor.administered_by else [])]
    )
    reasons.append(Reason(rule=rule_ref(code, "cor.exists"), text=cor_text, sources=cor_sources))
    reasons.append(count_reason)
    notices.extend(count_notices)
    eligible = ["COR"]

    secor_ok, limit_reasons, limit_notices = _limit_checks(rules, n, counted, how == "fte", sr)
    reasons.extend(limit_reasons)
    notices.extend(limit_notices)
    if secor_ok:
        eligible.append("SECOR")
    if rules.small_employer.partner_counting and sr.partner is None:
        notices.append(_partner_dependence(rules, n, hours, trade, secor_ok))

    owner_programs: list[str] = []
    for prog in rules.other_programs:
        c = prog.conditions.value
        left_out = office_count(c.max_workers) if c.admin_staff_allowed else 0
        people = n - left_out
        fits_size = c.min_workers <= people <= c.max_workers
        ref = rule_ref(code, f"other_programs.{prog.id}")
        sources = dedupe([*prog.conditions.sources, *prog.description.sources])
        if c.admin_staff_allowed and left_out and fits_size:
            assumed = office is None
            verb = "was" if left_out == 1 else "were"
            text = (
                f"{prog.local_name.value} leaves administrative (office) staff out of its count: "
                f"{_people(left_out)} "
                + (f"{verb} taken to be" if assumed else f"{verb} given as")
                + f" office staff only, so {_people(people)} "
                + ("was" if people == 1 else "were")
                + " counted."
            )
            if assumed:
                notices.append(
                    Notice(
                        kind="confirm",
                        text=text + " If anyone besides the owner works on the tools or on site, "
                        f"count them: with {_people(n)} the business is in a larger class.",
                        sources=sources,
                    )
                )
            else:
                reasons.append(Reason(rule=ref, text=text, sources=sources))
        elif c.admin_staff_allowed and not left_out and n == c.max_workers + 1 and not subs:
            notices.append(
                Notice(
                    kind="confirm",
                    text=f"{prog.local_name.value} leaves administrative (office) staff out of its "
                    f"count: if one of the {_people(n)} only does office work, "
                    f"{prog.local_name.value} may fit. Give admin_staff, or ask "
                    f"{_partner_names(rules)}.",
                    sources=sources,
                )
            )
        if fits_size and (owner_op or people <= 1 or not c.owner_operator_only):
            if c.no_subcontractors and subs:
                reasons.append(
                    Reason(
                        rule=ref,
                        text=f"{prog.local_name.value} is not available to a business that uses "
                        f"subcontractors: {prog.description.value}",
                        sources=sources,
                    )
                )
                continue
            eligible.append(prog.id)
            owner_programs.append(prog.id)
            reasons.append(
                Reason(
                    rule=ref,
                    text=f"{prog.local_name.value} ({prog.id}) fits: {prog.description.value}",
                    sources=sources,
                )
            )

    class_program: str | None = None
    class_name: str | None = None
    if rules.size_classes:
        caps = {p.id: p.conditions.value.max_workers for p in office_programs}
        for cls in rules.size_classes.value:
            left_out = office_count(caps[cls.program_id]) if cls.program_id in office_ids else 0
            if cls.contains(n - left_out):
                class_program, class_name = cls.program_id, cls.local_name
                office_note = f" (office staff not counted: {left_out})" if left_out else ""
                reasons.append(
                    Reason(
                        rule=rule_ref(code, "size_classes"),
                        text=f"In {rules.name} a business with {_people(n)}{office_note} is in the "
                        f"{cls.local_name} class (program id {cls.program_id}).",
                        sources=rules.size_classes.sources,
                    )
                )
                break

    # Preferred program before the subcontractor and procurement checks; `decided_by` keeps the
    # sources of the rule that settled the recommendation.
    se = rules.small_employer
    if class_program in eligible and rules.size_classes is not None:
        candidate, decided_by = class_program, rules.size_classes.sources
    elif owner_programs and owner_op:
        prog = next(p for p in rules.other_programs if p.id == owner_programs[0])
        candidate, decided_by = prog.id, prog.conditions.sources
    elif secor_ok and sr.limit is not None:
        candidate, decided_by = "SECOR", sr.limit_sources
    elif sr.partner:
        candidate, decided_by = "COR", sr.limit_sources
    else:
        candidate = "COR"
        decided_by = (se.worker_limit or se.min_workers or se.exists).sources

    if subs and candidate != "COR":
        sub_rule = national.subcontractors
        if sub_rule is not None:
            reasons.append(
                Reason(
                    rule=rule_ref(NATIONAL, "subcontractors"),
                    text=f"The business manages subcontractors: {sub_rule.value} So COR is "
                    "recommended.",
                    sources=sub_rule.sources,
                )
            )
            candidate, decided_by = "COR", sub_rule.sources
    if subs and rules.subcontractors is not None:
        notices.append(
            Notice(
                kind="confirm",
                text=rules.subcontractors.value,
                sources=rules.subcontractors.sources,
            )
        )

    if public:
        refusing = [p for p in rules.procurement if candidate in p.value.refuses]
        for pr in refusing:
            reasons.append(
                Reason(
                    rule=rule_ref(code, "procurement"),
                    text=f"The business bids on public contracts, and {pr.value.buyer} does not "
                    f"accept {candidate}: {pr.value.scope} So COR is recommended.",
                    sources=pr.sources,
                )
            )
        if refusing:
            candidate = "COR"
            decided_by = dedupe([src for pr in refusing for src in pr.sources])
        for pr in rules.procurement:
            p = pr.value
            if candidate != "COR" and p.accepts and candidate not in p.accepts:
                notices.append(
                    Notice(
                        kind="confirm",
                        text=f"{p.buyer} names {', '.join(p.accepts)} in its requirement and the "
                        f"sources do not say whether {candidate} is accepted; confirm with the "
                        "buyer before relying on it, or choose COR.",
                        sources=pr.sources,
                    )
                )
            elif candidate == "COR" and p.accepts and not refusing:
                reasons.append(
                    Reason(
                        rule=rule_ref(code, "procurement"),
                        text=f"Public contracts: {p.buyer}. {p.scope}",
                        sources=pr.sources,
                    )
                )
        if not rules.procurement:
            notices.append(
                Notice(
                    kind="not_found",
                    text=f"No public-procurement rule about COR was found for {rules.name}; ask "
                    "the buyer which certificate its contracts require.",
                    sources=cor.exists.sources,
                )
            )

    if class_program is not None and candidate != class_program:
        notices.append(
            Notice(
                kind="confirm",
                text=f"{rules.name} sorts employers into classes by size ({_people(n)}: "
                f"{class_name}); confirm with {_partner_names(rules)} which class applies to your "
                f"business when it needs {candidate}.",
                sources=rules.size_classes.sources if rules.size_classes else cor.exists.sources,
            )
        )

    if candidate == "COR" and cor.stated_min_workers and n < cor.stated_min_workers.value:
        smw = cor.stated_min_workers
        notices.append(
            Notice(
                kind="confirm",
                text=f"{smw.note or 'An official page describes COR as for larger employers.'} "
                f"Confirm with {_partner_names(rules)} how a business with {_people(n)} can "
                "take COR.",
                sources=smw.sources,
            )
        )

    recommended = candidate
    rec_local = _local_name(rules, recommended, class_name)
    rec_text = rec_local if recommended in rec_local else f"{rec_local} ({recommended})"
    reasons.append(
        Reason(
            rule=rule_ref(code, "recommendation"),
            text=f"Recommended: {rec_text}.",
            sources=decided_by,
        )
    )

    local = {
        pid: _local_name(rules, pid, class_name if pid == class_program else None)
        for pid in eligible
    }
    steps.extend(_partner_steps(rules, recommended, local.get(recommended, recommended), trade))
    if trade and rules.partners and not any(partner_serves(p.value, trade) for p in rules.partners):
        notices.append(
            Notice(
                kind="not_found",
                text=f"No certifying partner for {trade!r} was found in {rules.name}; all its "
                "partners are listed. Ask one of them which partner serves your industry.",
                sources=_partner_sources(rules) or cor.exists.sources,
            )
        )
    return result(eligible, recommended, local, counted, how)


def _partner_sources(rules: JurisdictionRules) -> list[str]:
    return dedupe([s for p in rules.partners for s in p.sources])


def _partner_steps(
    rules: JurisdictionRules, program: str, local: str, industry: str | None
) -> list[NextStep]:
    by_name: dict[str, Sourced] = {p.value.name: p for p in rules.partners}
    partners = partners_for(rules.code, industry)
    offering = [p for p in partners if program in p.programs]
    steps = []
    for partner in offering or partners:
        sourced = by_name[partner.name]
        steps.append(
            NextStep(
                text=f"Contact {partner.name} ({', '.join(partner.industries)}) to register for "
                f"{local}: {partner.url}",
                name=partner.name,
                url=partner.url,
                sources=dedupe([partner.url, *sourced.sources]),
            )
        )
    return steps
