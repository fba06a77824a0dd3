"""Machine-readable COR/SECOR rules per jurisdiction: schema, loader and readable passages.

Every fact in ``corpus/rules/*.yaml`` is a ``Sourced`` value: the value itself plus the public
addresses it came from, the date it was last checked and how far it can be trusted. Where
sources disagree, the value the tools use is ``value`` and the other readings are kept in
``alternatives`` (each with its own sources), so the assistant can tell the user to confirm.

A source is an ``http(s)://`` address, or one of the named sources in
``assistant.corpus.NAMED_SOURCES`` (the industry article the product starts from, which carries
no address of its own).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from assistant.errors import CorpusError
from assistant.jurisdictions import JURISDICTIONS, NAMES, NATIONAL

T = TypeVar("T")

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[1] / "corpus" / "rules"
# libyaml when PyYAML was built with it (the wheels are), else the pure-Python safe loader.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RULE_FILES: tuple[str, ...] = (*(code.lower() for code in JURISDICTIONS), NATIONAL)

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
    from assistant.corpus import NAMED_SOURCES

    ref = ref.strip()
    if ref.startswith(("https://", "http://")) and len(ref) > 10 and " " not in ref:
        return ref
    if ref in NAMED_SOURCES:  # the seed article, which has no web address (see corpus.py)
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
        return _dedupe(out)


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


class Cycle(_Strict):
    validity_years: int = Field(ge=1, le=10)
    maintenance_years: list[int]
    # certificate_year: each maintenance audit falls due within that year of the certificate;
    # calendar_year: it must be completed before the end of the calendar year.
    due_rule: Literal["certificate_year", "calendar_year"] = "certificate_year"
    maintenance_audit: str
    recertification_audit: str


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


# ---- loading -------------------------------------------------------------------------------


def _format_error(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    msg = first["msg"]
    if first["type"] == "missing" and str(first["loc"][-1]) in {
        "sources",
        "last_verified",
        "confidence",
    }:
        msg += " (every rule value needs sources, last_verified and confidence)"
    elif first["type"] == "model_type":
        msg += " (a rule value is a mapping with value, sources, last_verified, confidence)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{path}: {loc}: {msg}{more}"


def load_rules_file(path: Path) -> JurisdictionRules:
    """Load and validate one rules file.

    Raises:
        CorpusError: the file is missing, is not YAML, or breaks the schema; the message names
            the file and the field path.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read rules file ({exc.strerror})") from None
    try:
        # libyaml's parser, same safe semantics: 0.4 s instead of 4.7 s for the 15 files on a
        # loaded 2-core machine (measured 2026-12-02), paid by every question-answering start.
        data = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise CorpusError(f"{path}:{where} is not valid YAML") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: a rules file must be a mapping at the top level")
    try:
        rules = JurisdictionRules.model_validate(data)
    except ValidationError as exc:
        raise CorpusError(_format_error(path, exc)) from None
    if rules.code.lower() != path.stem.lower():
        raise CorpusError(f"{path}: code {rules.code!r} does not match the file name")
    return rules


def _folder_signature(rules_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of each rules file: an edited file is read again."""
    signature = []
    for stem in RULE_FILES:
        try:
            info = (rules_dir / f"{stem}.yaml").stat()
        except OSError:
            signature.append((stem, -1, -1))
            continue
        signature.append((stem, info.st_size, info.st_mtime_ns))
    return tuple(signature)


# Folders (with their file signature) that failed to load, and why.
_BROKEN: dict[tuple[Path, tuple[tuple[str, int, int], ...]], str] = {}


@lru_cache(maxsize=8)
def _load_dir(
    rules_dir: Path, signature: tuple[tuple[str, int, int], ...]
) -> dict[str, JurisdictionRules]:
    del signature  # part of the cache key only
    loaded: dict[str, JurisdictionRules] = {}
    for stem in RULE_FILES:
        path = rules_dir / f"{stem}.yaml"
        if not path.exists():
            raise CorpusError(f"{path}: rules file missing")
        rules = load_rules_file(path)
        loaded[rules.code] = rules
    return loaded


def load_rules(rules_dir: Path | str | None = None) -> dict[str, JurisdictionRules]:
    """Load every rules file (13 jurisdictions and ``national``), validated and cached.

    Args:
        rules_dir: folder with the YAML files; default: the configured corpus's rules
            (``CORGUIDE_CORPUS_DIR``, or the corpus of the `Assistant` answering), or the last
            good copy saved by ingest when those are broken (see ``assistant.rules_store``).

    Returns:
        Rules keyed by code (``"AB"`` ... ``"NU"``, ``"national"``), in ``JURISDICTIONS`` order.

    Raises:
        CorpusError: a file is missing or invalid (the message names the file and field).
    """
    if rules_dir is None:
        from assistant.rules_store import served_rules

        return dict(served_rules().rules)
    folder = Path(rules_dir).resolve()
    key = (folder, _folder_signature(folder))
    if key in _BROKEN:  # a broken folder is not parsed again on every tool call
        raise CorpusError(_BROKEN[key])
    try:
        return dict(_load_dir(*key))
    except CorpusError as exc:
        _BROKEN[key] = str(exc)
        raise


def rules_for(code: str, rules_dir: Path | str | None = None) -> JurisdictionRules:
    """The rules of one jurisdiction (a code from ``JURISDICTIONS`` or ``national``)."""
    return load_rules(rules_dir)[code]


def _norm_industry(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("&", "and").split())


ANY_INDUSTRY = "any industry"


# Everyday trade words -> the industry names partners use (not province-specific).
INDUSTRY_SYNONYMS: dict[str, str] = {
    "roofing": "construction",
    "roofer": "construction",
    "framing": "construction",
    "excavation": "construction",
    "concrete": "construction",
    "electrical": "construction",
    "electrician": "construction",
    "plumbing": "construction",
    "drywall": "construction",
    "carpentry": "construction",
    "masonry": "construction",
    "demolition": "construction",
    "renovation": "construction",
    "contractor": "construction",
    "builder": "construction",
    "paving": "road building",
    "trucking": "trucking",
    "truck": "trucking",
    "hauling": "trucking",
    "transport": "transportation",
    "oilfield": "oil and gas",
    "pipeline": "oil and gas",
    "drilling": "oil and gas",
    "hotel": "hospitality",
    "restaurant": "hospitality",
    "farm": "agriculture",
    "ranch": "agriculture",
    "logging": "forestry",
    "municipality": "municipal",
}


def _wanted_terms(industry: str) -> list[str]:
    wanted = _norm_industry(industry)
    terms = [wanted]
    for word in wanted.split():
        base = word[:-1] if word.endswith("s") and word[:-1] in INDUSTRY_SYNONYMS else word
        if base in INDUSTRY_SYNONYMS:
            terms.append(INDUSTRY_SYNONYMS[base])
    return terms


def _matches_specific(partner: Partner, industry: str) -> bool:
    terms = _wanted_terms(industry)
    return any(
        _norm_industry(ind) in term or term in _norm_industry(ind)
        for ind in partner.industries
        if ind != ANY_INDUSTRY
        for term in terms
    )


def partner_serves(partner: Partner, industry: str) -> bool:
    """Whether a partner serves an industry (partners open to any industry serve all)."""
    return ANY_INDUSTRY in partner.industries or _matches_specific(partner, industry)


def partners_for(
    code: str, industry: str | None = None, rules_dir: Path | str | None = None
) -> list[Partner]:
    """The certifying partners to ask, for an industry when one is given.

    A partner matches when the industry text and one of its industries contain each other
    (``"roofing construction"`` matches ``construction``); partners open to any industry come
    after the specific matches. With no match, or no industry, all partners of the jurisdiction
    are returned (in BC an employer without a partner in its industry is assigned to the
    closest one).

    Example:
        >>> [p.name for p in partners_for("ON")]
        ['Infrastructure Health & Safety Association (IHSA)']
    """
    partners = [p.value for p in rules_for(code, rules_dir).partners]
    if not industry or not _norm_industry(industry):
        return partners
    specific = [p for p in partners if _matches_specific(p, industry)]
    # Partners open to every industry are always worth naming, after the specific ones.
    general = [p for p in partners if ANY_INDUSTRY in p.industries and p not in specific]
    return specific + general if specific or general else partners


def partner_counting_for(
    code: str, industry: str | None, rules_dir: Path | str | None = None
) -> list[Sourced[PartnerCounting]]:
    """The counting rules of the partners that serve an industry (empty: partner not known).

    Only partners whose own industries match count (not "any industry" partners, and not the
    fallback to every partner), so an empty list means the tools cannot tell the partner.

    Example:
        >>> [pc.value.partner for pc in partner_counting_for("BC", "trucking")]
        ['SafetyDriven (Trucking Safety Council of BC)']
        >>> partner_counting_for("BC", None)
        []
    """
    rules = rules_for(code, rules_dir)
    if not industry or not _norm_industry(industry):
        return []
    by_name = {p.value.name: p.value for p in rules.partners}
    return [
        pc
        for pc in rules.small_employer.partner_counting
        if _matches_specific(by_name[pc.value.partner], industry)
    ]


def short_partner_name(name: str) -> str:
    """A partner's short name: its acronym in brackets, else the name before any bracket.

    Example:
        >>> short_partner_name("BC Construction Safety Alliance (BCCSA)")
        'BCCSA'
        >>> short_partner_name("SafetyDriven (Trucking Safety Council of BC)")
        'SafetyDriven'
    """
    head, _, rest = name.partition(" (")
    inner = rest.rstrip(")")
    if inner and inner.isupper() and " " not in inner:
        return inner
    return head


def counting_phrase(counting: Counting) -> str:
    """What is counted, in a few plain words (``"full-time equivalents (FTEs)"``)."""
    if counting.basis == "fte":
        return (
            "full-time equivalents (FTEs): annual payroll hours divided by "
            f"{counting.fte_hours_per_year:,}"
        )
    if counting.basis == "headcount_peak":
        return "people working for the business at its busiest (peak) time"
    if counting.basis == "headcount_any_time":
        return "people working for the business at any one time"
    return "employees (a headcount, not payroll hours)"


# ---- readable passages ---------------------------------------------------------------------


class RulePassage(BaseModel):
    """One readable paragraph rendered from the rules, ingested into the search index."""

    doc_id: str
    title: str
    jurisdiction: str
    section: str
    text: str
    sources: list[str]
    last_verified: str
    programs: list[str]
    topics: list[Topic]


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _money(amount: float) -> str:
    return f"${amount:,.0f}" if float(amount).is_integer() else f"${amount:,.2f}"


def _pct(value: float) -> str:
    return f"{value:g}%"


class _PassageBuilder:
    def __init__(self, rules: JurisdictionRules) -> None:
        self.rules = rules
        self.place = "Canada (national level)" if rules.code == NATIONAL else rules.name
        self.passages: list[RulePassage] = []

    def add(
        self,
        section: str,
        sentences: list[str],
        values: list[Sourced[Any]],
        topics: list[str],
        programs: list[str],
    ) -> None:
        sources = _dedupe([s for v in values for s in v.all_sources()])
        verified = max(v.last_verified for v in values).isoformat()
        body = " ".join(s.strip() for s in sentences if s and s.strip())
        text = f"{body}\nSources: {', '.join(sources)}"
        code = self.rules.code.lower()
        self.passages.append(
            RulePassage(
                doc_id=f"rules-{code}",
                title=f"{self.place} rules (machine-readable)",
                jurisdiction=self.rules.code if self.rules.code != NATIONAL else NATIONAL,
                section=section,
                text=text,
                sources=sources,
                last_verified=verified,
                programs=programs,
                topics=topics,  # type: ignore[arg-type]
            )
        )


def _confidence_sentence(value: Sourced[Any]) -> str:
    if value.confidence == "low":
        return "This rests on a secondary or dated source, so confirm it before relying on it."
    return ""


def render_passages(rules: JurisdictionRules) -> list[RulePassage]:
    """Render one jurisdiction's rules as short question-headed passages for the index.

    Each passage states the values with their numbers in plain sentences and ends with a
    ``Sources:`` line.

    Example:
        >>> from assistant.rules import rules_for
        >>> passages = render_passages(rules_for("MB"))
        >>> passages[1].section
        'What is the SECOR worker limit in Manitoba?'
        >>> passages[1].text.splitlines()[0][:64]
        'In Manitoba the small-employer program (SECOR) is for employers '
    """
    b = _PassageBuilder(rules)
    place = b.place
    cor = rules.cor
    se = rules.small_employer

    # Overview or no-program.
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
        sentences.append(_confidence_sentence(cor.exists))
        b.add(f"Does {place} have COR and SECOR?", sentences, vals, ["overview"], rules.program_ids)
    elif rules.no_program_advice:
        sentences = [
            f"No COR program was found for {place}.",
            cor.exists.note or "",
            rules.no_program_advice.value,
            _confidence_sentence(cor.exists),
        ]
        b.add(
            f"Is there a COR program in {place}?",
            sentences,
            [cor.exists, rules.no_program_advice],
            ["overview", "no-program"],
            [],
        )

    # Small-employer limit.
    if se.exists.value and se.worker_limit and se.local_name:
        limit = se.worker_limit
        sentences = [
            f"In {place} the small-employer program (SECOR) is for employers with "
            f"{limit.value.phrase()} workers; its local name is {se.local_name.value}."
        ]
        vals = [se.local_name, limit]
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
    if se.partner_counting:
        sentences = [
            f"For the SECOR limit in {place}, how workers are counted depends on the certifying "
            "partner, which is set by your industry."
        ]
        for pc in se.partner_counting:
            v = pc.value
            sentences.append(
                f"{v.partner} ({', '.join(_partner_industries(rules, v.partner))}) counts "
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
    elif se.counting:
        c = se.counting.value
        counted = c.included()
        basis = counting_phrase(c)
        sentences = [f"For the SECOR limit in {place}, workers are counted as {basis}."]
        if counted:
            sentences.append(f"The count includes {_join_and(counted)}.")
        if c.subcontractors is False:
            sentences.append("Subcontractors are not counted.")
        if c.lookback_months:
            sentences.append(
                f"The limit applies at any time in the past {c.lookback_months} months."
            )
        if c.excluded:
            sentences.append(f"Not counted: {', '.join(c.excluded)}.")
        if se.counting.note:
            sentences.append(se.counting.note)
        b.add(
            f"Who counts towards the SECOR limit in {place}?",
            sentences,
            [se.counting],
            ["worker-count", "eligibility"],
            ["SECOR"],
        )
    if not se.exists.value and cor.exists.value and rules.code != NATIONAL:
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

    for prog in rules.other_programs:
        cond = prog.conditions.value
        sentences = [
            f"{prog.local_name.value} (program id {prog.id}) is a {place} certificate.",
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

    if rules.size_classes:
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
            _dedupe([c.program_id for c in rules.size_classes.value]),
        )

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
    if mark_vals or gate:
        sentences = []
        if not audit.pass_marks:
            sentences.append(
                f"No pass mark for the certification (external) audit in {place} was found in "
                f"the public sources; ask {_partner_names(rules)} for it."
            )
        if gate:
            gm = gate.value
            lead = "Consultants report that, before" if gate.confidence == "low" else "Before"
            s = (
                f"{lead} the external audit goes ahead in {place}, the internal audit must score "
                f"at least {_pct(gm.overall)} overall"
            )
            if gm.per_element is not None:
                s += f" and at least {_pct(gm.per_element)} on every element"
            if gm.legislated_items is not None:
                s += f", with {_pct(gm.legislated_items)} on legislated items"
            sentences.append(
                s + ". This is a gate before the external audit, not the certificate's pass mark."
            )
            if gate.note:
                sentences.append(gate.note)
            sentences.append(_confidence_sentence(gate))
        for label, v in mark_vals:
            pm = v.value
            lead = "The rules assume that a" if v.confidence == "low" else "A"
            s = f"{lead} {label} in {place} passes with at least {_pct(pm.overall)} overall"
            if pm.per_element is not None:
                s += f" and at least {_pct(pm.per_element)} on every element"
            if pm.legislated_items is not None:
                s += f", with {_pct(pm.legislated_items)} on legislated items"
            sentences.append(s + ".")
            if v.note:
                sentences.append(v.note)
            sentences.append(_confidence_sentence(v))
        b.add(
            f"What are the COR audit pass marks in {place}?",
            sentences,
            [
                *(v for _, v in mark_vals),
                *([gate] if gate else []),
                *([] if audit.pass_marks else [cor.exists]),
            ],
            ["pass-marks", "audit"],
            rules.program_ids,
        )
    elif cor.exists.value and rules.code != NATIONAL:
        sentences = [
            f"No pass marks specific to {place} were found in the public sources.",
            f"Ask {_partner_names(rules)} for the current marks.",
        ]
        b.add(
            f"What are the COR audit pass marks in {place}?",
            sentences,
            [cor.exists],
            ["pass-marks", "no-program"],
            rules.program_ids,
        )
    if audit.cycle:
        cy = audit.cycle.value
        years = _join_and([str(y) for y in cy.maintenance_years])
        plural = "s" if len(cy.maintenance_years) > 1 else ""
        sentences = [
            f"In {place} a COR is valid for {cy.validity_years} years.",
            f"In year{plural} {years} the employer completes a {cy.maintenance_audit} each year."
            if cy.maintenance_years
            else "",
            f"Before the certificate expires, a {cy.recertification_audit} renews it.",
        ]
        if cy.due_rule == "calendar_year":
            sentences.append("Each audit must be completed before the end of the calendar year.")
        if audit.cycle.note:
            sentences.append(audit.cycle.note)
        b.add(
            f"How often are COR audits due in {place}?",
            sentences,
            [audit.cycle],
            ["audit", "roadmap"],
            rules.program_ids,
        )
    if audit.elements:
        els = audit.elements.value
        sentences = [
            f"The {place} audit covers {len(els)} elements: {', '.join(els)}.",
            audit.elements.note or "",
            _confidence_sentence(audit.elements),
        ]
        b.add(
            f"What elements does a COR audit cover in {place}?",
            sentences,
            [audit.elements],
            ["elements", "audit"],
            rules.program_ids,
        )

    if rules.partners:
        names = [
            f"{p.value.name} ({', '.join(p.value.industries)}; {p.value.url})"
            for p in rules.partners
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

    for inc in rules.incentives:
        sentences = [_describe_incentive(inc, place)]
        vals = [inc.name]
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

    if rules.procurement:
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
    if rules.training:
        sentences = [f"{t.value.program}: {t.value.text}" for t in rules.training]
        b.add(
            f"What training do COR and SECOR need in {place}?",
            sentences,
            list(rules.training),
            ["training"],
            _dedupe([t.value.program for t in rules.training]),
        )
    if rules.costs:
        sentences = [_describe_cost(c.value) for c in rules.costs]
        sentences.append("These figures are indicative; confirm current fees with the partner.")
        b.add(
            f"What does COR or SECOR cost in {place}?",
            sentences,
            list(rules.costs),
            ["costs"],
            _dedupe([c.value.program for c in rules.costs]),
        )
    if rules.reciprocity:
        b.add(
            f"How does COR reciprocity work in {place}?",
            [rules.reciprocity.value, rules.reciprocity.note or ""],
            [rules.reciprocity],
            ["reciprocity"],
            ["COR"],
        )
    if rules.notes:
        sentences = []
        for note in rules.notes:
            sentences += [note.value, note.note or "", _confidence_sentence(note)]
        b.add(
            f"What else should employers know about COR in {place}?",
            sentences,
            list(rules.notes),
            ["overview"],
            rules.program_ids or ["COR"],
        )
    return b.passages


def _partner_names(rules: JurisdictionRules) -> str:
    names = [p.value.name for p in rules.partners]
    return " or ".join(names) if names else "the provincial workers' compensation board"


def _partner_industries(rules: JurisdictionRules, name: str) -> list[str]:
    return next((p.value.industries for p in rules.partners if p.value.name == name), [])


def _describe_incentive(inc: IncentiveRule, place: str) -> str:
    p = inc.params.value if inc.params else {}
    programs = "/".join(inc.programs)
    kind = inc.kind
    if kind == "percent_of_base_assessment_with_floor":
        return (
            f"The {inc.name.value} in {place} for {programs} is {_pct(p['percent'])} of the "
            f"base-rate assessment: payroll / {p['payroll_unit']:g} x base rate x "
            f"{_pct(p['percent'])}. Small employers with a total assessment up to "
            f"{_money(p['floor_max_assessment'])} get at least {_pct(p['floor_percent'])} of "
            f"their total assessment, up to {_money(p['floor_cap'])}."
        )
    if kind == "greater_of_percent_or_floor_capped":
        return (
            f"The {inc.name.value} in {place} for {programs} is the greater of "
            f"{_pct(p['percent'])} of premium or {_money(p['floor'])}, capped at "
            f"{_pct(p['cap_percent'])} of premium."
        )
    if kind == "first_year_then_later_percent":
        return (
            f"The {inc.name.value} in {place} for {programs} refunds "
            f"{_pct(p['first_year_percent'])} in the first year of certification and "
            f"{_pct(p['later_year_percent'])} in each later year the certificate is kept."
        )
    if kind == "flat_percent_discount":
        return (
            f"The {inc.name.value} in {place} for {programs} is {_pct(p['percent'])} of the "
            f"annual premium (assessment)."
        )
    return f"No WCB incentive formula for {programs} was found for {place}: {inc.name.value}."


def _describe_cost(c: CostItem) -> str:
    unit = {
        "once": "",
        "per_year": " a year",
        "per_day": " a day",
        "per_person": " per person",
        "per_certification": " per certification",
        "ratio": "",
    }[c.unit]
    if c.amount is None:
        return f"{c.program}: {c.label}."
    if c.unit == "ratio":
        return f"{c.program}: {c.label}."
    amount = _money(c.amount)
    if c.amount_max is not None:
        amount += f" to {'more than ' if c.max_open else ''}{_money(c.amount_max)}"
    classes = f" ({', '.join(c.size_classes)})" if c.size_classes else ""
    return f"{c.program}{classes}: {c.label}, {amount}{unit}."


__all__ = [
    "Alternative",
    "AuditRules",
    "CorProgram",
    "CostItem",
    "Counting",
    "Cycle",
    "DEFAULT_RULES_DIR",
    "IncentiveRule",
    "JurisdictionRules",
    "NAMES",
    "OtherProgram",
    "Partner",
    "PartnerCounting",
    "PassMarks",
    "ProcurementRule",
    "RulePassage",
    "SizeClass",
    "SmallEmployerProgram",
    "Sourced",
    "WorkerLimit",
    "load_rules",
    "load_rules_file",
    "counting_phrase",
    "partner_counting_for",
    "partner_serves",
    "partners_for",
    "render_passages",
    "rules_for",
    "short_partner_name",
]
