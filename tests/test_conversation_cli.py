"""Issue 12's table, typed the way owners typed it, through `corguide ask --json
--conversation` in a real process: each row gets a sensible answer, never a wrong refusal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import subprocess_env

CORGUIDE = str(Path(sys.executable).with_name("corguide"))
TURN_KEYS = {
    "question",
    "province",
    "answer",
    "citations",
    "tool_calls",
    "refused",
    "state",
    "route",
    "not_covered",
}


def converse(settings, turns: list[str]) -> list[dict]:
    proc = subprocess.run(
        [CORGUIDE, "ask", "--json", "--conversation"],
        input="\n".join(turns).encode(),
        capture_output=True,
        env=subprocess_env({"CORGUIDE_DATA_DIR": str(settings.data_dir)}),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(out) == len(turns)
    assert all(set(o) == TURN_KEYS for o in out)
    return out


@pytest.fixture(scope="module")
def drywall(settings, built_index):
    return converse(
        settings,
        [
            "hi, we're a small drywall company in Edmonton",
            "we've got 9 guys, do we qualify for secor?",
            "what if we hire 3 more in the spring?",
            "ok and what does the audit look like",
            "thanks, that helps",
            "start over",
        ],
    )


def test_a_city_names_the_province_and_is_acknowledged(drywall):
    first = drywall[0]
    assert not first["refused"] and first["route"] == "context"
    assert first["state"]["province"] == "AB"
    assert "Edmonton" in first["state"]["understood"] and "Got it" in first["answer"]


def test_nine_guys_is_answered_for_alberta_not_saskatchewan(drywall):
    turn = drywall[1]
    call = turn["tool_calls"][0]
    assert call["name"] == "check_eligibility" and call["args"]["jurisdiction"] == "AB"
    assert call["args"]["workers"] == 9 and call["result"]["recommended"] == "SECOR"
    assert "Saskatchewan" not in turn["answer"]


def test_a_hypothetical_hire_changes_the_count_for_that_answer_only(drywall):
    turn = drywall[2]
    assert turn["tool_calls"][0]["args"]["workers"] == 12
    assert turn["tool_calls"][0]["result"]["recommended"] == "COR"
    assert "12" in turn["answer"] and turn["state"]["workers"] == 9
    assert not turn["not_covered"]


def test_a_follow_up_about_the_audit_is_answered(drywall):
    turn = drywall[3]
    assert not turn["refused"] and not turn["not_covered"] and turn["citations"]


def test_thanks_and_start_over(drywall):
    assert drywall[4]["route"] == "smalltalk" and not drywall[4]["refused"]
    assert drywall[5]["route"] == "reset" and drywall[5]["state"]["province"] is None


def test_a_bare_province_answers_the_pending_question(settings, built_index):
    asked, reply = converse(settings, ["which program fits us? we have 6 workers", "Alberta"])
    assert asked["state"]["workers"] == 6 and not asked["refused"]
    assert "province" in asked["answer"].lower()
    assert not reply["refused"] and reply["state"]["province"] == "AB"
    assert reply["tool_calls"][0]["result"]["recommended"] == "SECOR"


def test_the_bc_fte_question_and_a_premium_in_words(settings, built_index):
    (fte,) = converse(settings, ["How is the BC FTE number worked out?"])
    assert not fte["refused"] and not fte["not_covered"]
    _, rebate = converse(
        settings, ["We're in Manitoba", "our premium is $55,000, what rebate would we get?"]
    )
    call = next(c for c in rebate["tool_calls"] if c["name"] == "estimate_incentive")
    assert call["args"]["premium"] == 55000
    assert not rebate["refused"]
