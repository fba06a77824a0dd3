"""Passages about the programs: which certificates exist, who fits them, how workers count.

Each function renders one topic of one jurisdiction's rules into the builder (nothing when
the rules say nothing on it); ``assistant.knowledge.rules_passages`` lists them in passage order.
"""

from __future__ import annotations

from typing import Any

from assistant.knowledge.jurisdictions import NATIONAL
from assistant.knowledge.rules_passage_builder import PassageBuilder
from assistant.knowledge.rules_prose import (
    confidence_sentence,
    counting_phrase,
    join_and,
    partner_industries,
    short_partner_name,
    with_article,
)
from assistant.knowledge.rules_schema import Counting, Sourced, dedupe


def overview(b: PassageBuilder) -> None:
    """Whether the place has COR (who runs it) and a small-employer variant, or no program."""
    rules, place = b.rules, b.place
    cor, se = rules.cor, rules.small_employer
    if cor.exists.value:
        sentences = [f"{place} has a Certificate of Recognition (COR) program."]
        vals: list[Sourced[Any]] = [cor.exists]
        if cor.administered_by:
            sentences.append(f"It is administered by {cor.administered_by.value}.")
            sentences += [
                f"Another source gives {alt.value} ({alt.note})."
                for alt in cor.administered_by.alternatives
            ]
            vals.append(cor.administered_by)
        if cor.exists.note:
            sentences.append(cor.exists.note)
        if se.exists.value and se.local_name:
            sentences.append(
                f"Small employers can use {se.local_name.value}, the small-employer variant."
            )
            vals.append(se.local_name)
        elif rules.code != NATIONAL:
            sentences.append("No separate small-employer COR (SECOR) was found in the sources.")
            vals.append(se.exists)
        sentences.append(confidence_sentence(cor.exists))
        b.add(f"Does {place} have COR and SECOR?", sentences, vals, ["overview"], rules.program_ids)
    elif rules.no_program_advice:
        sentences = [
            f"No COR program was found for {place}.",
            cor.exists.note or "",
            rules.no_program_advice.value,
            confidence_sentence(cor.exists),
        ]
        b.add(
            f"Is there a COR program in {place}?",
            sentences,
            [cor.exists, rules.no_program_advice],
            ["overview", "no-program"],
            [],
        )


def secor_limit(b: PassageBuilder) -> None:
    """The small-employer worker limit, its other readings and each partner's wording."""
    se, place = b.rules.small_employer, b.place
    if not (se.exists.value and se.worker_limit and se.local_name):
        return
    limit = se.worker_limit
    sentences = [
        f"In {place} the small-employer program (SECOR) is for employers with "
        f"{limit.value.phrase()} workers; its local name is {se.local_name.value}."
    ]
    vals: list[Sourced[Any]] = [se.local_name, limit]
    if se.exists.note:
        sentences.append(se.exists.note)
        vals.append(se.exists)
    if se.min_workers:
        sentences.append(f"It starts at {se.min_workers.value} workers.")
        vals.append(se.min_workers)
    if limit.note:
        sentences.append(limit.note)
    sentences += [
        f"Another source reads it as {alt.value.phrase()} workers ({alt.note})."
        for alt in limit.alternatives
    ]
    if limit.alternatives:
        sentences.append(
            f"The rules use {limit.value.phrase()}; confirm with the certifying partner."
        )
    if se.partner_counting:
        sentences.append(
            "Each certifying partner words the limit its own way: "
            + "; ".join(
                f"{short_partner_name(pc.value.partner)}: {pc.value.wording}"
                for pc in se.partner_counting
            )
            + "."
        )
        vals.extend(se.partner_counting)
    sentences.append(
        f"With {limit.value.largest + 1} or more workers the employer needs the full COR."
    )
    if se.outgrowing:
        sentences.append(se.outgrowing.value)
        vals.append(se.outgrowing)
    b.add(
        f"What is the SECOR worker limit in {place}?",
        sentences,
        vals,
        ["eligibility", "worker-count"],
        ["SECOR", "COR"],
    )


def secor_counting(b: PassageBuilder) -> None:
    """Who counts towards the small-employer limit: per partner where partners differ."""
    if b.rules.small_employer.partner_counting:
        _partner_counting(b)
    elif b.rules.small_employer.counting:
        _jurisdiction_counting(b, b.rules.small_employer.counting)


def _partner_counting(b: PassageBuilder) -> None:
    rules, place = b.rules, b.place
    se = rules.small_employer
    sentences = [
        f"For the SECOR limit in {place}, how workers are counted depends on the certifying "
        "partner, which is set by your industry."
    ]
    for pc in se.partner_counting:
        v = pc.value
        sentences.append(
            f"{v.partner} ({', '.join(partner_industries(rules, v.partner))}) counts "
            f"{counting_phrase(v.counting)}; its limit is {v.wording}."
        )
        if pc.note:
            sentences.append(pc.note)
    if se.counting:
        sentences.append(
            "When the partner is not known, the rules count "
            f"{counting_phrase(se.counting.value)}, and say that the count depends on the "
            "partner."
        )
    b.add(
        f"Who counts towards the SECOR limit in {place}?",
        sentences,
        [*se.partner_counting, *([se.counting] if se.counting else [])],
        ["worker-count", "eligibility", "partners"],
        ["SECOR"],
    )


def _jurisdiction_counting(b: PassageBuilder, counting: Sourced[Counting]) -> None:
    place = b.place
    c = counting.value
    counted = c.included()
    sentences = [f"For the SECOR limit in {place}, workers are counted as {counting_phrase(c)}."]
    if counted:
        sentences.append(f"The count includes {join_and(counted)}.")
    if c.subcontractors is False:
        sentences.append("Subcontractors are not counted.")
    if c.lookback_months:
        sentences.append(f"The limit applies at any time in the past {c.lookback_months} months.")
    if c.excluded:
        sentences.append(f"Not counted: {', '.join(c.excluded)}.")
    if counting.note:
        sentences.append(counting.note)
    b.add(
        f"Who counts towards the SECOR limit in {place}?",
        sentences,
        [counting],
        ["worker-count", "eligibility"],
        ["SECOR"],
    )


def no_secor(b: PassageBuilder) -> None:
    """Where COR exists without a small-employer variant: small employers use COR."""
    rules, place = b.rules, b.place
    se = rules.small_employer
    if se.exists.value or not rules.cor.exists.value or rules.code == NATIONAL:
        return
    sentences = [
        f"No separate small-employer COR (SECOR) was found for {place}.",
        se.exists.note or "",
        "Small employers use the regular COR program.",
    ]
    if se.all_sizes and se.all_sizes.value not in (se.exists.note or ""):
        sentences.append(f"{se.all_sizes.value[0].upper()}{se.all_sizes.value[1:]}.")
    b.add(
        f"Is there a SECOR program in {place}?",
        sentences,
        [se.exists, *([se.all_sizes] if se.all_sizes else [])],
        ["eligibility", "no-program"],
        ["COR"],
    )


def other_programs(b: PassageBuilder) -> None:
    """One passage per jurisdiction-specific certificate (Yukon's OCOP, NS Owner/Operator)."""
    place = b.place
    for prog in b.rules.other_programs:
        cond = prog.conditions.value
        sentences = [
            f"{prog.local_name.value} (program id {prog.id}) is "
            f"{with_article(place + ' certificate')}.",
            prog.description.value,
            f"It is for businesses of at most {cond.max_workers} worker"
            f"{'s' if cond.max_workers != 1 else ''}"
            + (", not counting administrative (office) staff," if cond.admin_staff_allowed else "")
            + (" with no subcontractors" if cond.no_subcontractors else "")
            + ".",
        ]
        b.add(
            f"What is {prog.local_name.value} in {place}?",
            sentences,
            [prog.local_name, prog.conditions, prog.description],
            ["eligibility", "worker-count"],
            [prog.id],
        )


def size_classes(b: PassageBuilder) -> None:
    """The size classes certified employers are sorted into (Nova Scotia)."""
    rules, place = b.rules, b.place
    if not rules.size_classes:
        return
    parts = []
    for cls in rules.size_classes.value:
        size = f"{cls.min} or more" if cls.max is None else f"{cls.min} to {cls.max}"
        if cls.max == cls.min:
            size = f"{cls.min}"
        extra = f"; {cls.audit}" if cls.audit else ""
        parts.append(f"{cls.local_name} ({size} workers, program id {cls.program_id}{extra})")
    sentences = [f"{place} sorts certified employers into size classes: {'; '.join(parts)}."]
    if rules.size_classes.note:
        sentences.append(rules.size_classes.note)
    b.add(
        f"What are the COR size classes in {place}?",
        sentences,
        [rules.size_classes],
        ["eligibility", "worker-count"],
        dedupe([c.program_id for c in rules.size_classes.value]),
    )
