"""The README's Coverage table, generated from the rules so it cannot drift from them.

Each cell says what the rules file says and no more: "none found" where no small-employer
program was found (with what a source adds, e.g. IHSA's "any size", only where the rules carry
it), the counting of each partner where partners count differently, and "not found" for a pass
mark the sources do not give (Ontario's internal-audit gate is labelled as a gate, not shown as
the pass mark).

Run ``python -m assistant.knowledge.coverage_table`` to print it; a test checks that the README
holds it.
"""

from __future__ import annotations

from assistant.knowledge.jurisdictions import JURISDICTIONS
from assistant.knowledge.rules import JurisdictionRules, PassMarks, load_rules, short_partner_name


def _limit(rules: JurisdictionRules) -> str:
    small = rules.small_employer
    if not rules.cor.exists.value:
        return "no COR program found"
    if not small.exists.value or small.worker_limit is None:
        extra = f" ({small.all_sizes.value})" if small.all_sizes else ""
        return f"none found{extra}"
    limit = small.worker_limit.value
    name = small.local_name.value if small.local_name else "SECOR"
    if small.partner_counting:
        fte = [pc for pc in small.partner_counting if pc.value.counting.basis == "fte"]
        heads = [pc for pc in small.partner_counting if pc.value.counting.basis != "fte"]
        parts = []
        for group, unit in ((fte, "FTEs"), (heads, "employees")):
            if group:
                names = " and ".join(short_partner_name(pc.value.partner) for pc in group)
                parts.append(f"{names} count {unit}")
        return f"{name}: {limit.phrase()}, counted by partner ({'; '.join(parts)})"
    basis = small.counting.value.basis if small.counting else ""
    unit = " FTEs" if basis == "fte" else " workers"
    return f"{name}: {limit.phrase()}{unit}"


def _marks(marks: PassMarks | None) -> str:
    if marks is None:
        return "not found"
    text = f"{marks.overall:g}% overall"
    if marks.per_element is not None:
        text += f", {marks.per_element:g}% per element"
    return text


def _pass_marks(rules: JurisdictionRules) -> str:
    audit = rules.audit
    text = _marks(audit.pass_marks.value if audit.pass_marks else None)
    gate = audit.internal_audit_gate
    if gate is not None:
        g = gate.value
        parts = [f"{g.overall:g}% overall"]
        if g.per_element is not None:
            parts.append(f"{g.per_element:g}% per element")
        if g.legislated_items is not None:
            parts.append(f"{g.legislated_items:g}% on legislated items")
        text += f" (internal-audit gate before the external audit: {', '.join(parts)})"
    return text


def _incentive(rules: JurisdictionRules) -> str:
    # kind "none" entries explain what exists instead (NS: a rebate whose rate was not found).
    names = [i.name.value for i in rules.incentives if i.kind != "none"]
    return "; ".join(names) or "no formula found"


def _confidence(rules: JurisdictionRules) -> str:
    levels = [rules.cor.exists.confidence]
    if rules.small_employer.worker_limit:
        levels.append(rules.small_employer.worker_limit.confidence)
    levels += [pc.confidence for pc in rules.small_employer.partner_counting]
    if rules.audit.pass_marks:
        levels.append(rules.audit.pass_marks.confidence)
    if rules.audit.internal_audit_gate:
        levels.append(rules.audit.internal_audit_gate.confidence)
    order = {"low": 0, "medium": 1, "high": 2}
    return min(levels, key=order.__getitem__)


def coverage_table() -> str:
    """Markdown: jurisdiction, small-employer limit, pass marks, incentive, confidence."""
    rules = load_rules()
    header = ["Jurisdiction", "Small-employer program and limit", "Pass marks", "WCB incentive"]
    rows = ["| " + " | ".join([*header, "Confidence"]) + " |", "|---|---|---|---|---|"]
    for code in JURISDICTIONS:
        r = rules[code]
        rows.append(
            f"| {r.name} ({code}) | {_limit(r)} | {_pass_marks(r)} | {_incentive(r)} "
            f"| {_confidence(r)} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(coverage_table())
