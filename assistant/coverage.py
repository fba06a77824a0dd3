"""The README's Coverage table, generated from the rules so it cannot drift from them.

Run ``python -m assistant.coverage`` to print it; a test checks that the README holds it.
"""

from __future__ import annotations

from assistant.jurisdictions import JURISDICTIONS
from assistant.rules import JurisdictionRules, PassMarks, load_rules


def _limit(rules: JurisdictionRules) -> str:
    small = rules.small_employer
    if not rules.cor.exists.value:
        return "no COR program found"
    if not small.exists.value or small.worker_limit is None:
        return "none found (one COR for all sizes)"
    limit = small.worker_limit.value
    name = small.local_name.value if small.local_name else "SECOR"
    bound = f"{limit.max} or fewer" if limit.inclusive else f"fewer than {limit.max}"
    basis = small.counting.value.basis if small.counting else ""
    unit = " FTEs" if basis == "fte" else " workers"
    return f"{name}: {bound}{unit}"


def _marks(marks: PassMarks | None) -> str:
    if marks is None:
        return "not found"
    text = f"{marks.overall:g}% overall"
    if marks.per_element is not None:
        text += f", {marks.per_element:g}% per element"
    return text


def _incentive(rules: JurisdictionRules) -> str:
    # kind "none" entries explain what exists instead (NS: a rebate whose rate was not found).
    names = [i.name.value for i in rules.incentives if i.kind != "none"]
    return "; ".join(names) or "no formula found"


def _confidence(rules: JurisdictionRules) -> str:
    levels = [rules.cor.exists.confidence]
    if rules.small_employer.worker_limit:
        levels.append(rules.small_employer.worker_limit.confidence)
    if rules.audit.pass_marks:
        levels.append(rules.audit.pass_marks.confidence)
    order = {"low": 0, "medium": 1, "high": 2}
    return min(levels, key=order.__getitem__)


def coverage_table() -> str:
    """Markdown: jurisdiction, small-employer limit, pass marks, incentive, confidence."""
    rules = load_rules()
    header = ["Jurisdiction", "Small-employer program and limit", "Pass marks", "WCB incentive"]
    rows = ["| " + " | ".join([*header, "Confidence"]) + " |", "|---|---|---|---|---|"]
    for code in JURISDICTIONS:
        r = rules[code]
        marks = r.audit.pass_marks.value if r.audit.pass_marks else None
        rows.append(
            f"| {r.name} ({code}) | {_limit(r)} | {_marks(marks)} | {_incentive(r)} "
            f"| {_confidence(r)} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(coverage_table())
