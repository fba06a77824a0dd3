"""The readiness self-check: questions by audit element, scored with the partner's pass rules.

An indicative self-check, not the partner's audit: the questions are corguide's own, written
from the element guidance in the corpus (``corpus/readiness/questions.yaml``). Each element's
projected score is the share of its points earned, and those element scores go through the
same ``score_audit`` the chat and the ``score`` command use, so the pass marks, the
maintenance bar and the per-element rule are the rules data's, never restated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import NAMES, brief, parse_jurisdiction
from assistant.knowledge.rules import partners_for, rules_for
from assistant.tools.eligibility import dedupe
from assistant.tools.readiness_data import Area, Question, areas_for, element_names, question_bank
from assistant.tools.scoring import AuditScoreResult, parse_program, score_audit

Answer = Literal["yes", "partly", "no"]
# Share of a question's points an answer earns. "partly" earns half: corguide's convention for
# an item in place but not yet proven by records, not a partner's rule (partners that allow
# partial points set their own, see how-audits-are-scored.md).
ANSWER_CREDIT: dict[str, float] = {"yes": 1.0, "partly": 0.5, "no": 0.0}


class ReadinessQuestion(BaseModel):
    id: str
    element: str
    text: str
    points: int
    validation: list[str]
    evidence: str
    action: str
    legislated: bool
    sources: list[str]


class PassRule(BaseModel):
    """The marks the check is scored against, straight from the rules data."""

    audit_type: str
    rule: str = ""
    overall: float | None
    per_element: float | None
    legislated_items: float | None
    maintenance_overall: float | None
    maintenance_per_element: float | None
    notes: list[str]
    sources: list[str]


class ReadinessList(BaseModel):
    """The answer of ``readiness_questions``."""

    province: str
    province_name: str
    program: str
    partner: dict[str, str] | None
    label: str
    pass_rule: PassRule
    not_covered: list[str]
    questions: list[ReadinessQuestion]


class ElementProjection(BaseModel):
    element: str
    score: float
    passes: bool | None


class Projection(BaseModel):
    overall: float
    elements: list[ElementProjection]
    passes: bool | None
    rule: str
    maintenance_passes: bool | None
    legislated_passes: bool | None
    legislated_missing: list[str]


class Action(BaseModel):
    element: str
    question_id: str
    action: str
    points_at_risk: float
    evidence: str
    sources: list[str]


class ReadinessResult(BaseModel):
    """The answer of ``score_readiness``."""

    province: str
    province_name: str
    program: str
    partner: dict[str, str] | None
    label: str
    projected: Projection
    actions: list[Action]
    audit: AuditScoreResult
    sources: list[str]


def _check_parts(province: str, program: str, industry: str | None):
    code = parse_jurisdiction(province)
    prog = parse_program(program)
    rules = rules_for(code)
    if prog not in ("COR", "SECOR"):
        raise InputError(f"the readiness check covers COR and SECOR, got {prog}")
    areas = areas_for(prog)
    names, left = element_names(rules, areas)
    offering = [p for p in partners_for(code, industry) if prog in p.programs]
    partner = {"name": offering[0].name, "url": offering[0].url} if offering else None
    return code, prog, areas, names, left, partner


def _question(q: Question, area: Area, element: str) -> ReadinessQuestion:
    return ReadinessQuestion(
        id=q.id,
        element=element,
        text=q.text,
        points=q.points,
        validation=list(q.validation),
        evidence=q.evidence,
        action=q.action,
        legislated=q.legislated,
        sources=list(area.sources),
    )


def _pass_rule(code: str, prog: str, elements: list[str]) -> PassRule:
    """Probe ``score_audit`` for the marks (certification and maintenance) it applies."""
    probe = dict.fromkeys(elements, 100.0)
    cert = score_audit(code, probe, "certification", program=prog)
    maint = score_audit(code, probe, "maintenance", program=prog)
    differs = (maint.overall_mark, maint.per_element_mark) != (
        cert.overall_mark,
        cert.per_element_mark,
    )
    marks = rules_for(code).audit
    legislated = None
    for sourced in (marks.pass_marks, marks.internal_audit_gate, marks.secor_pass_marks):
        if sourced is not None and sourced.value.legislated_items is not None:
            legislated = sourced.value.legislated_items
    # The probe's own verdict ("The overall score 100% meets ...") is not part of the rule.
    notes = [r.text for r in cert.reasons if not r.text.startswith("The overall score")]
    notes += [w.text for w in cert.warnings]
    return PassRule(
        audit_type="certification",
        overall=cert.overall_mark,
        per_element=cert.per_element_mark,
        legislated_items=legislated,
        maintenance_overall=maint.overall_mark if differs else None,
        maintenance_per_element=maint.per_element_mark if differs else None,
        notes=notes,
        sources=dedupe(cert.sources + (maint.sources if differs else [])),
    )


def readiness_questions(
    province: str, program: str = "COR", industry: str | None = None
) -> ReadinessList:
    """The self-check questions for a province and program, with the pass rule they face.

    Raises:
        InputError: an unknown province, or a program other than COR or SECOR.

    Example:
        >>> r = readiness_questions("AB", "SECOR")
        >>> r.pass_rule.overall, r.pass_rule.per_element, len(r.questions) >= 8
        (80.0, 50.0, True)
    """
    code, prog, areas, names, left, partner = _check_parts(province, program, industry)
    questions = [_question(q, a, names[a.id]) for a in areas for q in a.questions]
    rule = _pass_rule(code, prog, [names[a.id] for a in areas])
    return ReadinessList(
        province=code,
        province_name=NAMES[code],
        program=prog,
        partner=partner,
        label=question_bank().label,
        pass_rule=rule.model_copy(update={"rule": _rule_text(rule, prog)}),
        not_covered=left,
        questions=questions,
    )


def parse_answers(
    answers: object, questions: list[ReadinessQuestion], program: str, *, fill_missing: bool
) -> dict[str, str]:
    """Check answers: every question id of the check, each ``yes``, ``partly`` or ``no``.

    Raises:
        InputError: not a mapping, an unknown id, a bad value, or (unless ``fill_missing``,
            which counts an unanswered question as "no") a missing answer.
    """
    if not isinstance(answers, Mapping):
        raise InputError('answers must be a JSON object of question id -> "yes", "partly" or "no"')
    known = {q.id for q in questions}
    out: dict[str, str] = {}
    for key, value in answers.items():
        qid = str(key).strip()
        if qid not in known:
            raise InputError(
                f"unknown question id {brief(key)} for the {program} check "
                "(see corguide readiness --list)"
            )
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in ANSWER_CREDIT:
            raise InputError(f"answer for {qid!r} must be yes, partly or no, got {brief(value)}")
        out[qid] = text
    missing = [q.id for q in questions if q.id not in out]
    if missing and not fill_missing:
        raise InputError(
            f"{len(missing)} question(s) have no answer, first {missing[0]!r}; answer every "
            "question with yes, partly or no"
        )
    return {q.id: out.get(q.id, "no") for q in questions}


def _element_scores(questions: list[ReadinessQuestion], given: dict[str, str]) -> dict[str, float]:
    earned: dict[str, float] = {}
    total: dict[str, float] = {}
    for q in questions:
        total[q.element] = total.get(q.element, 0.0) + q.points
        earned[q.element] = earned.get(q.element, 0.0) + q.points * ANSWER_CREDIT[given[q.id]]
    return {name: round(100 * earned[name] / total[name], 2) for name in total}


def score_readiness(
    province: str,
    answers: Mapping[str, str],
    program: str = "COR",
    industry: str | None = None,
    *,
    fill_missing: bool = False,
) -> ReadinessResult:
    """Score the self-check with the partner's pass rules and rank what to fix first.

    Raises:
        InputError: an unknown province or program, or answers that do not fit the check.

    Example:
        >>> qs = readiness_questions("AB", "SECOR").questions
        >>> r = score_readiness("AB", {q.id: "yes" for q in qs}, "SECOR")
        >>> r.projected.passes, r.projected.overall, r.actions
        (True, 100.0, [])
    """
    listing = readiness_questions(province, program, industry)
    qs = listing.questions
    given = parse_answers(answers, qs, listing.program, fill_missing=fill_missing)
    scores = _element_scores(qs, given)
    cert = score_audit(listing.province, scores, "certification", program=listing.program)
    maint = score_audit(listing.province, scores, "maintenance", program=listing.program)
    rule = listing.pass_rule
    legislated_missing = [q.id for q in qs if q.legislated and given[q.id] != "yes"]
    legislated_ok = None if rule.legislated_items is None else not legislated_missing
    passes = cert.passed
    if passes is not None and legislated_ok is False:
        passes = False
    by_element = {e.name: e for e in cert.elements}
    actions = [
        Action(
            element=q.element,
            question_id=q.id,
            action=q.action,
            points_at_risk=q.points * (1 - ANSWER_CREDIT[given[q.id]]),
            evidence=q.evidence,
            sources=q.sources,
        )
        for q in qs
        if given[q.id] != "yes"
    ]
    order = {q.id: i for i, q in enumerate(qs)}
    actions.sort(
        key=lambda a: (-a.points_at_risk, by_element[a.element].score, order[a.question_id])
    )
    projected = Projection(
        overall=cert.overall_score,
        elements=[
            ElementProjection(element=e.name, score=e.score, passes=e.passed) for e in cert.elements
        ],
        passes=passes,
        rule=_rule_text(rule, listing.program),
        maintenance_passes=maint.passed if rule.maintenance_overall is not None else None,
        legislated_passes=legislated_ok,
        legislated_missing=legislated_missing if rule.legislated_items is not None else [],
    )
    return ReadinessResult(
        province=listing.province,
        province_name=listing.province_name,
        program=listing.program,
        partner=listing.partner,
        label=listing.label,
        projected=projected,
        actions=actions,
        audit=cert,
        sources=dedupe(cert.sources + [s for q in qs for s in q.sources]),
    )


def _rule_text(rule: PassRule, program: str) -> str:
    """The pass rule in words, every figure from the rules data."""
    if rule.overall is None:
        return f"No {program} pass mark was found in the rules data; ask the certifying partner."
    text = f"{rule.overall:g}% overall"
    if rule.per_element is not None:
        text += f" and at least {rule.per_element:g}% on every element"
    if rule.legislated_items is not None:
        text += f", with {rule.legislated_items:g}% on legislated items"
    if rule.maintenance_overall is not None:
        text += f"; maintenance audits {rule.maintenance_overall:g}% overall"
    return text
