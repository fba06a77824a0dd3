"""The rules schema: every COR/SECOR fact per jurisdiction, as a ``Sourced`` value.

Every fact in ``corpus/rules/*.yaml`` is a ``Sourced`` value: the value itself plus the public
addresses it came from, the date it was last checked and how far it can be trusted. Where
sources disagree, the value the tools use is ``value`` and the other readings are kept in
``alternatives`` (each with its own sources), so the assistant can tell the user to confirm.

A source is an ``http(s)://`` address, or one of the named sources in
``assistant.knowledge.source_refs.NAMED_SOURCES`` (the industry article the product starts from,
which
carries no address of its own).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from assistant.knowledge.jurisdictions import JURISDICTIONS, NATIONAL
from assistant.knowledge.source_refs import NAMED_SOURCES

T = TypeVar("T")

Confidence = Literal["high", "medium", "low"]
AuditType = Literal["certification", "maintenance", "recertification"]
Topic = Literal[
    "overview",
    "eligibility",
    "worker-count",
    "subcontractors",
    "elements",
    "audit",
    "pass-marks",
    "training",
    "costs",
    "incentives",
    "procurement",
    "reciprocity",
    "roadmap",
    "partners",
    "no-program",
]
ProgramId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]{1,30}$")]


def _check_source(ref: str) -> str:
    ref = ref.strip()
    if ref.startswith(("https://", "http://")) and len(ref) > 10 and " " not in ref:
        return ref
    if ref in NAMED_SOURCES:  # the seed article, which has no web address (see source_refs.py)
        return ref
    raise ValueError(
        f"a source must be an http(s) address or one of the named sources "
        f"{sorted(NAMED_SOURCES)}, got {ref!r}"
    )


SourceRef = Annotated[str, AfterValidator(_check_source)]
SourceList = Annotated[list[SourceRef], Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Alternative(_Strict, Generic[T]):
    """Another reading of a value, from sources that disagree with the one the rules use."""

    value: T
    sources: SourceList
    confidence: Confidence = "low"
    note: str


class Sourced(_Strict, Generic[T]):
    """A rule value with its provenance. The loader refuses a value without sources."""

    value: T
    sources: SourceList
    last_verified: date
    confidence: Confidence
    note: str | None = None
    alternatives: list[Alternative[T]] = Field(default_factory=list)

    def all_sources(self) -> list[str]:
        """The value's sources, then those of its alternatives, without repeats."""
        out = list(self.sources)
        for alt in self.alternatives:
            out.extend(alt.sources)
        return dedupe(out)


# ---- structured values ---------------------------------------------------------------------


class WorkerLimit(_Strict):
    """An explicit size bound: ``{max: 10, inclusive: true}`` means "10 or fewer"."""

    max: int = Field(ge=1)
    inclusive: bool

    def allows(self, workers: float) -> bool:
        return workers <= self.max if self.inclusive else workers < self.max

    @property
    def largest(self) -> int:
        """The largest whole number of workers the bound allows."""
        return self.max if self.inclusive else self.max - 1

    def phrase(self) -> str:
        return f"{self.max} or fewer" if self.inclusive else f"fewer than {self.max}"


class Counting(_Strict):
    """Who counts towards the small-employer limit (None: the sources do not say).

    ``basis``: ``headcount_any_time`` (heads at any one time), ``headcount_peak`` (heads at the
    busiest time), ``headcount`` (heads, with no period stated by the source) or ``fte``
    (full-time equivalents from payroll hours).
    """

    basis: Literal["headcount_any_time", "headcount_peak", "headcount", "fte"]
    owners: bool | None = None
    family: bool | None = None
    part_time: bool | None = None
    casual: bool | None = None
    subcontractors: bool | None = None
    lookback_months: int | None = None
    fte_hours_per_year: int | None = Field(default=None, gt=0)
    excluded: list[str] = Field(default_factory=list)

    def included(self) -> list[str]:
        """Who the sources say counts towards the limit, in plain words."""
        flags = (
            ("owners", self.owners),
            ("family members", self.family),
            ("part-time staff", self.part_time),
            ("casual staff", self.casual),
            ("subcontractors", self.subcontractors),
        )
        return [label for label, flag in flags if flag]

    @model_validator(mode="after")
    def _fte_needs_hours(self) -> Counting:
        if self.basis == "fte" and not self.fte_hours_per_year:
            raise ValueError("an fte basis needs fte_hours_per_year")
        return self


class CorProgram(_Strict):
    exists: Sourced[bool]
    local_name: Sourced[str] | None = None
    administered_by: Sourced[str] | None = None
    # Some official pages describe COR as for employers above a size; see warnings in tools.
    stated_min_workers: Sourced[int] | None = None
    # True: a source calls COR voluntary here (buyers may still require it: see procurement).
    voluntary: Sourced[bool] | None = None


class Cycle(_Strict):
    validity_years: int = Field(ge=1, le=10)
    maintenance_years: list[int]
    # certificate_year: each maintenance audit falls due within that year of the certificate;
    # calendar_year: it must be completed before the end of the calendar year.
    due_rule: Literal["certificate_year", "calendar_year"] = "certificate_year"
    maintenance_audit: str
    recertification_audit: str


class PartnerCounting(_Strict):
    """How one certifying partner words its small-employer limit and counts workers for it.

    Where partners of one jurisdiction count differently (BC: go2HR and BCCSA count full-time
    equivalents, AgSafe and SafetyDriven count employees), the tools follow the partner that
    serves the employer's industry. ``partner`` is the ``name`` of a partner in the same file.
    """

    partner: str
    wording: str
    limit: WorkerLimit
    counting: Counting


class SmallEmployerProgram(_Strict):
    """The SECOR-like program, whatever its local name (program id SECOR).

    ``worker_limit`` and ``counting`` are the jurisdiction's reading; where ``partner_counting``
    is given, each partner's own limit and counting apply, and the jurisdiction's reading is
    only used when the partner is not known. ``all_sizes`` says, in a short phrase and only where
    a source says so, that one COR serves firms of every size (shown in the coverage table).
    """

    exists: Sourced[bool]
    local_name: Sourced[str] | None = None
    worker_limit: Sourced[WorkerLimit] | None = None
    min_workers: Sourced[int] | None = None
    counting: Sourced[Counting] | None = None
    partner_counting: list[Sourced[PartnerCounting]] = Field(default_factory=list)
    audit_method: Sourced[str] | None = None
    outgrowing: Sourced[str] | None = None
    all_sizes: Sourced[str] | None = None
    # The small-employer certificate's own validity and audits, where a source gives them.
    cycle: Sourced[Cycle] | None = None

    @model_validator(mode="after")
    def _existing_needs_limit(self) -> SmallEmployerProgram:
        if self.exists.value and (self.worker_limit is None or self.local_name is None):
            raise ValueError("an existing small-employer program needs local_name and worker_limit")
        return self


class OtherProgramConditions(_Strict):
    """Who fits a jurisdiction-specific certificate.

    ``admin_staff_allowed``: administrative (office) staff do not count towards ``max_workers``
    (Nova Scotia's Owner/Operator: one person with no regular employees except admin staff).
    """

    max_workers: int = Field(ge=0)
    min_workers: int = Field(default=0, ge=0)
    owner_operator_only: bool = False
    no_subcontractors: bool = False
    admin_staff_allowed: bool = False


class OtherProgram(_Strict):
    """A jurisdiction-specific certificate, e.g. Yukon's OCOP or Nova Scotia's Owner/Operator."""

    id: ProgramId
    local_name: Sourced[str]
    conditions: Sourced[OtherProgramConditions]
    description: Sourced[str]


class SizeClass(_Strict):
    id: str
    local_name: str
    min: int = Field(ge=0)
    max: int | None = None
    program_id: ProgramId
    audit: str | None = None

    def contains(self, workers: int) -> bool:
        return workers >= self.min and (self.max is None or workers <= self.max)


class PassMarks(_Strict):
    overall: float = Field(ge=0, le=100)
    per_element: float | None = Field(default=None, ge=0, le=100)
    legislated_items: float | None = Field(default=None, ge=0, le=100)


class AuditRules(_Strict):
    """Audit types, pass marks, cycle and elements.

    ``pass_marks`` is the mark a certification audit must reach (None: not found).
    ``internal_audit_gate`` is not a pass mark for the certificate: it is the score an internal
    audit must reach before the external audit goes ahead (Ontario, from consultants' pages).
    """

    types: Sourced[list[AuditType]] | None = None
    pass_marks: Sourced[PassMarks] | None = None
    internal_audit_gate: Sourced[PassMarks] | None = None
    maintenance_pass_marks: Sourced[PassMarks] | None = None
    recertification_pass_marks: Sourced[PassMarks] | None = None
    secor_pass_marks: Sourced[PassMarks] | None = None
    cycle: Sourced[Cycle] | None = None
    elements: Sourced[list[str]] | None = None


class Partner(_Strict):
    name: str
    industries: list[str] = Field(min_length=1)
    url: SourceRef
    programs: list[ProgramId] = Field(default_factory=lambda: ["COR"])


IncentiveKind = Literal[
    "percent_of_base_assessment_with_floor",
    "greater_of_percent_or_floor_capped",
    "first_year_then_later_percent",
    "flat_percent_discount",
    "none",
]


class IncentiveRule(_Strict):
    id: str
    name: Sourced[str]
    kind: IncentiveKind
    programs: list[ProgramId] = Field(min_length=1)
    params: Sourced[dict[str, float]] | None = None
    conditions: Sourced[str] | None = None

    @model_validator(mode="after")
    def _params_for_kind(self) -> IncentiveRule:
        needed = INCENTIVE_PARAMS[self.kind]
        given = set(self.params.value) if self.params else set()
        missing = needed - given
        if missing:
            raise ValueError(f"incentive kind {self.kind} needs params {sorted(missing)}")
        return self


INCENTIVE_PARAMS: dict[str, set[str]] = {
    "percent_of_base_assessment_with_floor": {
        "percent",
        "payroll_unit",
        "floor_percent",
        "floor_cap",
        "floor_max_assessment",
    },
    "greater_of_percent_or_floor_capped": {"percent", "floor", "cap_percent"},
    "first_year_then_later_percent": {"first_year_percent", "later_year_percent"},
    "flat_percent_discount": {"percent"},
    "none": set(),
}


class IncentiveProgram(_Strict):
    """The program an incentive belongs to (Alberta's PIR): who runs it, whether it is voluntary.

    ``incentives`` are the ids of the incentives it pays, in the same file.
    """

    id: str
    name: str
    run_by: str
    voluntary: bool | None = None
    incentives: list[str] = Field(min_length=1)


class ProcurementRule(_Strict):
    buyer: str
    scope: str
    accepts: list[str] = Field(default_factory=list)
    refuses: list[ProgramId] = Field(default_factory=list)


class Training(_Strict):
    program: ProgramId
    text: str


class CostItem(_Strict):
    program: ProgramId
    label: str
    amount: float | None = Field(default=None, ge=0)
    amount_max: float | None = Field(default=None, ge=0)
    # True when the source gives the upper figure as "more than" (the range is open-ended).
    max_open: bool = False
    unit: Literal["once", "per_year", "per_day", "per_person", "per_certification", "ratio"]
    size_classes: list[str] = Field(default_factory=list)


class JurisdictionRules(_Strict):
    """All the rules for one jurisdiction (or the national file)."""

    code: str
    name: str
    cor: CorProgram
    small_employer: SmallEmployerProgram
    other_programs: list[OtherProgram] = Field(default_factory=list)
    size_classes: Sourced[list[SizeClass]] | None = None
    no_program_advice: Sourced[str] | None = None
    audit: AuditRules = Field(default_factory=AuditRules)
    partners: list[Sourced[Partner]] = Field(default_factory=list)
    incentives: list[IncentiveRule] = Field(default_factory=list)
    incentive_programs: list[Sourced[IncentiveProgram]] = Field(default_factory=list)
    procurement: list[Sourced[ProcurementRule]] = Field(default_factory=list)
    training: list[Sourced[Training]] = Field(default_factory=list)
    costs: list[Sourced[CostItem]] = Field(default_factory=list)
    reciprocity: Sourced[str] | None = None
    # What the sources say about SECOR and managing subcontractors (used by check_eligibility).
    subcontractors: Sourced[str] | None = None
    notes: list[Sourced[str]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> JurisdictionRules:
        if self.code != NATIONAL and self.code not in JURISDICTIONS:
            raise ValueError(f"code must be one of {', '.join(JURISDICTIONS)} or {NATIONAL}")
        if not self.cor.exists.value:
            if self.no_program_advice is None:
                raise ValueError("a jurisdiction without COR needs no_program_advice")
            if self.small_employer.exists.value:
                raise ValueError("a small-employer COR cannot exist without COR")
        partner_names = {p.value.name for p in self.partners}
        for pc in self.small_employer.partner_counting:
            if pc.value.partner not in partner_names:
                raise ValueError(
                    f"partner_counting names {pc.value.partner!r}, which is not in partners"
                )
        incentive_ids = {i.id for i in self.incentives}
        for prog in self.incentive_programs:
            unknown = set(prog.value.incentives) - incentive_ids
            if unknown:
                raise ValueError(
                    f"incentive program {prog.value.id} names unknown incentives {sorted(unknown)}"
                )
        if self.size_classes:
            known = {"COR", "SECOR", *(p.id for p in self.other_programs)}
            for cls in self.size_classes.value:
                if cls.program_id not in known:
                    raise ValueError(
                        f"size class {cls.id} maps to unknown program {cls.program_id}"
                    )
        return self

    @property
    def program_ids(self) -> list[str]:
        ids = []
        if self.cor.exists.value:
            ids.append("COR")
        if self.small_employer.exists.value:
            ids.append("SECOR")
        ids.extend(p.id for p in self.other_programs)
        return ids


def dedupe(items: list[str]) -> list[str]:
    """The items in their first order, without repeats."""
    return list(dict.fromkeys(items))
