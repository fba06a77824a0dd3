"""Counting the workers and checking the small-employer (SECOR) limit.

The limit and the counting come from the certifying partner that serves the industry where
the rules give each partner's own (BC), else from the jurisdiction's reading; the count is a
headcount or full-time equivalents from payroll hours, as the rule says.
"""

from __future__ import annotations

from typing import NamedTuple

from assistant.knowledge.rules import (
    Alternative,
    Counting,
    JurisdictionRules,
    PartnerCounting,
    Sourced,
    WorkerLimit,
    counting_phrase,
    partner_counting_for,
    short_partner_name,
)
from assistant.presentation.format import people
from assistant.tools.eligibility_result import Notice, Reason, dedupe, rule_ref


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
        >>> from assistant.knowledge.rules import rules_for
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


def partner_dependence(
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


def count_workers(
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
            f"Counted the {people(n)} given; the sources do not say who counts towards the "
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
            f"{per_year:,}); no payroll hours were given, so the {people(n)} given were counted "
            "as full-time. Give payroll hours for an FTE count."
        )
        return float(n), "workers_as_fte", Reason(rule=ref, text=text, sources=sources), notices
    included = c.included()
    when = {
        "headcount_peak": " at the busiest (peak) time",
        "headcount_any_time": " at any one time",
    }.get(c.basis, "")
    text = f"Counted {people(n)} as the headcount{when}"
    if sr.partner:
        text = f"{who} counts {counting_phrase(c)}: counted {people(n)}"
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


def partners_to_ask(rules: JurisdictionRules) -> str:
    """Up to three partners joined by "or", for "confirm with ..." (the WCB when none)."""
    names = [p.value.name for p in rules.partners]
    return " or ".join(names[:3]) if names else "the workers' compensation board"


def limit_checks(
    rules: JurisdictionRules, n: int, counted: float, fte: bool, sr: SizeRule
) -> tuple[bool, list[Reason], list[Notice]]:
    """Whether the count is within the SECOR limit, why, and the notices that go with it.

    The notices: at or near the limit, and readings of other sources that disagree here.
    """
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
                text=f"{local} starts at {minimum} workers, so it does not apply to {people(n)}.",
                sources=se.min_workers.sources,
            )
        )
        return False, reasons, notices
    within = limit.allows(counted)
    verdict = "is within" if within else "is over"
    reasons.append(
        Reason(
            rule=ref,
            text=f"{people(counted, fte)} {verdict} {whose} so {local} is "
            + ("available." if within else "not available."),
            sources=limit_sources,
        )
    )
    if within:
        notices.extend(_limit_notices(rules, sr, counted, fte))
    notices.extend(_disagreements(rules, sr, counted, fte, within))
    return within, reasons, notices


def _limit_notices(
    rules: JurisdictionRules, sr: SizeRule, counted: float, fte: bool
) -> list[Notice]:
    """At the limit (one more worker means COR) or near it (two more)."""
    limit = sr.limit
    if limit is None:
        return []
    se = rules.small_employer
    if not limit.allows(counted + 1):
        more = people(counted + 1, fte)
        text = (
            f"At the SECOR limit: hiring one more worker ({more}) means COR "
            f"(the limit is {limit.phrase()})."
        )
        sources = list(sr.limit_sources)
        if se.outgrowing:
            text += f" {se.outgrowing.value}"
            sources += se.outgrowing.sources
        return [Notice(kind="at_limit", text=text, sources=dedupe(sources))]
    if not limit.allows(counted + 2):
        return [
            Notice(
                kind="near_limit",
                text=f"Near the SECOR limit: at {people(counted + 2, fte)} ({limit.phrase()} "
                "allowed) the business would need COR.",
                sources=sr.limit_sources,
            )
        ]
    return []


def _disagreements(
    rules: JurisdictionRules, sr: SizeRule, counted: float, fte: bool, within: bool
) -> list[Notice]:
    """Other readings of the limit that give the other verdict at this count."""
    limit = sr.limit
    notices = []
    for alt in sr.alternatives:
        if limit is not None and alt.value.allows(counted) != within:
            verdict = "fits" if alt.value.allows(counted) else "is over"
            notices.append(
                Notice(
                    kind="sources_disagree",
                    text=f"Sources disagree at {people(counted, fte)}: {alt.note}. Under that "
                    f"reading ({alt.value.phrase()}) the business {verdict} the SECOR limit. "
                    f"The rules use {limit.phrase()}; confirm with {partners_to_ask(rules)}.",
                    sources=dedupe([*sr.limit_sources, *alt.sources]),
                )
            )
    return notices
