"""The steps of ``check_eligibility`` after the count: which certificates fit, which one to take.

Each step reads a sourced rule and adds its reasons, notices or next steps to the ``Check``
(the inputs and what has been said so far), in the order the answer gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.knowledge.jurisdictions import NAMES, NATIONAL
from assistant.knowledge.rules import (
    JurisdictionRules,
    OtherProgram,
    Sourced,
    partner_serves,
    partners_for,
)
from assistant.presentation.format import people
from assistant.tools.eligibility_count import SizeRule, partners_to_ask
from assistant.tools.eligibility_result import (
    EligibilityResult,
    NextStep,
    Notice,
    Reason,
    collect_sources,
    dedupe,
    rule_ref,
)


@dataclass
class Check:
    """One eligibility check: the parsed inputs, the rules, and the answer as it is built."""

    code: str
    n: int
    subs: bool
    public: bool
    owner_flag: bool
    hours: float | None
    trade: str | None
    office: int | None
    rules: JurisdictionRules
    national: JurisdictionRules
    partners: bool = False
    reasons: list[Reason] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    steps: list[NextStep] = field(default_factory=list)

    @property
    def owner_op(self) -> bool:
        """An owner-operator: said so, or at most one worker, and no partner in the business."""
        return (self.owner_flag or self.n <= 1) and not self.partners

    @property
    def office_programs(self) -> list[OtherProgram]:
        """Certificates that leave administrative (office) staff out (NS Owner/Operator)."""
        return [p for p in self.rules.other_programs if p.conditions.value.admin_staff_allowed]

    def office_count(self, prog_cap: int) -> int:
        """Office staff left out of an office-staff certificate's count."""
        if self.office is not None:
            return self.office
        if self.owner_flag and self.n > 1:
            return max(0, self.n - max(prog_cap, 1))  # the owner says the others are office staff
        return 0

    def result(
        self,
        eligible: list[str],
        recommended: str | None,
        local: dict[str, str],
        counted: float,
        how: str,
    ) -> EligibilityResult:
        """The typed answer, with every source the reasons, notices and steps name."""
        return EligibilityResult(
            province=self.code,
            province_name=NAMES[self.code],
            workers=self.n,
            counted_workers=round(counted, 4),
            counting=how,
            subcontractors=self.subs,
            public_contracts=self.public,
            owner_operator=self.owner_flag,
            partners=self.partners,
            payroll_hours=self.hours,
            industry=self.trade,
            program_exists=self.rules.cor.exists.value,
            eligible=eligible,
            recommended=recommended,
            local_names=local,
            reasons=self.reasons,
            warnings=self.notices,
            next_steps=self.steps,
            sources=collect_sources(self.reasons, self.notices, self.steps),
        )


@dataclass
class Choice:
    """The program recommended so far and the sources of the rule that settled it."""

    program: str
    decided_by: list[str]


def note_inputs_not_used(check: Check) -> None:
    """Say when owner_operator or admin_staff do not apply to what was given."""
    n, rules = check.n, check.rules
    sources = rules.cor.exists.sources
    if check.owner_flag and n > 1 and not (check.office_programs and check.office is None):
        check.notices.append(
            Notice(
                kind="input",
                text=f"owner_operator was set but {people(n)} were given; an owner-operator works "
                f"alone, so the business was treated as having {people(n)}.",
                sources=sources,
            )
        )
    if check.office is not None and check.office and not check.office_programs:
        check.notices.append(
            Notice(
                kind="input",
                text=f"admin_staff is not used in {rules.name}: no certificate there leaves office "
                f"staff out of its count, so all {people(n)} were counted.",
                sources=sources,
            )
        )


def _office_staff_note(check: Check, prog: OtherProgram, left_out: int, fits: bool) -> None:
    """How office staff were left out of a certificate's count, or that they could be."""
    n, c = check.n, prog.conditions.value
    sources = dedupe([*prog.conditions.sources, *prog.description.sources])
    name = prog.local_name.value
    if left_out and fits:
        assumed = check.office is None
        verb = "was" if left_out == 1 else "were"
        counted = n - left_out
        text = (
            f"{name} leaves administrative (office) staff out of its count: "
            f"{people(left_out)} "
            + (f"{verb} taken to be" if assumed else f"{verb} given as")
            + f" office staff only, so {people(counted)} "
            + ("was" if counted == 1 else "were")
            + " counted."
        )
        if assumed:
            check.notices.append(
                Notice(
                    kind="confirm",
                    text=text + " If anyone besides the owner works on the tools or on site, "
                    f"count them: with {people(n)} the business is in a larger class.",
                    sources=sources,
                )
            )
        else:
            ref = rule_ref(check.code, f"other_programs.{prog.id}")
            check.reasons.append(Reason(rule=ref, text=text, sources=sources))
    elif not left_out and n == c.max_workers + 1 and not check.subs:
        check.notices.append(
            Notice(
                kind="confirm",
                text=f"{name} leaves administrative (office) staff out of its "
                f"count: if one of the {people(n)} only does office work, "
                f"{name} may fit. Give admin_staff, or ask "
                f"{partners_to_ask(check.rules)}.",
                sources=sources,
            )
        )


def other_programs(check: Check) -> list[str]:
    """The jurisdiction-specific certificates the business fits (Yukon's OCOP, NS's classes)."""
    fitting: list[str] = []
    for prog in check.rules.other_programs:
        c = prog.conditions.value
        left_out = check.office_count(c.max_workers) if c.admin_staff_allowed else 0
        counted = check.n - left_out
        fits_size = c.min_workers <= counted <= c.max_workers
        ref = rule_ref(check.code, f"other_programs.{prog.id}")
        sources = dedupe([*prog.conditions.sources, *prog.description.sources])
        if c.admin_staff_allowed:
            _office_staff_note(check, prog, left_out, fits_size)
        if c.owner_operator_only and check.partners and fits_size:
            check.reasons.append(
                Reason(
                    rule=ref,
                    text=f"{prog.local_name.value} is not available to a business with a partner "
                    f"or co-owner: {prog.description.value}",
                    sources=sources,
                )
            )
            continue
        if not fits_size or not (check.owner_op or counted <= 1 or not c.owner_operator_only):
            continue
        if c.no_subcontractors and check.subs:
            check.reasons.append(
                Reason(
                    rule=ref,
                    text=f"{prog.local_name.value} is not available to a business that uses "
                    f"subcontractors: {prog.description.value}",
                    sources=sources,
                )
            )
            continue
        fitting.append(prog.id)
        check.reasons.append(
            Reason(
                rule=ref,
                text=f"{prog.local_name.value} ({prog.id}) fits: {prog.description.value}",
                sources=sources,
            )
        )
    return fitting


def size_class(check: Check) -> tuple[str | None, str | None]:
    """The size class the business falls in (program id and class name), where there are any."""
    rules = check.rules
    if not rules.size_classes:
        return None, None
    caps = {p.id: p.conditions.value.max_workers for p in check.office_programs}
    for cls in rules.size_classes.value:
        left_out = check.office_count(caps[cls.program_id]) if cls.program_id in caps else 0
        if cls.contains(check.n - left_out):
            office_note = f" (office staff not counted: {left_out})" if left_out else ""
            check.reasons.append(
                Reason(
                    rule=rule_ref(check.code, "size_classes"),
                    text=f"In {rules.name} a business with {people(check.n)}{office_note} is in "
                    f"the {cls.local_name} class (program id {cls.program_id}).",
                    sources=rules.size_classes.sources,
                )
            )
            return cls.program_id, cls.local_name
    return None, None


def preferred_program(
    check: Check,
    sr: SizeRule,
    secor_ok: bool,
    eligible: list[str],
    owner_programs: list[str],
    class_program: str | None,
) -> Choice:
    """The program to take before subcontractors and public contracts are weighed."""
    rules = check.rules
    if class_program in eligible and rules.size_classes is not None:
        return Choice(class_program, rules.size_classes.sources)
    if owner_programs and check.owner_op:
        prog = next(p for p in rules.other_programs if p.id == owner_programs[0])
        return Choice(prog.id, prog.conditions.sources)
    if secor_ok and sr.limit is not None:
        return Choice("SECOR", sr.limit_sources)
    if sr.partner:
        return Choice("COR", sr.limit_sources)
    se = rules.small_employer
    return Choice("COR", (se.worker_limit or se.min_workers or se.exists).sources)


def weigh_subcontractors(check: Check, choice: Choice) -> None:
    """A business that manages subcontractors takes COR (the national rule)."""
    if not check.subs:
        return
    sub_rule = check.national.subcontractors
    if choice.program != "COR" and sub_rule is not None:
        check.reasons.append(
            Reason(
                rule=rule_ref(NATIONAL, "subcontractors"),
                text=f"The business manages subcontractors: {sub_rule.value} So COR is "
                "recommended.",
                sources=sub_rule.sources,
            )
        )
        choice.program, choice.decided_by = "COR", sub_rule.sources
    local_rule = check.rules.subcontractors
    if local_rule is not None:
        check.notices.append(
            Notice(kind="confirm", text=local_rule.value, sources=local_rule.sources)
        )


def weigh_public_contracts(check: Check, choice: Choice) -> None:
    """Public buyers that refuse the program make it COR; say what each buyer accepts."""
    if not check.public:
        return
    rules = check.rules
    refusing = [p for p in rules.procurement if choice.program in p.value.refuses]
    for pr in refusing:
        check.reasons.append(
            Reason(
                rule=rule_ref(check.code, "procurement"),
                text=f"The business bids on public contracts, and {pr.value.buyer} does not "
                f"accept {choice.program}: {pr.value.scope} So COR is recommended.",
                sources=pr.sources,
            )
        )
    if refusing:
        choice.program = "COR"
        choice.decided_by = dedupe([src for pr in refusing for src in pr.sources])
    for pr in rules.procurement:
        p = pr.value
        if choice.program != "COR" and p.accepts and choice.program not in p.accepts:
            check.notices.append(
                Notice(
                    kind="confirm",
                    text=f"{p.buyer} names {', '.join(p.accepts)} in its requirement and the "
                    f"sources do not say whether {choice.program} is accepted; confirm with the "
                    "buyer before relying on it, or choose COR.",
                    sources=pr.sources,
                )
            )
        elif p.accepts and not refusing:
            # The owner asked whether their program will do for public work: say what the
            # buyer asks for, whichever program was chosen (was said only for COR).
            check.reasons.append(
                Reason(
                    rule=rule_ref(check.code, "procurement"),
                    text=f"Public contracts: {p.buyer}. {p.scope}",
                    sources=pr.sources,
                )
            )
            if pr.confidence != "high":
                check.notices.append(
                    Notice(
                        kind="confirm",
                        text=f"The sources on what {p.buyer} accepts are not certain; "
                        "ask the buyer to confirm before you bid.",
                        sources=pr.sources,
                    )
                )
    if not rules.procurement:
        check.notices.append(
            Notice(
                kind="not_found",
                text=f"No public-procurement rule about COR was found for {rules.name}; ask "
                "the buyer which certificate its contracts require.",
                sources=rules.cor.exists.sources,
            )
        )


def note_class_and_size(
    check: Check, program: str, class_program: str | None, class_name: str | None
) -> None:
    """Where the recommendation is not the size class's program, or below COR's stated size."""
    rules, n = check.rules, check.n
    cor = rules.cor
    if class_program is not None and program != class_program:
        check.notices.append(
            Notice(
                kind="confirm",
                text=f"{rules.name} sorts employers into classes by size ({people(n)}: "
                f"{class_name}); confirm with {partners_to_ask(rules)} which class applies to "
                f"your business when it needs {program}.",
                sources=rules.size_classes.sources if rules.size_classes else cor.exists.sources,
            )
        )
    if program == "COR" and cor.stated_min_workers and n < cor.stated_min_workers.value:
        smw = cor.stated_min_workers
        check.notices.append(
            Notice(
                kind="confirm",
                text=f"{smw.note or 'An official page describes COR as for larger employers.'} "
                f"Confirm with {partners_to_ask(rules)} how a business with {people(n)} can "
                "take COR.",
                sources=smw.sources,
            )
        )


def local_name(rules: JurisdictionRules, program: str, class_name: str | None) -> str:
    """A program's name in the jurisdiction (COR with its size class where there is one)."""
    if program == "COR":
        name = rules.cor.local_name.value if rules.cor.local_name else "Certificate of Recognition"
        return f"{name}: {class_name} class" if class_name else name
    if program == "SECOR" and rules.small_employer.local_name:
        return rules.small_employer.local_name.value
    for prog in rules.other_programs:
        if prog.id == program:
            return prog.local_name.value
    return program


def recommend(
    check: Check,
    choice: Choice,
    eligible: list[str],
    class_program: str | None,
    class_name: str | None,
) -> dict[str, str]:
    """State the recommendation as a reason; the local name of each eligible program."""
    rules = check.rules
    rec_local = local_name(rules, choice.program, class_name)
    rec_text = rec_local if choice.program in rec_local else f"{rec_local} ({choice.program})"
    check.reasons.append(
        Reason(
            rule=rule_ref(check.code, "recommendation"),
            text=f"Recommended: {rec_text}.",
            sources=choice.decided_by,
        )
    )
    return {
        pid: local_name(rules, pid, class_name if pid == class_program else None)
        for pid in eligible
    }


def contact_partners(check: Check, program: str, local: str) -> None:
    """Next steps: the partners offering the program (for the industry); say when none fits."""
    rules, trade = check.rules, check.trade
    by_name: dict[str, Sourced] = {p.value.name: p for p in rules.partners}
    found = partners_for(rules.code, trade)
    offering = [p for p in found if program in p.programs]
    for partner in offering or found:
        sourced = by_name[partner.name]
        check.steps.append(
            NextStep(
                text=f"Contact {partner.name} ({', '.join(partner.industries)}) to register for "
                f"{local}: {partner.url}",
                name=partner.name,
                url=partner.url,
                sources=dedupe([partner.url, *sourced.sources]),
            )
        )
    if trade and rules.partners and not any(partner_serves(p.value, trade) for p in rules.partners):
        partner_sources = dedupe([s for p in rules.partners for s in p.sources])
        check.notices.append(
            Notice(
                kind="not_found",
                text=f"No certifying partner for {trade!r} was found in {rules.name}; all its "
                "partners are listed. Ask one of them which partner serves your industry.",
                sources=partner_sources or rules.cor.exists.sources,
            )
        )
