"""Thumbs up or down on answers, kept as JSON lines so they can become eval cases.

One vote is one line of ``<data_dir>/feedback.jsonl``. Each line is written with a single
``os.write`` to a file opened with ``O_APPEND`` while holding an exclusive ``flock`` on it, so
votes from several threads or processes never interleave, and a rotation (at
`FEEDBACK_MAX_BYTES` the file becomes ``feedback.jsonl.1``, replacing the previous one) never
loses a line. The file is created readable by its owner only (mode 0o600): it holds what users
typed.

A served chat records a vote only for an answer it gave: `AnswerLog` issues an id with each
answer and keeps the server's own copy of it; a vote names the id, never the text (issue 18).
`VoteDesk` adds a per-client rate limit, and every record has capped field sizes.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.errors import InputError

Vote = Literal["up", "down"]
_LOCK = threading.Lock()

# Field caps of a stored vote. Calibrated on the vote records of 64 eval questions (every
# 4th of single, wild_east and wild_west, answered by the default composer): the largest was
# 3,023 bytes (mean 1,505), with an answer of 2,105 characters, 3 citations and a quote of 856
# characters. Each cap is 5 to 10 times the largest seen, so no real answer is refused, while
# a vote can never be megabytes (the issue's probe stored 20 MB in one).
MAX_QUESTION_CHARS = 10_000  # the server answers at most CORGUIDE_MAX_QUESTION_CHARS (2,000)
MAX_ANSWER_CHARS = 20_000
MAX_CITATIONS = 20
MAX_QUOTE_CHARS = 4_000
MAX_FIELD_CHARS = 500  # source, section, url, province
MAX_VOTE_BYTES = 128 * 1024  # one JSON line; above every field cap added up
# Rotation: at this size the file becomes feedback.jsonl.1 (one rotated file is kept), so the
# votes take at most twice this on disk. At MAX_VOTE_BYTES a line, that is 80 votes or more
# per file; real votes (a few KB) are thousands.
FEEDBACK_MAX_BYTES = 10 * 1024 * 1024
# Per client (IP address): at most VOTES_PER_WINDOW votes in VOTE_WINDOW_SECONDS. A person
# votes once per answer, and an answer takes seconds to read; 20 a minute is far above that,
# and caps a script at 20 * MAX_VOTE_BYTES = 2.5 MB a minute per address.
VOTES_PER_WINDOW = 20
VOTE_WINDOW_SECONDS = 60.0
RATE_TRACKED_CLIENTS = 10_000  # the oldest client's window is forgotten beyond this
# Answers a vote can refer to: the last ANSWER_LOG_CAPACITY answers, for ANSWER_LOG_TTL_SECONDS.
# The heap grew 4.5 KB per answer served (tracemalloc, 120 answers from one client), so a full
# log is about 9 MB; at 4 answers at once of about 1 s each, 2,000 answers are 8 minutes of
# full load, and an owner's vote comes within seconds of the answer.
ANSWER_LOG_CAPACITY = 2_000
ANSWER_LOG_TTL_SECONDS = 3600.0
MAX_ANSWER_ID_CHARS = 64  # ids are secrets.token_urlsafe(16): 22 characters
WEB_SCHEMES = ("https://", "http://")


class VoteCitation(BaseModel):
    """One cited passage as the server showed it: a web address, never a file or a script."""

    model_config = ConfigDict(extra="forbid")

    n: int | None = None
    source: str = Field(max_length=MAX_FIELD_CHARS)
    section: str = Field(max_length=MAX_FIELD_CHARS)
    quote: str = Field(max_length=MAX_QUOTE_CHARS)
    url: str = Field(max_length=MAX_FIELD_CHARS)

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.lower().startswith(WEB_SCHEMES):
            raise ValueError("a citation's url must be an http(s) address")
        return value


class VoteRecord(BaseModel):
    """One vote: what was asked, what was answered and cited, and the verdict."""

    question: str = Field(max_length=MAX_QUESTION_CHARS)
    answer: str = Field(max_length=MAX_ANSWER_CHARS)
    citations: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_CITATIONS)
    vote: Vote
    time: str = Field(default_factory=lambda: now_iso(), max_length=40)
    province: str | None = Field(default=None, max_length=MAX_FIELD_CHARS)
    answer_id: str | None = Field(default=None, max_length=MAX_ANSWER_ID_CHARS)

    @field_validator("citations")
    @classmethod
    def _real_citations(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each citation as the server shows it (`VoteCitation`), kept as a plain dict."""
        return [VoteCitation.model_validate(c).model_dump(exclude_none=True) for c in value]

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


def append_vote(
    path: Path | str,
    record: VoteRecord | dict[str, Any],
    max_bytes: int = FEEDBACK_MAX_BYTES,
) -> VoteRecord:
    """Append one vote as one JSON line; safe across threads and processes.

    When the line would take the file past ``max_bytes``, the file is first renamed to
    ``<name>.1`` (replacing an older one), so the votes never take more than twice that.

    Args:
        path: the feedback file (created with mode 0o600 if missing, parents too).
        record: a `VoteRecord` or a dict with question, answer, citations, vote and
            optionally time (ISO UTC; now when absent).
        max_bytes: the size at which the file is rotated.

    Returns:
        The record as written.

    Raises:
        InputError: the record is not a valid vote, or its line exceeds `MAX_VOTE_BYTES`.
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
    if len(line) > MAX_VOTE_BYTES:
        raise InputError(f"vote record: {len(line):,} bytes is over the {MAX_VOTE_BYTES:,} limit")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = _open_locked(path)
        try:
            size = os.fstat(fd).st_size
            if size and size + len(line) > max_bytes:
                os.replace(path, rotated_path(path))  # under the lock: no writer is mid-line
                os.close(fd)
                fd = _open_locked(path)
                size = os.fstat(fd).st_size
            # A line torn by an earlier crash would swallow this vote: start a fresh line.
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            written = os.write(fd, line)
            if written != len(line):  # never seen on a local disk; better loud than a torn line
                raise OSError(f"short write to {path}: {written} of {len(line)} bytes")
        finally:
            os.close(fd)  # closing the descriptor releases the flock
    return vote


def rotated_path(path: Path | str) -> Path:
    """Where the older votes go when the file is rotated: ``feedback.jsonl.1``."""
    path = Path(path)
    return path.with_name(path.name + ".1")


def _open_locked(path: Path) -> int:
    """The feedback file opened for appending, with an exclusive lock on the current file.

    Another process may rotate the file while this one waits for the lock; the lock is then
    on the renamed file, so it is let go and the new file opened instead.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        opened = os.fstat(fd)
        if current and (current.st_ino, current.st_dev) == (opened.st_ino, opened.st_dev):
            return fd
        os.close(fd)


def read_votes(path: Path | str, rotated: bool = True) -> list[VoteRecord]:
    """Every complete vote in the file (and, with ``rotated``, its rotated file), oldest first.

    A last line without its newline (a write cut short by a crash) and lines that are not a
    valid vote are skipped, so one damaged line never hides the others. A missing file has
    no votes.

    Example:
        >>> read_votes("/nonexistent/feedback.jsonl")
        []
    """
    path = Path(path)
    older = read_votes(rotated_path(path), rotated=False) if rotated else []
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return older
    votes: list[VoteRecord] = older
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


# ---- the served chat's side: answers by id, a rate limit, one entry point -----------------


class AnswerLog:
    """The answers this server gave, by an id issued with each, so a vote can name one.

    Bounded: the last ``capacity`` answers, each for ``ttl_seconds`` after it was given; older
    ones are dropped (a vote on them is refused as unknown).

    Example:
        >>> log = AnswerLog(capacity=2)
        >>> first = log.issue({"question": "q", "answer": "a", "citations": []})
        >>> log.get(first)["answer"], log.get("made-up")
        ('a', None)
    """

    def __init__(
        self,
        capacity: int = ANSWER_LOG_CAPACITY,
        ttl_seconds: float = ANSWER_LOG_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._answers: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self, record: dict[str, Any]) -> str:
        """Keep the server's copy of an answer (question, answer, citations, province); its id."""
        answer_id = secrets.token_urlsafe(16)
        now = self._clock()
        with self._lock:
            self._answers[answer_id] = (now, dict(record))
            self._expire(now)
        return answer_id

    def get(self, answer_id: str) -> dict[str, Any] | None:
        """The answer given under ``answer_id``, or None when unknown or expired."""
        with self._lock:
            self._expire(self._clock())
            entry = self._answers.get(answer_id)
        return None if entry is None else dict(entry[1])

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._answers)

    def _expire(self, now: float) -> None:
        while len(self._answers) > self.capacity:
            self._answers.popitem(last=False)
        while self._answers:
            given, _ = next(iter(self._answers.values()))
            if now - given <= self.ttl_seconds:
                break
            self._answers.popitem(last=False)


class RateLimiter:
    """At most ``limit`` events per client in any ``window_seconds`` (a sliding window).

    Example:
        >>> limiter = RateLimiter(limit=2, window_seconds=60)
        >>> [limiter.allow("10.0.0.1") for _ in range(3)], limiter.allow("10.0.0.2")
        ([True, True, False], True)
    """

    def __init__(
        self,
        limit: int = VOTES_PER_WINDOW,
        window_seconds: float = VOTE_WINDOW_SECONDS,
        max_clients: int = RATE_TRACKED_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_clients = max_clients
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count one event for ``client``; False (and not counted) when over the limit."""
        now = self._clock()
        with self._lock:
            events = self._events.pop(client, None) or deque()
            while events and now - events[0] > self.window_seconds:
                events.popleft()
            allowed = len(events) < self.limit
            if allowed:
                events.append(now)
            self._events[client] = events  # most recent client last
            while len(self._events) > self.max_clients:
                self._events.popitem(last=False)
        return allowed


class VoteDesk:
    """Votes for a served chat: only on answers it gave, stored from its own copy, rate-limited.

    Example:
        >>> import tempfile, pathlib
        >>> desk = VoteDesk(pathlib.Path(tempfile.mkdtemp()) / "feedback.jsonl")
        >>> answer_id = desk.issue({"question": "q", "answer": "a", "citations": []})
        >>> desk.vote(answer_id, "down", client="127.0.0.1").answer
        'a'
    """

    def __init__(
        self,
        path: Path | str,
        answers: AnswerLog | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.path = Path(path)
        self.answers = answers or AnswerLog()
        self.limiter = limiter or RateLimiter()

    def issue(self, record: dict[str, Any]) -> str:
        """Keep an answer just given and return the id a vote on it must name."""
        return self.answers.issue(record)

    def vote(self, answer_id: Any, verdict: Any, client: str) -> VoteRecord:
        """Record ``verdict`` on the answer issued as ``answer_id``, from the server's copy.

        Raises:
            InputError: the id names no answer this server gave (or one too old), the vote is
                not up or down, or ``client`` voted too often (the message says when to retry).
        """
        if not isinstance(answer_id, str) or not 0 < len(answer_id) <= MAX_ANSWER_ID_CHARS:
            raise InputError("vote: answer_id must be the id returned with the answer")
        if not isinstance(verdict, str | bool) or len(str(verdict)) > MAX_FIELD_CHARS:
            raise InputError("vote: the vote must be 'up' or 'down'")
        given = self.answers.get(answer_id)
        if given is None:
            raise InputError(
                "vote: no answer with that id (only answers this server gave, "
                f"in the last {ANSWER_LOG_TTL_SECONDS / 3600:g} hour, can be voted on)"
            )
        record = make_record({**given, "vote": verdict, "answer_id": answer_id})
        if not self.limiter.allow(client):
            raise InputError(
                f"vote: too many votes from this address (at most {self.limiter.limit} in "
                f"{self.limiter.window_seconds:g} s); try again in a minute"
            )
        return append_vote(self.path, record)
