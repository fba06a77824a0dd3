"""Thumbs up or down on answers, kept as JSON lines so they can become eval cases.

One vote is one line of ``<data_dir>/feedback.jsonl``. Each line is written with a single
``os.write`` to a file opened with ``O_APPEND``, so the kernel places it at the end of the file
in one piece even when several processes vote at once; a lock keeps threads of this process
from interleaving partial writes should the kernel ever write short. The file is created
readable by its owner only (mode 0o600): it holds what users typed.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from assistant.errors import InputError

Vote = Literal["up", "down"]
_LOCK = threading.Lock()


class VoteRecord(BaseModel):
    """One vote: what was asked, what was answered and cited, and the verdict."""

    question: str
    answer: str
    citations: list[dict[str, Any]] = Field(default_factory=list)
    vote: Vote
    time: str = Field(default_factory=lambda: now_iso())
    province: str | None = None

    @field_validator("vote", mode="before")
    @classmethod
    def _normalize_vote(cls, value: object) -> object:
        if isinstance(value, bool):
            return "up" if value else "down"
        if isinstance(value, str):
            lowered = value.strip().lower()
            return {"like": "up", "dislike": "down", "+1": "up", "-1": "down"}.get(lowered, lowered)
        return value


def now_iso() -> str:
    """The current time in UTC as ISO 8601 with seconds, e.g. ``2025-03-31T14:02:11Z``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_record(record: VoteRecord | dict[str, Any]) -> VoteRecord:
    """Validate a vote given as a dict (or pass a `VoteRecord` through).

    Raises:
        InputError: a field is missing or the vote is not ``up`` or ``down``.

    Example:
        >>> make_record({"question": "q", "answer": "a", "vote": "Like"}).vote
        'up'
    """
    if isinstance(record, VoteRecord):
        return record
    from pydantic import ValidationError

    try:
        return VoteRecord.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "vote"
        raise InputError(f"vote record: {where}: {first['msg']}") from None


def append_vote(path: Path | str, record: VoteRecord | dict[str, Any]) -> VoteRecord:
    """Append one vote as one JSON line; safe across threads and processes.

    Args:
        path: the feedback file (created with mode 0o600 if missing, parents too).
        record: a `VoteRecord` or a dict with question, answer, citations, vote and
            optionally time (ISO UTC; now when absent).

    Returns:
        The record as written.

    Raises:
        InputError: the record is not a valid vote.
        OSError: the file cannot be written.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "feedback.jsonl"
        >>> append_vote(p, {"question": "q", "answer": "a", "vote": "down"}).vote
        'down'
        >>> oct(p.stat().st_mode & 0o777)
        '0o600'
    """
    vote = make_record(record)
    line = (json.dumps(vote.model_dump(mode="json"), ensure_ascii=False) + "\n").encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # A line torn by an earlier crash would swallow this vote: start a fresh line.
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            written = os.write(fd, line)
            if written != len(line):  # never seen on a local disk; better loud than a torn line
                raise OSError(f"short write to {path}: {written} of {len(line)} bytes")
        finally:
            os.close(fd)
    return vote


def read_votes(path: Path | str) -> list[VoteRecord]:
    """Every complete vote in the file, oldest first.

    A last line without its newline (a write cut short by a crash) and lines that are not a
    valid vote are skipped, so one damaged line never hides the others. A missing file has
    no votes.

    Example:
        >>> read_votes("/nonexistent/feedback.jsonl")
        []
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    votes: list[VoteRecord] = []
    lines = data.split(b"\n")
    # The piece after the last newline is either empty or a truncated line: never a vote.
    for raw in lines[:-1]:
        if not raw.strip():
            continue
        try:
            votes.append(VoteRecord.model_validate(json.loads(raw.decode("utf-8"))))
        except (ValueError, UnicodeDecodeError):
            continue
    return votes
