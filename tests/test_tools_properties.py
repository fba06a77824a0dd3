"""Hypothesis properties of the decision tools."""

import json
import math
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import JURISDICTIONS, parse_workers
from assistant.knowledge.rules import rules_for
from assistant.tools import (
    AuditScoreResult,
    CostComparison,
    EligibilityResult,
    IncentiveResult,
    ScheduleResult,
    audit_schedule,
    check_eligibility,
    compare_costs,
    estimate_incentive,
    score_audit,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCE = re.compile(r"^(https?://\S+|industry article: Cor vs Se-Cor \(.*\))$")

codes = st.sampled_from(JURISDICTIONS)
workers = st.one_of(st.integers(0, 60), st.integers(0, 1_000_000))
flags = st.booleans()
hours = st.one_of(st.none(), st.floats(0, 5_000_000, allow_nan=False))
industries = st.one_of(
    st.none(),
    st.sampled_from(["construction", "roofing", "trucking", "hotel", "oil and gas", "fishing"]),
    st.text(max_size=100),
)
money = st.floats(0, 1e9, allow_nan=False, allow_infinity=False)
# Names that differ only in whitespace ("0" and "0\x85") are one element, which score_audit
# refuses as given twice; the valid inputs are dicts whose normalized names are distinct.
scores = st.dictionaries(
    st.text(min_size=1, max_size=30).filter(lambda s: s.strip()),
    st.floats(0, 100, allow_nan=False),
    min_size=1,
    max_size=15,
).filter(lambda d: len({" ".join(k.split()) for k in d}) == len(d))
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


def _sourced_items(result):
    data = result.model_dump()
    found = []

    def walk(obj):
        if isinstance(obj, dict):
            if "sources" in obj and ("text" in obj or "description" in obj):
                found.append(obj)
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(data)
    return found


def _assert_sourced(result):
    items = _sourced_items(result)
    assert items
    for item in items:
        assert item["sources"], item
        assert all(SOURCE.match(s) for s in item["sources"]), item
    assert result.sources and all(SOURCE.match(s) for s in result.sources)


def _round_trip(result, model):
    again = model.model_validate_json(result.model_dump_json())
    assert again == result
    text = json.dumps(result.model_dump(mode="json"))
    assert model.model_validate(json.loads(text)) == result


@SETTINGS
@given(code=codes, n=st.integers(1, 1_000_000))
def test_secor_eligibility_is_monotonic(code, n):
    """SECOR at n implies SECOR at n - 1 (down to a program's own minimum, e.g. NS's 2)."""
    se = rules_for(code).small_employer
    minimum = se.min_workers.value if se.min_workers else 0
    if "SECOR" in check_eligibility(code, n).eligible and n - 1 >= minimum:
        assert "SECOR" in check_eligibility(code, n - 1).eligible


@SETTINGS
@given(code=codes, n=workers, subs=flags, public=flags, owner=flags, h=hours, ind=industries)
def test_no_valid_input_raises_and_everything_is_sourced(code, n, subs, public, owner, h, ind):
    r = check_eligibility(
        code,
        n,
        subcontractors=subs,
        public_contracts=public,
        owner_operator=owner,
        payroll_hours=h,
        industry=ind,
    )
    assert set(r.eligible) <= {"COR", "SECOR", "OCOP", "OWNER-OPERATOR"}
    assert (r.recommended is None) == (not r.eligible)
    assert r.recommended is None or r.recommended in r.eligible
    if subs and r.recommended is not None:
        assert r.recommended == "COR"
    _assert_sourced(r)
    for reason in r.reasons:
        assert reason.rule and reason.text
    _round_trip(r, EligibilityResult)
    again = check_eligibility(
        code,
        n,
        subcontractors=subs,
        public_contracts=public,
        owner_operator=owner,
        payroll_hours=h,
        industry=ind,
    )
    assert again.model_dump() == r.model_dump()


@SETTINGS
@given(
    code=codes,
    element_scores=scores,
    kind=st.sampled_from(["certification", "maintenance", "recertification"]),
    program=st.sampled_from(["COR", "SECOR"]),
)
def test_score_audit_properties(code, element_scores, kind, program):
    r = score_audit(code, element_scores, kind, program=program)
    if r.passed is not None:
        assert r.passed == (r.overall_score >= r.overall_mark and not r.failing_elements)
        for e in r.elements:
            if e.passed is False:
                assert math.isclose(e.score + e.points_needed, e.mark, abs_tol=0.01)
    _assert_sourced(r)
    _round_trip(r, AuditScoreResult)
    assert score_audit(code, element_scores, kind, program=program) == r


def test_score_audit_refuses_names_equal_but_for_whitespace():
    with pytest.raises(InputError, match="'Training' is given twice"):
        score_audit("AB", {"Training": 50.0, " Training\x85": 60.0})


@SETTINGS
@given(
    code=codes,
    payroll=money,
    base_rate=st.floats(0, 100, allow_nan=False),
    premium=money,
    first=st.one_of(st.none(), flags),
    program=st.sampled_from([None, "COR", "SECOR"]),
)
def test_estimate_incentive_properties(code, payroll, base_rate, premium, first, program):
    r = estimate_incentive(
        code,
        program=program,
        payroll=payroll,
        base_rate=base_rate,
        premium=premium,
        first_year=first,
    )
    if r.found:
        assert r.amount is not None and r.amount >= 0
        assert all(step.sources for step in r.steps)
    else:
        assert r.amount is None
    _assert_sourced(r)
    _round_trip(r, IncentiveResult)


@SETTINGS
@given(code=codes, day=dates)
def test_audit_schedule_properties(code, day):
    r = audit_schedule(code, day.isoformat())
    dues = [e.due_by for e in r.entries]
    assert dues == sorted(dues)
    for e in r.entries:
        assert e.window_start <= e.due_by and e.due_by >= day
    _assert_sourced(r)
    _round_trip(r, ScheduleResult)


@SETTINGS
@given(code=codes, n=workers, sites=st.integers(0, 100_000))
def test_compare_costs_properties(code, n, sites):
    if sites == 0:  # a business works from at least one place (issue 18: --sites 0 is refused)
        with pytest.raises(InputError, match="sites must be at least 1"):
            compare_costs(code, n, sites)
        return
    r = compare_costs(code, n, sites)
    assert r.indicative is True
    for line in [*r.secor, *r.cor, *r.other]:
        assert line.sources
    if r.secor or r.cor or r.other:
        _assert_sourced(r)
    _round_trip(r, CostComparison)


@SETTINGS
@given(
    st.one_of(
        st.integers(max_value=-1),
        st.integers(min_value=1_000_001),
        st.floats().filter(lambda x: not (math.isfinite(x) and x == int(x))),
        st.booleans(),
        st.text().filter(lambda s: not re.fullmatch(r"\s*\+?[\d,]+(\.0+)?\s*", s)),
    )
)
def test_invalid_workers_always_say_why(value):
    try:
        parse_workers(value)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError(f"{value!r} was accepted")
