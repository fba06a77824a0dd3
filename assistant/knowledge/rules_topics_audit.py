"""Passages about the audit and what follows: pass marks, cycle, elements, partners, money.

Each function renders one topic of one jurisdiction's rules into the builder (nothing when
the rules say nothing on it); ``assistant.knowledge.rules_passages`` lists them in passage order.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.knowledge.jurisdictions import NATIONAL
from assistant.knowledge.rules_passage_builder import PassageBuilder
from assistant.knowledge.rules_prose import (
    confidence_sentence,
    describe_cost,
    describe_incentive,
    join_and,
    marks_clause,
    partner_names,
    with_article,
)
from assistant.knowledge.rules_schema import PassMarks, Sourced, dedupe
from assistant.presentation.format import percent


def _gate_sentences(b: PassageBuilder, gate: Sourced[PassMarks]) -> list[str]:
    lead = "Consultants report that, before" if gate.confidence == "low" else "Before"
    s = (
        f"{lead} the external audit goes ahead in {b.place}, the internal audit must score "
        f"at least {percent(gate.value.overall)} overall" + marks_clause(gate.value)
    )
    sentences = [s + ". This is a gate before the external audit, not the certificate's pass mark."]
    if gate.note:
        sentences.append(gate.note)
    sentences.append(confidence_sentence(gate))
    return sentences


def pass_marks(b: PassageBuilder) -> None:
    """The pass marks of each audit type, and any internal-audit gate (Ontario)."""
    rules, place = b.rules, b.place
    audit = rules.audit
    mark_vals = [
        (label, v)
        for label, v in (
            ("certification audit", audit.pass_marks),
            ("maintenance audit", audit.maintenance_pass_marks),
            ("recertification audit", audit.recertification_pass_marks),
            ("SECOR audit", audit.secor_pass_marks),
        )
        if v is not None
    ]
    gate = audit.internal_audit_gate
    if not (mark_vals or gate):
        _no_pass_marks(b)
        return
    sentences = []
    if not audit.pass_marks:
        sentences.append(
            f"No pass mark for the certification (external) audit in {place} was found in "
            f"the public sources; ask {partner_names(rules)} for it."
        )
    if gate:
        sentences += _gate_sentences(b, gate)
    for label, v in mark_vals:
        lead = "The rules assume that a" if v.confidence == "low" else "A"
        sentences.append(
            f"{lead} {label} in {place} passes with at least {percent(v.value.overall)} overall"
            + marks_clause(v.value)
            + "."
        )
        if v.note:
            sentences.append(v.note)
        sentences.append(confidence_sentence(v))
    b.add(
        f"What are the COR audit pass marks in {place}?",
        sentences,
        [
            *(v for _, v in mark_vals),
            *([gate] if gate else []),
            *([] if audit.pass_marks else [rules.cor.exists]),
        ],
        ["pass-marks", "audit"],
        rules.program_ids,
    )


def _no_pass_marks(b: PassageBuilder) -> None:
    rules, place = b.rules, b.place
    if not rules.cor.exists.value or rules.code == NATIONAL:
        return
    sentences = [
        f"No pass marks specific to {place} were found in the public sources.",
        f"Ask {partner_names(rules)} for the current marks.",
    ]
    b.add(
        f"What are the COR audit pass marks in {place}?",
        sentences,
        [rules.cor.exists],
        ["pass-marks", "no-program"],
        rules.program_ids,
    )


def audit_cycle(b: PassageBuilder) -> None:
    """How long a certificate lasts and which audit falls due in which year."""
    rules, place = b.rules, b.place
    cycle = rules.audit.cycle
    if not cycle:
        return
    cy = cycle.value
    years = join_and([str(y) for y in cy.maintenance_years])
    plural = "s" if len(cy.maintenance_years) > 1 else ""
    sentences = [
        f"In {place} a COR is valid for {cy.validity_years} years.",
        f"In year{plural} {years} the employer completes {with_article(cy.maintenance_audit)}"
        + ("." if re.search(r"\bannual|\byearly", cy.maintenance_audit) else " each year.")
        if cy.maintenance_years
        else "",
        f"Before the certificate expires, {with_article(cy.recertification_audit)} renews it.",
    ]
    if cy.due_rule == "calendar_year":
        sentences.append("Each audit must be completed before the end of the calendar year.")
    if cycle.note:
        sentences.append(cycle.note)
    b.add(
        f"How often are COR audits due in {place}?",
        sentences,
        [cycle],
        ["audit", "roadmap"],
        rules.program_ids,
    )


def audit_elements(b: PassageBuilder) -> None:
    """The elements the audit covers."""
    rules, place = b.rules, b.place
    elements = rules.audit.elements
    if not elements:
        return
    els = elements.value
    sentences = [
        f"The {place} audit covers {len(els)} elements: {', '.join(els)}.",
        elements.note or "",
        confidence_sentence(elements),
    ]
    b.add(
        f"What elements does a COR audit cover in {place}?",
        sentences,
        [elements],
        ["elements", "audit"],
        rules.program_ids,
    )


def partners(b: PassageBuilder) -> None:
    """The certifying partners, with their industries and addresses."""
    rules, place = b.rules, b.place
    if not rules.partners:
        return
    names = [
        f"{p.value.name} ({', '.join(p.value.industries)}; {p.value.url})" for p in rules.partners
    ]
    sentences = [f"Certifying partners in {place}: {'; '.join(names)}."]
    sentences.append("Contact the partner for your industry to register.")
    b.add(
        f"Who are the certifying partners in {place}?",
        sentences,
        list(rules.partners),
        ["partners"],
        rules.program_ids,
    )


def incentives(b: PassageBuilder) -> None:
    """One passage per WCB incentive: its formula, or that none was found."""
    place = b.place
    for inc in b.rules.incentives:
        sentences = [describe_incentive(inc, place)]
        vals: list[Sourced[Any]] = [inc.name]
        if inc.params:
            vals.append(inc.params)
            if inc.params.note:
                sentences.append(inc.params.note)
            sentences += [f"Another reading: {alt.note}." for alt in inc.params.alternatives]
        if inc.name.note:
            sentences.append(inc.name.note)
        if inc.conditions:
            sentences.append(inc.conditions.value)
            vals.append(inc.conditions)
        title = (
            f"Is there a WCB incentive for {'/'.join(inc.programs)} in {place}?"
            if inc.kind == "none"
            else f"How is the {inc.name.value} calculated in {place}?"
        )
        b.add(title, sentences, vals, ["incentives"], list(inc.programs))


def procurement(b: PassageBuilder) -> None:
    """Which public buyers require COR, and which certificates they accept or refuse."""
    rules, place = b.rules, b.place
    if not rules.procurement:
        return
    sentences = []
    for pr in rules.procurement:
        p = pr.value
        s = f"{p.buyer}: {p.scope}"
        if p.accepts:
            s += f" Accepted: {', '.join(p.accepts)}."
        if p.refuses:
            s += f" Not accepted: {', '.join(p.refuses)}."
        sentences.append(s)
    b.add(
        f"Which public contracts in {place} require COR?",
        sentences,
        list(rules.procurement),
        ["procurement"],
        rules.program_ids,
    )


def training(b: PassageBuilder) -> None:
    """The training each program needs."""
    rules, place = b.rules, b.place
    if not rules.training:
        return
    b.add(
        f"What training do COR and SECOR need in {place}?",
        [f"{t.value.program}: {t.value.text}" for t in rules.training],
        list(rules.training),
        ["training"],
        dedupe([t.value.program for t in rules.training]),
    )


def costs(b: PassageBuilder) -> None:
    """The indicative fees of each program."""
    rules, place = b.rules, b.place
    if not rules.costs:
        return
    sentences = [describe_cost(c.value) for c in rules.costs]
    sentences.append("These figures are indicative; confirm current fees with the partner.")
    b.add(
        f"What does COR or SECOR cost in {place}?",
        sentences,
        list(rules.costs),
        ["costs"],
        dedupe([c.value.program for c in rules.costs]),
    )


def reciprocity(b: PassageBuilder) -> None:
    """How a certificate from elsewhere is recognised here."""
    rules = b.rules
    if not rules.reciprocity:
        return
    b.add(
        f"How does COR reciprocity work in {b.place}?",
        [rules.reciprocity.value, rules.reciprocity.note or ""],
        [rules.reciprocity],
        ["reciprocity"],
        ["COR"],
    )


def notes(b: PassageBuilder) -> None:
    """Anything else the sources say that employers should know."""
    rules = b.rules
    if not rules.notes:
        return
    sentences = []
    for note in rules.notes:
        sentences += [note.value, note.note or "", confidence_sentence(note)]
    b.add(
        f"What else should employers know about COR in {b.place}?",
        sentences,
        list(rules.notes),
        ["overview"],
        rules.program_ids or ["COR"],
    )
