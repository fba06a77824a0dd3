"""Votes are appended one whole line at a time and read back tolerantly."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import datetime

import pytest

from assistant.errors import InputError
from assistant.feedback import VoteRecord, append_vote, read_votes

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
