"""Gold evaluation items: load JSON Lines files and validate every line.

The format is documented for users in ``evals/README.md``. Every problem is reported as
``file:line: what is wrong``, so a user writing their own question set can fix it at once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.answering.answer import ConversationState
from assistant.errors import CorguideError
from assistant.knowledge.corpus import slugify
from assistant.knowledge.jurisdictions import JURISDICTIONS

Kind = Literal["single", "multiturn", "conversation", "tool", "refusal", "not_covered"]
# gold: written from the corpus; wild: real questions copied from public pages, the check nobody
# tunes on; dev: more real questions gathered the same way, from other pages, to calibrate on;
# phrasing: gold questions as owners type them; conversation: scripted conversations scored
# turn by turn.
Split = Literal["gold", "wild", "dev", "phrasing", "conversation"]
SPLITS: tuple[str, ...] = ("gold", "wild", "dev", "phrasing", "conversation")
# The splits of questions copied from public pages: each item names its page and the date.
COPIED_SPLITS = ("wild", "dev")
GROUPS = (*JURISDICTIONS, "national", "general")
STATE_FIELDS = tuple(
    f
    for f in ConversationState.model_fields
    if f not in ("last_question", "pending", "asked_for", "understood", "province_from")
)
# The slots a conversation turn may expect, as `ask --conversation` prints them.
TURN_STATE_FIELDS = tuple(ConversationState().slots())
ROUTES = (
    "smalltalk",
    "reset",
    "context",
    "ask",
    "retrieval",
    "tool",
    "both",
    "not_covered",
    "refuse",
)


class DatasetError(CorguideError):
    """A dataset file that cannot be used; the message names the file and line."""


class SourceRef(BaseModel):
    """A passage that answers the item: a document id and one of its ``##`` headings."""

    model_config = ConfigDict(extra="forbid")

    document: str = Field(min_length=1)
    section: str = Field(min_length=1)

    @property
    def chunk_id(self) -> str:
        """The id the index gives this passage (``doc::slug``), as `assistant.knowledge.corpus`
        builds it.

        Example:
            >>> SourceRef(document="alberta", section="What pass mark?").chunk_id
            'alberta::what-pass-mark'
        """
        return f"{self.document}::{slugify(self.section)}"


class ExpectedTool(BaseModel):
    """A decision tool the answer must call, and the result fields it must return."""

    model_config = ConfigDict(extra="forbid")

    name: Literal[
        "check_eligibility", "score_audit", "estimate_incentive", "audit_schedule", "compare_costs"
    ]
    args: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] = Field(default_factory=dict)


class TurnExpect(BaseModel):
    """What one turn of a scripted conversation must do; only the listed keys are checked."""

    model_config = ConfigDict(extra="forbid")

    state: dict[str, Any] = Field(default_factory=dict)
    route: list[str] = Field(default_factory=list)
    refused: bool | None = None
    not_covered: bool | None = None
    asks_for: Literal["province", "workers", "subcontractors"] | None = None
    must_include: list[list[str]] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    tool: ExpectedTool | None = None

    @field_validator("state")
    @classmethod
    def _state(cls, value: dict[str, Any]) -> dict[str, Any]:
        _check_keys(value, TURN_STATE_FIELDS, "state slot(s)")
        return value

    @field_validator("route", mode="before")
    @classmethod
    def _route(cls, value: Any) -> Any:
        value = [value] if isinstance(value, str) else value
        bad = [r for r in value or [] if r not in ROUTES]
        if bad:
            raise ValueError(f"unknown route(s) {', '.join(bad)}; use {', '.join(ROUTES)}")
        return value

    @field_validator("must_include")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        return _check_groups(value)


class Turn(BaseModel):
    """One user message of a scripted conversation and what the answer to it must do."""

    model_config = ConfigDict(extra="forbid")

    say: str = Field(min_length=1)
    expect: TurnExpect = Field(default_factory=TurnExpect)


def _check_keys(value: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    """Refuse keys outside ``allowed``, naming them and the ones that are allowed."""
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(unknown)}; use {', '.join(allowed)}")


def _check_groups(value: list[list[str]]) -> list[list[str]]:
    for group in value:
        if not group or not all(isinstance(p, str) and p.strip() for p in group):
            raise ValueError("each must_include group is a non-empty list of phrasings")
    return value


class EvalItem(BaseModel):
    """One gold item: a question (or a conversation) and what a right answer contains."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=120)
    kind: Kind | None = None
    split: Split = "gold"
    question: str | None = None
    turns: list[str] | list[Turn] | None = None
    jurisdiction: str | None = None
    state: dict[str, Any] = Field(default_factory=dict)
    expected_sources: list[SourceRef] = Field(default_factory=list)
    must_include: list[list[str]] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    expected_tool: ExpectedTool | None = None
    expect_refusal: bool = False
    expect_not_covered: bool = False
    programs: list[Literal["COR", "SECOR"]] = Field(default_factory=list)
    topic: str | None = None
    notes: str | None = None
    # wild and dev items: where the question was copied from, when, and what that page answers
    source_url: str | None = None
    collected: str | None = None
    source_date: str | None = None
    page_answer: str | None = None
    # phrasing items: the gold item this one rewrites
    paraphrase_of: str | None = None

    @field_validator("id")
    @classmethod
    def _id_chars(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]*", value):
            raise ValueError("id may hold only letters, digits and _ . : -")
        return value

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.upper() if value.upper() in JURISDICTIONS else value.lower()
        if code not in GROUPS:
            raise ValueError(f"jurisdiction must be one of {', '.join(GROUPS)} (got {value!r})")
        return code

    @field_validator("must_include")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        return _check_groups(value)

    @field_validator("state")
    @classmethod
    def _state(cls, value: dict[str, Any]) -> dict[str, Any]:
        _check_keys(value, STATE_FIELDS, "state field(s)")
        ConversationState(**value)  # types checked here, the message names the field
        return value

    @model_validator(mode="after")
    def _shape(self) -> EvalItem:
        if (self.question is None) == (self.turns is None):
            raise ValueError("give exactly one of 'question' or 'turns'")
        if self.question is not None and not self.question.strip():
            raise ValueError("question is empty")
        if self.turns is not None and (
            len(self.turns) < 2
            or not all(
                isinstance(t, Turn) or (isinstance(t, str) and t.strip()) for t in self.turns
            )
        ):
            raise ValueError("turns must list two or more non-empty messages")
        if self.split in COPIED_SPLITS and not (self.source_url and self.collected):
            raise ValueError(
                f"a {self.split} item needs source_url and collected (the page and the date)"
            )
        if self.split == "conversation" and not self.scripted:
            raise ValueError("a conversation item lists turns as {say, expect} objects")
        if self.expect_refusal and self.expect_not_covered:
            raise ValueError("an item cannot expect both a refusal and 'not covered'")
        if self.expect_refusal and (self.expected_sources or self.expected_tool):
            raise ValueError("a refusal item cannot expect sources or a tool")
        if self.kind is None:
            self.kind = self.inferred_kind()
        return self

    def inferred_kind(self) -> Kind:
        if self.expect_refusal:
            return "refusal"
        if self.expect_not_covered:
            return "not_covered"
        if self.scripted:
            return "conversation"
        if self.turns is not None:
            return "multiturn"
        if self.expected_tool is not None:
            return "tool"
        return "single"

    @property
    def scripted(self) -> bool:
        """Whether each turn carries its own expectations (the conversation split)."""
        return bool(self.turns) and all(isinstance(t, Turn) for t in self.turns or [])

    @property
    def messages(self) -> list[str]:
        """The user's messages in order (one for a single question)."""
        if self.turns is None:
            return [self.question or ""]
        return [t.say if isinstance(t, Turn) else t for t in self.turns]

    @property
    def turn_expectations(self) -> list[TurnExpect]:
        return [t.expect for t in self.turns or [] if isinstance(t, Turn)]

    @property
    def initial_state(self) -> ConversationState:
        return ConversationState(**self.state)


class Located(BaseModel):
    """An item and where it came from, for error messages and the report."""

    item: EvalItem
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def load_dataset(path: Path | str) -> list[Located]:
    """Read one JSON Lines file of items (blank lines are skipped).

    Raises:
        DatasetError: the file cannot be read, a line is not a JSON object, an item is invalid
            or an id repeats; the message names the file and line.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "mine.jsonl"
        >>> _ = p.write_text('{"id": "q1", "question": "What is SECOR?"}\\n')
        >>> [(x.item.id, x.item.kind, x.line) for x in load_dataset(p)]
        [('q1', 'single', 1)]
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the dataset ({exc})") from None
    items: list[Located] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(raw, dict):
            raise DatasetError(f"{path}:{number}: each line must be a JSON object")
        try:
            item = EvalItem.model_validate(raw)
        except ValidationError as exc:
            label = f" (item {raw['id']!r})" if isinstance(raw.get("id"), str) else ""
            raise DatasetError(f"{path}:{number}{label}: {_first_error(exc)}") from None
        if item.id in seen:
            raise DatasetError(
                f"{path}:{number}: duplicate id {item.id!r} (first on line {seen[item.id]})"
            )
        seen[item.id] = number
        items.append(Located(item=item, file=str(path), line=number))
    if not items:
        raise DatasetError(f"{path}: no items (one JSON object per line)")
    return items


def dataset_files(paths: list[Path] | None, default_dir: Path) -> list[Path]:
    """The files to run: those given (a folder means its ``*.jsonl``), else the default folder.

    Raises:
        DatasetError: a path does not exist, or no ``.jsonl`` file was found.
    """
    found: list[Path] = []
    for path in paths or [default_dir]:
        if path.is_dir():
            found.extend(sorted(path.glob("*.jsonl")))
        elif path.is_file():
            found.append(path)
        else:
            raise DatasetError(f"{path}: no such dataset file or folder")
    if not found:
        raise DatasetError(f"{(paths or [default_dir])[0]}: no .jsonl dataset files found")
    return found


def load_datasets(paths: list[Path]) -> list[Located]:
    """Items from several files; an id may not repeat across files either.

    Raises:
        DatasetError: as `load_dataset`, or an id used in two files.
    """
    items: list[Located] = []
    where: dict[str, str] = {}
    for path in paths:
        for located in load_dataset(path):
            if located.item.id in where:
                raise DatasetError(
                    f"{located.where}: duplicate id {located.item.id!r} "
                    f"(also at {where[located.item.id]})"
                )
            where[located.item.id] = located.where
            items.append(located)
    return items


def check_sources(items: list[Located], chunk_ids: set[str]) -> None:
    """Every expected source must name a passage that exists in the corpus.

    A heading renamed in the corpus would otherwise make an item silently unanswerable.

    Raises:
        DatasetError: naming the first item whose source matches no passage.
    """
    from assistant.evaluation.metrics import source_matches

    for located in items:
        for ref in located.item.expected_sources:
            if not any(source_matches(cid, ref.chunk_id) for cid in chunk_ids):
                raise DatasetError(
                    f"{located.where} (item {located.item.id!r}): expected source "
                    f"{ref.document!r} / {ref.section!r} is not a section of the corpus"
                )
