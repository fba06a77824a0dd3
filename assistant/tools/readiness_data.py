"""The readiness self-check's data: questions by audit area, and the records rule.

Both files live in ``corpus/readiness/`` beside the rules, and are not guidance: the corpus
ingest reads only ``guidance/*.md`` and ``rules/*.yaml``, so these are never indexed or cited
as passages. Every question and every records figure carries the public sources it was
written from (addresses that also appear in the guidance documents).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import CorpusError
from assistant.knowledge.rules import JurisdictionRules, SourceList
from assistant.knowledge.yaml_strict import YAMLError, load_yaml

READINESS_DIR = Path(__file__).resolve().parents[2] / "corpus" / "readiness"
QUESTIONS_FILE = "questions.yaml"
RECORDS_FILE = "records.yaml"
# The issue asks for at least this many questions per audit element (issue 15).
MIN_QUESTIONS_PER_AREA = 8
# A jurisdiction's own element list names the check's elements only when it finds at least
# this share of the areas; Yukon's rules list only its two new elements (14 and 15), which
# would otherwise leave most questions under names the Yukon tool does not use.
MIN_MAPPED_SHARE = 0.5

Validation = Literal["documentation", "interview", "observation"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    """One self-check question, in corguide's own words."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    text: str = Field(min_length=10)
    points: int = Field(ge=1, le=100)
    validation: list[Validation] = Field(min_length=1)
    evidence: str
    action: str
    legislated: bool = False


class Area(_Strict):
    """An audit area every element list covers, with the words that find it in a list."""

    id: str
    element: str
    matches: list[str] = Field(min_length=1)
    programs: list[str] = Field(min_length=1)
    sources: SourceList
    questions: list[Question]

    @model_validator(mode="after")
    def _enough(self) -> Area:
        if len(self.questions) < MIN_QUESTIONS_PER_AREA:
            raise ValueError(f"area {self.id} needs at least {MIN_QUESTIONS_PER_AREA} questions")
        return self


class QuestionBank(_Strict):
    label: str
    areas: list[Area] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> QuestionBank:
        ids = [q.id for a in self.areas for q in a.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        return self


class OneYearRoute(_Strict):
    """A shorter first certificate some partners give on fewer months of records."""

    jurisdictions: list[str] = Field(min_length=1)
    partner_contains: list[str] = Field(min_length=1)
    programs: list[str] = Field(min_length=1)
    months: int = Field(ge=1, le=24)
    validity_years: int = Field(ge=1, le=5)
    text: str
    sources: SourceList


class RecordsRule(_Strict):
    """How many months of records the first audit needs, and the faster routes."""

    full_months: int = Field(ge=1, le=36)
    full_text: str
    full_sources: SourceList
    one_year: list[OneYearRoute] = Field(default_factory=list)
    other_routes: dict[str, str] = Field(default_factory=dict)
    other_sources: dict[str, SourceList] = Field(default_factory=dict)


def _load(name: str, model: type[BaseModel], folder: Path) -> BaseModel:
    path = folder / name
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise CorpusError(f"{path}:{where} is not valid YAML") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CorpusError(f"{path}: {loc}: {first['msg']}") from None


@lru_cache(maxsize=4)
def question_bank(folder: Path = READINESS_DIR) -> QuestionBank:
    """The validated question bank (cached)."""
    return _load(QUESTIONS_FILE, QuestionBank, folder)  # type: ignore[return-value]


@lru_cache(maxsize=4)
def records_rule(folder: Path = READINESS_DIR) -> RecordsRule:
    """The validated records rule (cached)."""
    return _load(RECORDS_FILE, RecordsRule, folder)  # type: ignore[return-value]


def areas_for(program: str, bank: QuestionBank | None = None) -> list[Area]:
    """The areas a program's check covers (SECOR has no contractor management area)."""
    bank = bank or question_bank()
    return [a for a in bank.areas if program in a.programs]


def element_names(rules: JurisdictionRules, areas: list[Area]) -> tuple[dict[str, str], list[str]]:
    """Name each area after the jurisdiction's own element, where its list finds enough.

    Returns the area id -> element name map, and the jurisdiction's elements the check does
    not cover (so the owner knows to check them in the partner's tool).

    Example:
        >>> from assistant.knowledge.rules import rules_for
        >>> names, left = element_names(rules_for("BC"), areas_for("COR"))
        >>> names["hazard_control"], left
        ('Safe Work Procedures', [])
    """
    listed = list(rules.audit.elements.value) if rules.audit.elements else []
    found: dict[str, str] = {}
    for area in areas:
        for name in listed:
            low = name.lower()
            if name not in found.values() and any(word in low for word in area.matches):
                found[area.id] = name
                break
    if not listed or len(found) < MIN_MAPPED_SHARE * len(areas):
        return {a.id: a.element for a in areas}, []
    names = {a.id: found.get(a.id, a.element) for a in areas}
    left = [name for name in listed if name not in found.values()]
    return names, left
