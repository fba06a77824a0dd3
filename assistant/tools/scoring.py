"""Score a COR/SECOR audit against a jurisdiction's pass marks (overall and per element)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import NAMES, brief, parse_jurisdiction, parse_score
from assistant.knowledge.rules import JurisdictionRules, PassMarks, Sourced, load_rules, rules_for
from assistant.tools.eligibility import Notice, Reason, collect_sources, dedupe, rule_ref

AuditTypeName = Literal["certification", "maintenance", "recertification"]
AUDIT_TYPES: tuple[str, ...] = ("certification", "maintenance", "recertification")
MAX_ELEMENTS = 60


class ElementScore(BaseModel):
    """One element's score against the per-element mark (None: no per-element mark found)."""

    name: str
    score: float
    mark: float | None
    passed: bool | None
    points_needed: float


class AuditScoreResult(BaseModel):
    """The answer of ``score_audit``."""

    province: str
    province_name: str
    audit_type: str
    program: str
    marks_found: bool
    passed: bool | None
    overall_score: float
    overall_mark: float | None
    per_element_mark: float | None
    points_needed_overall: float
    elements: list[ElementScore]
    failing_elements: list[str]
    method: str
    reasons: list[Reason]
    warnings: list[Notice]
    sources: list[str]


def parse_audit_type(value: object) -> str:
    """Check an audit type: certification, maintenance or recertification (any case).

    Example:
        >>> parse_audit_type("Maintenance")
        'maintenance'
    """
    if not isinstance(value, str) or value.strip().lower() not in AUDIT_TYPES:
        raise InputError(f"audit type must be one of {', '.join(AUDIT_TYPES)}, got {brief(value)}")
    return value.strip().lower()


def parse_program(value: object) -> str:
    """Check a program id such as COR, SECOR or OCOP (any case).

    Example:
        >>> parse_program("secor")
        'SECOR'
    """
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"program must be a program id such as COR or SECOR, got {brief(value)}")
    text = value.strip().upper().replace(" ", "-")
    if len(text) > 31 or not all(ch.isalnum() or ch == "-" for ch in text):
        raise InputError(f"program must be a program id such as COR or SECOR, got {brief(value)}")
    return text


def parse_element_scores(element_scores: object) -> dict[str, float]:
    """Check element scores: a mapping of element name to a percentage from 0 to 100.

    Example:
        >>> parse_element_scores({"Hazard Control": "85%", " Training ": 40})
        {'Hazard Control': 85.0, 'Training': 40.0}
    """
    if not isinstance(element_scores, Mapping):
        raise InputError("element scores must map element names to scores, e.g. {'Training': 85}")
    if not element_scores:
        raise InputError("give at least one element score, e.g. 'Training=85'")
    if len(element_scores) > MAX_ELEMENTS:
        raise InputError(f"at most {MAX_ELEMENTS} element scores can be given")
    out: dict[str, float] = {}
    for raw_name, raw_score in element_scores.items():
        if not isinstance(raw_name, str) or not raw_name.strip():
            raise InputError(f"element names must be non-empty text, got {brief(raw_name)}")
        name = " ".join(raw_name.split())
        if len(name) > 120:
            raise InputError("element names must be at most 120 characters")
        if name in out:
            raise InputError(f"element {name!r} is given twice")
        out[name] = parse_score(raw_score, name=f"score for {name!r}")
    return out


def _marks_for(
    rules: JurisdictionRules, audit_type: str, program: str
) -> tuple[Sourced[PassMarks] | None, str, list[Reason]]:
    """Pick the pass marks that apply; say so when a fallback is used."""
    audit = rules.audit
    notes: list[Reason] = []
    code = rules.code
    if program == "SECOR" and audit.secor_pass_marks is not None:
        return audit.secor_pass_marks, "audit.secor_pass_marks", notes
    specific = {
        "maintenance": (audit.maintenance_pass_marks, "audit.maintenance_pass_marks"),
        "recertification": (audit.recertification_pass_marks, "audit.recertification_pass_marks"),
    }.get(audit_type)
    if specific and specific[0] is not None:
        return specific[0], specific[1], notes
    gate = audit.internal_audit_gate
    if audit.pass_marks is None and gate is not None and audit_type == "certification":
        # No pass mark for the external audit was found; what is known is the score the
        # internal audit must reach before the external audit goes ahead (Ontario).
        notes.append(
            Reason(
                rule=rule_ref(code, "audit.internal_audit_gate"),
                text=f"No pass mark for the external audit was found for {rules.name}; the "
                "scores were checked against the gate the internal audit must pass before the "
                "external audit goes ahead.",
                sources=gate.sources,
            )
        )
        return gate, "audit.internal_audit_gate", notes
    if audit.pass_marks is not None and audit_type != "certification":
        notes.append(
            Reason(
                rule=rule_ref(code, "audit.pass_marks"),
                text=f"No separate {audit_type} pass mark was found for {rules.name}, so the "
                "certification pass marks are used.",
                sources=audit.pass_marks.sources,
            )
        )
    return audit.pass_marks, "audit.pass_marks", notes


@dataclass(frozen=True)
class _Audit:
    """A checked request: the jurisdiction's rules, the audit type, program and scores."""

    code: str
    kind: str
    program: str
    scores: dict[str, float]
    rules: JurisdictionRules

    @property
    def overall(self) -> float:
        return round(sum(self.scores.values()) / len(self.scores), 2)


def _parse_audit(
    jurisdiction: object, element_scores: object, audit_type: object, program: object
) -> _Audit:
    """Check every input, and that some jurisdiction's rules name the program."""
    code = parse_jurisdiction(jurisdiction)
    kind = parse_audit_type(audit_type)
    prog = parse_program(program)
    scores = parse_element_scores(element_scores)
    rules = rules_for(code)
    known = sorted({pid for r in load_rules().values() for pid in r.program_ids})
    if prog not in known:  # a typo or made-up id: no jurisdiction's rules name it
        raise InputError(f"unknown program {prog!r}: use one of {', '.join(known)}")
    return _Audit(code=code, kind=kind, program=prog, scores=scores, rules=rules)


def _result(
    a: _Audit,
    marks: PassMarks | None,
    passed: bool | None,
    elements: list[ElementScore],
    needed: float,
    reasons: list[Reason],
    notices: list[Notice],
) -> AuditScoreResult:
    return AuditScoreResult(
        province=a.code,
        province_name=NAMES[a.code],
        audit_type=a.kind,
        program=a.program,
        marks_found=marks is not None,
        passed=passed,
        overall_score=a.overall,
        overall_mark=marks.overall if marks else None,
        per_element_mark=marks.per_element if marks else None,
        points_needed_overall=needed,
        elements=elements,
        failing_elements=[e.name for e in elements if e.passed is False],
        method=f"Overall score = simple average of the {len(a.scores)} element percentages "
        "given; real audits weight elements by their points, so the audit report's total "
        "prevails.",
        reasons=reasons,
        warnings=notices,
        sources=collect_sources(reasons, notices),
    )


def _type_notices(a: _Audit) -> list[Notice]:
    """A warning when the rules list audit types and this one is not among them."""
    types = a.rules.audit.types
    if types is None or a.kind in types.value:
        return []
    return [
        Notice(
            kind="confirm",
            text=f"The {a.rules.name} rules list {', '.join(types.value)} audits, not {a.kind}.",
            sources=types.sources,
        )
    ]


def _no_program_notice(a: _Audit) -> Notice:
    rules = a.rules
    where = rules.small_employer.exists if a.program == "SECOR" else rules.cor.exists
    found = ", ".join(rules.program_ids) or "no COR program"
    return Notice(
        kind="no_program",
        text=f"{a.program} was not found in {rules.name} (programs found: {found}), so there "
        "are no pass marks to score against.",
        sources=where.sources,
    )


def _no_marks_notice(rules: JurisdictionRules) -> Notice:
    partners = " or ".join(p.value.name for p in rules.partners) or "the certifying partner"
    return Notice(
        kind="not_found",
        text=f"No {rules.name} pass marks were found in the public sources, so this audit "
        f"cannot be scored here; ask {partners} for the current marks.",
        sources=rules.cor.exists.sources,
    )


def _unscored(a: _Audit) -> list[ElementScore]:
    return [
        ElementScore(name=n, score=s, mark=None, passed=None, points_needed=0.0)
        for n, s in a.scores.items()
    ]


def _score_elements(scores: dict[str, float], per: float | None) -> list[ElementScore]:
    """Each element against the per-element mark (unscored when there is none)."""
    elements = []
    for name, score in scores.items():
        if per is None:
            elements.append(
                ElementScore(name=name, score=score, mark=None, passed=None, points_needed=0.0)
            )
        else:
            ok = score >= per
            need = 0.0 if ok else round(per - score, 2)
            elements.append(
                ElementScore(name=name, score=score, mark=per, passed=ok, points_needed=need)
            )
    return elements


def _mark_reasons(
    a: _Audit,
    sourced: Sourced[PassMarks],
    ref: str,
    elements: list[ElementScore],
    overall_ok: bool,
    needed: float,
) -> list[Reason]:
    """The marks that apply, the overall verdict, and one reason per failing element."""
    marks, src = sourced.value, sourced.sources
    per = marks.per_element
    mark_text = f"{marks.overall:g}% overall"
    if per is not None:
        mark_text += f" and {per:g}% on every element"
    reasons = [
        Reason(
            rule=ref,
            text=f"A {a.program} {a.kind} audit in {a.rules.name} passes with {mark_text}.",
            sources=src,
        )
    ]
    verdict = "meets" if overall_ok else "is below"
    text = f"The overall score {a.overall:g}% {verdict} the {marks.overall:g}% mark"
    if not overall_ok:
        n = len(a.scores)
        text += (
            f": it needs {needed:g} more points on average, or {round(needed * n, 2):g} "
            f"element points in total across the {n} elements"
        )
    reasons.append(Reason(rule=ref, text=text + ".", sources=src))
    for e in elements:
        if e.passed is False:
            reasons.append(
                Reason(
                    rule=ref,
                    text=f"{e.name} scored {e.score:g}%, below the {per:g}% element mark; it needs "
                    f"{e.points_needed:g} more point{'' if e.points_needed == 1 else 's'}.",
                    sources=src,
                )
            )
    return reasons


def _mark_notices(a: _Audit, sourced: Sourced[PassMarks]) -> list[Notice]:
    """What the marks leave unchecked or uncertain: per-element, legislated items, sources."""
    marks, src = sourced.value, sourced.sources
    notices = []
    if marks.per_element is None:
        notices.append(
            Notice(
                kind="not_found",
                text=f"No per-element mark for a {a.kind} audit was found for {a.rules.name}; "
                "only the overall mark was checked.",
                sources=src,
            )
        )
    if marks.legislated_items is not None:
        notices.append(
            Notice(
                kind="confirm",
                text=f"Legislated items must also score {marks.legislated_items:g}%; check them "
                "separately in the audit tool.",
                sources=src,
            )
        )
    if sourced.confidence == "low" or sourced.note:
        notices.append(
            Notice(
                kind="low_confidence" if sourced.confidence == "low" else "confirm",
                text=sourced.note or "These marks rest on a secondary source; confirm them.",
                sources=src,
            )
        )
    return notices


def score_audit(
    jurisdiction: str,
    element_scores: Mapping[str, float],
    audit_type: str = "certification",
    *,
    program: str = "COR",
) -> AuditScoreResult:
    """Score an audit: pass or fail overall and per element, and the points needed to pass.

    The overall score is the simple average of the element percentages given; real audits
    weight elements by their points, so the audit report's own total prevails.

    Args:
        jurisdiction: a province or territory code, name or abbreviation.
        element_scores: element name -> score in percent (0 to 100).
        audit_type: certification, maintenance or recertification (maintenance marks are used
            where the rules have them, e.g. Alberta's 60%).
        program: COR or SECOR (SECOR marks where the rules have them).

    Returns:
        An ``AuditScoreResult`` with the failing elements and the points each needs.

    Raises:
        InputError: an unknown jurisdiction or audit type, or a score outside 0 to 100.

    Example:
        >>> r = score_audit("AB", {"Hazard Assessment": 90, "Training": 45, "Investigation": 88})
        >>> r.passed, r.overall_score, r.failing_elements, r.elements[1].points_needed
        (False, 74.33, ['Training'], 5.0)
        >>> r.points_needed_overall
        5.67
        >>> score_audit("AB", {"Training": 62}, "maintenance").passed
        True
    """
    a = _parse_audit(jurisdiction, element_scores, audit_type, program)
    notices = _type_notices(a)
    if a.program not in a.rules.program_ids:
        notices.append(_no_program_notice(a))
        return _result(a, None, None, _unscored(a), 0.0, [], notices)
    sourced, path, reasons = _marks_for(a.rules, a.kind, a.program)
    if sourced is None:
        notices.append(_no_marks_notice(a.rules))
        return _result(a, None, None, _unscored(a), 0.0, reasons, notices)
    marks = sourced.value
    elements = _score_elements(a.scores, marks.per_element)
    overall_ok = a.overall >= marks.overall
    needed = 0.0 if overall_ok else round(marks.overall - a.overall, 2)
    passed = overall_ok and all(e.passed is not False for e in elements)
    reasons += _mark_reasons(a, sourced, rule_ref(a.code, path), elements, overall_ok, needed)
    notices += _mark_notices(a, sourced)
    return _result(a, marks, passed, elements, needed, reasons, notices)


__all__ = ["AuditScoreResult", "ElementScore", "dedupe", "parse_audit_type", "score_audit"]
