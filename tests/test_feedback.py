"""Votes are appended one whole line at a time and read back tolerantly; a vote names an
answer the server gave, its fields are capped, and the file rotates (issue 18)."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import datetime

import pytest

from assistant.answering.feedback import (
    MAX_CITATIONS,
    MAX_QUESTION_CHARS,
    VOTES_PER_WINDOW,
    AnswerLog,
    RateLimiter,
    VoteDesk,
    VoteRecord,
    append_vote,
    read_votes,
    rotated_path,
)
from assistant.errors import InputError

CITATION = {"source": "alberta", "section": "SECOR", "quote": "ten", "url": "https://x.ca"}


def vote(i: int = 0, verdict: str = "up") -> dict:
    return {
        "question": f"question {i}",
        "answer": f"answer {i} [1]",
        "citations": [CITATION],
        "vote": verdict,
    }


def test_append_and_read_back(tmp_path):
    path = tmp_path / "sub" / "feedback.jsonl"
    written = append_vote(path, vote(1, "up"))
    append_vote(path, vote(2, "down"))
    votes = read_votes(path)
    assert [v.vote for v in votes] == ["up", "down"]
    assert votes[0] == written
    assert votes[0].citations == [CITATION]
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert set(line) >= {"question", "answer", "citations", "vote", "time"}


def test_time_is_iso_utc(tmp_path):
    record = append_vote(tmp_path / "f.jsonl", vote())
    parsed = datetime.fromisoformat(record.time.replace("Z", "+00:00"))
    assert parsed.utcoffset().total_seconds() == 0


def test_file_mode_is_owner_only(tmp_path):
    path = tmp_path / "feedback.jsonl"
    old = os.umask(0)  # even a permissive umask must not widen it
    try:
        append_vote(path, vote())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(("given", "stored"), [("Like", "up"), ("dislike", "down"), (True, "up")])
def test_vote_spellings(tmp_path, given, stored):
    assert append_vote(tmp_path / "f.jsonl", {**vote(), "vote": given}).vote == stored


@pytest.mark.parametrize("bad", [{"vote": "maybe"}, {"question": None}])
def test_invalid_vote_is_refused_and_nothing_written(tmp_path, bad):
    path = tmp_path / "f.jsonl"
    with pytest.raises(InputError):
        append_vote(path, {**vote(), **bad})
    assert not path.exists()


def test_unicode_and_newlines_stay_on_one_line(tmp_path):
    path = tmp_path / "f.jsonl"
    append_vote(path, {**vote(), "question": "Québec?\nline two \u2028 <b>"})
    assert len(path.read_bytes().split(b"\n")) == 2
    assert read_votes(path)[0].question == "Québec?\nline two \u2028 <b>"


def test_concurrent_votes_lose_nothing(tmp_path):
    path = tmp_path / "feedback.jsonl"
    threads_n, per_thread = 8, 50
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                # A long answer makes torn writes likely if the writes were not whole lines.
                record = {**vote(t * 1000 + i), "answer": f"{t}-{i} " + "x" * 5000}
                append_vote(path, record)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert len(lines) - 1 == threads_n * per_thread
    for raw in lines[:-1]:
        VoteRecord.model_validate(json.loads(raw))  # every line whole
    questions = {v.question for v in read_votes(path)}
    assert len(questions) == threads_n * per_thread


def test_truncated_last_line_is_skipped(tmp_path):
    path = tmp_path / "feedback.jsonl"
    append_vote(path, vote(1))
    append_vote(path, vote(2))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 25])  # a crash mid-write of the second line
    assert [v.question for v in read_votes(path)] == ["question 1"]
    # The next vote starts a fresh line instead of being glued to the torn one.
    append_vote(path, vote(3))
    assert [v.question for v in read_votes(path)] == ["question 1", "question 3"]


def test_damaged_lines_do_not_hide_others(tmp_path):
    path = tmp_path / "feedback.jsonl"
    append_vote(path, vote(1))
    with open(path, "ab") as f:
        f.write(b'not json\n\n{"vote": "up"}\n\xff\xfe\n')
    append_vote(path, vote(2))
    assert [v.question for v in read_votes(path)] == ["question 1", "question 2"]


def test_missing_file_has_no_votes(tmp_path):
    assert read_votes(tmp_path / "none.jsonl") == []


# ---- issue 18: capped fields, made-up citations refused, rotation --------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"answer": "x" * (1024 * 1024)},  # the issue's 1 MB answer field
        {"question": "q" * (MAX_QUESTION_CHARS + 1)},
        {"citations": [{**CITATION, "url": "file:///etc/passwd"}]},
        {"citations": [{**CITATION, "url": "javascript:alert(1)"}]},
        {"citations": [{**CITATION, "extra": "x"}]},
        {"citations": [CITATION] * (MAX_CITATIONS + 1)},
    ],
    ids=["1MB-answer", "long-question", "file-url", "script-url", "extra-field", "too-many"],
)
def test_oversized_or_made_up_votes_are_refused(tmp_path, bad):
    path = tmp_path / "feedback.jsonl"
    with pytest.raises(InputError, match="vote record"):
        append_vote(path, {**vote(), **bad})
    assert not path.exists()


def test_the_file_rotates_and_keeps_one_older_file(tmp_path):
    path = tmp_path / "feedback.jsonl"
    limit = 2000  # a few votes per file, so 40 votes rotate several times
    for i in range(40):
        append_vote(path, vote(i), max_bytes=limit)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.jsonl", "feedback.jsonl.1"]
    assert path.stat().st_size <= limit and rotated_path(path).stat().st_size <= limit
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    questions = [v.question for v in read_votes(path)]
    # The newest votes, in order, with nothing missing between the two files.
    assert questions[-1] == "question 39"
    first = int(questions[0].split()[1])
    assert questions == [f"question {i}" for i in range(first, 40)]
    assert read_votes(path, rotated=False)[-1].question == "question 39"


def test_votes_racing_a_rotation_lose_nothing_whole(tmp_path):
    """Threads voting while the file rotates under them: every line whole in both files, and
    what the two files keep of each thread's votes is its latest ones, with no gap."""
    path = tmp_path / "feedback.jsonl"
    threads_n, per_thread = 4, 50
    barrier = threading.Barrier(threads_n)

    def worker(t: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            append_vote(path, vote(t * 1000 + i), max_bytes=8000)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for file in (path, rotated_path(path)):
        lines = file.read_bytes().split(b"\n")
        assert lines[-1] == b""
        for raw in lines[:-1]:
            VoteRecord.model_validate(json.loads(raw))
    kept: dict[int, list[int]] = {}
    for v in read_votes(path):
        number = int(v.question.split()[1])
        kept.setdefault(number // 1000, []).append(number % 1000)
    for t in range(threads_n):
        numbers = sorted(kept.get(t, []))  # a thread that finished first may be all rotated out
        assert not numbers or numbers == list(range(numbers[0], per_thread)), (t, numbers)
    assert sum(len(n) for n in kept.values()) >= 8000 // 250  # a file's worth at least


def test_a_vote_names_an_answer_the_server_gave(tmp_path):
    desk = VoteDesk(tmp_path / "feedback.jsonl")
    given = {"question": "What is SECOR?", "answer": "SECOR is ... [1]", "citations": [CITATION]}
    answer_id = desk.issue(given)
    stored = desk.vote(answer_id, "down", client="10.0.0.1")
    assert (stored.question, stored.answer, stored.vote) == (
        given["question"],
        given["answer"],
        "down",
    )
    assert stored.citations == [CITATION]
    assert stored.answer_id == answer_id
    for made_up in ("made-up-id", "", "x" * 10_000, None, 7):
        with pytest.raises(InputError, match="answer"):
            desk.vote(made_up, "up", client="10.0.0.1")
    assert len(read_votes(desk.path)) == 1


def test_votes_are_rate_limited_per_client(tmp_path):
    desk = VoteDesk(tmp_path / "feedback.jsonl")
    answer_id = desk.issue({"question": "q", "answer": "a", "citations": []})
    for _ in range(VOTES_PER_WINDOW):
        desk.vote(answer_id, "up", client="10.0.0.1")
    with pytest.raises(InputError, match="too many votes"):
        desk.vote(answer_id, "up", client="10.0.0.1")
    desk.vote(answer_id, "down", client="10.0.0.2")  # another address is not held back
    assert len(read_votes(desk.path)) == VOTES_PER_WINDOW + 1


def test_the_rate_window_slides():
    now = [0.0]
    limiter = RateLimiter(limit=2, window_seconds=60, clock=lambda: now[0])
    assert [limiter.allow("a"), limiter.allow("a"), limiter.allow("a")] == [True, True, False]
    now[0] = 61.0
    assert limiter.allow("a") is True


def test_the_answer_log_is_bounded_and_expires():
    now = [0.0]
    log = AnswerLog(capacity=3, ttl_seconds=100, clock=lambda: now[0])
    ids = [log.issue({"question": f"q{i}", "answer": "a", "citations": []}) for i in range(5)]
    assert len(log) == 3 and log.get(ids[0]) is None and log.get(ids[4])["question"] == "q4"
    now[0] = 101.0
    assert len(log) == 0 and log.get(ids[4]) is None
