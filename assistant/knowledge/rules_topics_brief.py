"""The "in brief" passages: what each program is in one jurisdiction, in a few plain sentences.

An owner asking "what is COR in Alberta?" wants the essentials a partner's FAQ gives first:
what it is and whether it is voluntary, who runs it, who fits COR or the small-employer
program (the worker limit), what the audit needs to pass, how long the certificate lasts and
what it earns. Every figure is the rules' own value, so the brief cannot drift from the
detailed passages; a fact the rules do not hold is left out, never guessed.
"""

from __future__ import annotations

from typing import Any

from assistant.knowledge.jurisdictions import NATIONAL
from assistant.knowledge.rules_passage_builder import PassageBuilder, RulePassage
from assistant.knowledge.rules_prose import (
    counting_phrase,
    describe_incentive,
    join_and,
    marks_clause,
    with_article,
)
from assistant.knowledge.rules_schema import (
    Cycle,
    IncentiveRule,
    JurisdictionRules,
    PassMarks,
    Sourced,
)
from assistant.presentation.format import percent


def _marks(marks: PassMarks) -> str:
    """``at least 80% overall and at least 50% on every element``."""
    return f"at least {percent(marks.overall)} overall" + marks_clause(marks, legislated=False)


def _validity(name: str, cycle: Cycle) -> str:
    """``a COR is valid for 3 years, with a maintenance audit in years 2 and 3``."""
    clause = f"{with_article(name)} is valid for {cycle.validity_years} years"
    return clause + (_maintenance(cycle) if cycle.maintenance_years else "")


def _cycle_sentence(place: str, name: str, cycle: Cycle) -> str:
    """``In Alberta a COR is valid for 3 years, ...; a recertification audit renews it.``"""
    renewal = with_article(cycle.recertification_audit)
    return f"In {place} {_validity(name, cycle)}; {renewal} renews it."


def _incentives_for(rules: JurisdictionRules, program: str) -> list[IncentiveRule]:
    return [i for i in rules.incentives if program in i.programs]


def _buyers(rules: JurisdictionRules) -> list[str]:
    return [p.value.buyer for p in rules.procurement if "COR" in p.value.accepts]


def cor_brief(b: PassageBuilder) -> None:
    """What COR is here: voluntary or not, who runs it, who fits, pass, length, money."""
    rules, place = b.rules, b.place
    cor, se = rules.cor, rules.small_employer
    if not cor.exists.value or rules.code == NATIONAL:
        return
    voluntary = bool(cor.voluntary and cor.voluntary.value)
    kind = "a voluntary certificate" if voluntary else "a certificate"
    first = (
        f"COR (Certificate of Recognition) is {kind} in {place} that shows an employer's health "
        "and safety management system passed a certification audit"
    )
    vals: list[Sourced[Any]] = [cor.exists, *([cor.voluntary] if cor.voluntary else [])]
    if se.exists.value and se.worker_limit and se.local_name:
        limit = se.worker_limit.value
        first += f"; firms with {limit.phrase()} workers can use SECOR instead."
        vals += [se.worker_limit, se.local_name]
    else:
        first += "; no separate small-employer COR (SECOR) was found, so small firms use COR too."
        vals.append(se.exists)
    sentences = [first]
    buyers = _buyers(rules)
    if buyers:
        still = "still " if voluntary else ""
        sentences.append(f"Some buyers in {place} {still}require COR: {join_and(buyers)}.")
        vals += [p for p in rules.procurement if p.value.buyer in buyers]
    if cor.administered_by:
        sentences.append(f"In {place} COR is run by {cor.administered_by.value}.")
        vals.append(cor.administered_by)
    sentences.append(_audit_sentence(b, vals))
    sentences += _money_sentences(b, "COR", vals)
    if cor.administered_by:  # where sources disagree, both readings, the rules' one first
        sentences += [
            f"Another source gives {alt.value} ({alt.note})."
            for alt in cor.administered_by.alternatives
        ]
    b.add(f"What is COR in {place}?", sentences, vals, ["overview", "eligibility"], ["COR"])


def _audit_sentence(b: PassageBuilder, vals: list[Sourced[Any]]) -> str:
    """What the audit needs to pass and how long the certificate then lasts, in one sentence."""
    audit, place = b.rules.audit, b.place
    cycle = audit.cycle.value if audit.cycle else None
    if audit.pass_marks:
        marks = _marks(audit.pass_marks.value)
        sentence = f"In {place} the certification audit passes with {marks}"
        vals.append(audit.pass_marks)
        if cycle:
            sentence += f"; the COR is then valid for {cycle.validity_years} years"
            if cycle.maintenance_years:
                sentence += _maintenance(cycle)
    elif audit.internal_audit_gate:
        sentence = (
            f"Consultants report that in {place} the internal audit must score "
            f"{_marks(audit.internal_audit_gate.value)} before the external audit goes ahead"
        )
        vals.append(audit.internal_audit_gate)
        if cycle:
            sentence += f"; {_validity('COR', cycle)}"
    elif cycle:
        sentence = f"In {place} {_validity('COR', cycle)}"
    else:
        return ""
    if audit.cycle:
        vals.append(audit.cycle)
    return sentence + "."


def _maintenance(cycle: Cycle) -> str:
    years = join_and([str(y) for y in cycle.maintenance_years])
    plural = "s" if len(cycle.maintenance_years) > 1 else ""
    return f", with {with_article(cycle.maintenance_audit)} in year{plural} {years}"


def _money_sentences(b: PassageBuilder, program: str, vals: list[Sourced[Any]]) -> list[str]:
    """What the certificate earns: each incentive's formula, or that none was found."""
    out = []
    for inc in _incentives_for(b.rules, program):
        if inc.kind == "none":
            text = inc.name.value
            out.append(f"WCB incentive: {text[0].lower()}{text[1:]}.")
            vals.append(inc.name)
        else:
            out.append(describe_incentive(inc, b.place))
            vals += [inc.name, *([inc.params] if inc.params else [])]
    return out


def secor_brief(b: PassageBuilder) -> None:
    """What the small-employer program is: who fits, how it is audited, pass, length, money."""
    rules, place = b.rules, b.place
    se = rules.small_employer
    if not (se.exists.value and se.worker_limit and se.local_name):
        return
    limit = se.worker_limit.value
    vals: list[Sourced[Any]] = [se.worker_limit, se.local_name]
    counted = ""
    if se.partner_counting:
        counted = ", counted the way its certifying partner counts them"
        vals += se.partner_counting
    elif se.counting:
        counted = f", counting {counting_phrase(se.counting.value)}"
        vals.append(se.counting)
    sentences = [
        f"SECOR is the small-employer COR in {place}, for firms with {limit.phrase()} workers"
        f"{counted}; a firm with {limit.largest + 1} or more workers needs the full COR."
    ]
    if se.local_name.value != "SECOR":
        sentences.append(f"Its local name is {se.local_name.value}.")
    if se.audit_method:
        sentences.append(se.audit_method.value)
        vals.append(se.audit_method)
    if rules.audit.secor_pass_marks:
        marks = rules.audit.secor_pass_marks
        sentences.append(f"In {place} the SECOR audit passes with {_marks(marks.value)}.")
        vals.append(marks)
    if se.cycle:
        sentences.append(_cycle_sentence(place, "SECOR", se.cycle.value))
        vals.append(se.cycle)
    sentences += _money_sentences(b, "SECOR", vals)
    sentences += [
        f"Another source reads the limit as {alt.value.phrase()} workers ({alt.note}); the rules "
        f"use {limit.phrase()}."
        for alt in se.worker_limit.alternatives
    ]
    b.add(
        f"What is SECOR in {place}?",
        sentences,
        vals,
        ["overview", "eligibility", "worker-count"],
        ["SECOR"],
    )


def incentive_program_brief(b: PassageBuilder) -> None:
    """What an incentive program is (Alberta's PIR): who runs it, voluntary, what each earns."""
    rules, place = b.rules, b.place
    by_id = {i.id: i for i in rules.incentives}
    for sourced in rules.incentive_programs:
        prog = sourced.value
        kind = "a voluntary incentive program" if prog.voluntary else "an incentive program"
        sentences = [f"{prog.name} is {kind} in {place}, run by {prog.run_by}."]
        vals: list[Sourced[Any]] = [sourced]
        for inc in (by_id[i] for i in prog.incentives):
            sentences.append(describe_incentive(inc, place))
            vals += [inc.name, *([inc.params] if inc.params else [])]
        if sourced.note:
            sentences.append(sourced.note)
        programs = sorted({p for i in prog.incentives for p in by_id[i].programs})
        b.add(f"What is {prog.name} in {place}?", sentences, vals, ["incentives"], programs)


def validity_brief(b: PassageBuilder) -> None:
    """How long the small-employer certificate lasts, where the rules give its own cycle."""
    rules, place = b.rules, b.place
    cycle = rules.small_employer.cycle
    if not cycle:
        return
    sentences = [_cycle_sentence(place, "SECOR", cycle.value), cycle.note or ""]
    b.add(f"How long is a SECOR valid in {place}?", sentences, [cycle], ["audit"], ["SECOR"])


def render_summary_passages(rules: dict[str, JurisdictionRules]) -> list[RulePassage]:
    """Passages over every jurisdiction's rules, for questions asked with no province.

    "How long is a SECOR valid for?" asked with no province wants the length the rules give
    everywhere, not one province's rule nor how long certifying takes. The first sentence
    names no province, so it can lead an answer given without one; the next ones say where
    each length comes from.
    """
    if NATIONAL not in rules:
        return []
    b = PassageBuilder(rules[NATIONAL])
    places = [r for code, r in sorted(rules.items()) if code != NATIONAL]
    _secor_summary(b, places)
    _validity_summary(b, places)
    return b.passages


def _secor_summary(b: PassageBuilder, places: list[JurisdictionRules]) -> None:
    """Who can use SECOR in each place: the limits, grouped, then where there is none."""
    with_secor = [
        r for r in places if r.small_employer.exists.value and r.small_employer.worker_limit
    ]
    if not with_secor:
        return
    by_limit: dict[str, list[str]] = {}
    for r in sorted(with_secor, key=lambda r: -r.small_employer.worker_limit.value.largest):
        by_limit.setdefault(r.small_employer.worker_limit.value.phrase(), []).append(r.name)
    limits = [f"{phrase} workers in {join_and(names)}" for phrase, names in by_limit.items()]
    without = [r.name for r in places if r.cor.exists.value and not r.small_employer.exists.value]
    none = (
        f"; no SECOR was found for {join_and(without)}, where small firms use COR"
        if without
        else ""
    )
    sentences = [
        f"SECOR worker limits by province and territory: {'; '.join(limits)}{none}.",
        "A firm above its province's limit needs the full COR.",
    ]
    b.add(
        "Who can use SECOR in each province?",
        sentences,
        [r.small_employer.worker_limit for r in with_secor]
        + [r.small_employer.exists for r in places if r.name in without],
        ["eligibility", "worker-count"],
        ["SECOR", "COR"],
    )


def _validity_summary(b: PassageBuilder, places: list[JurisdictionRules]) -> None:
    cors = [(r.name, r.audit.cycle) for r in places if r.audit.cycle]
    secors = [(r.name, r.small_employer.cycle) for r in places if r.small_employer.cycle]
    if not cors:
        return
    years = sorted({c.value.validity_years for _, c in cors})
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]} to {years[-1]}"
    yearly = all(
        c.value.maintenance_years == list(range(2, c.value.validity_years + 1)) for _, c in cors
    )
    sentences = [
        f"A COR is valid for {span} years in every province or territory whose rules give its "
        "length"
        + (", with a maintenance audit in each year between" if yearly else "")
        + "; a recertification audit renews it.",
        (
            f"The rules give {span} years for {join_and([name for name, _ in cors])}."
            if len(years) == 1
            else "The rules give "
            + join_and([f"{c.value.validity_years} years for {name}" for name, c in cors])
            + "."
        ),
    ]
    sentences += [f"In {name} {_validity('SECOR', c.value)}." for name, c in secors]
    sentences.append("Ask your certifying partner for the dates on your own certificate.")
    b.add(
        "How long is a COR or SECOR valid?",
        sentences,
        [c for _, c in cors] + [c for _, c in secors],
        ["audit", "roadmap"],
        ["COR", "SECOR"] if secors else ["COR"],
    )
