"""`corguide readiness`: the self-check questions, and answers scored with the partner's rules.

Driven through the real command line app, the way an owner meets it: list the questions,
write an answers file, score it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answering.guard import numbers_in
from assistant.cli.main import app
from assistant.knowledge.rules import rules_for
from assistant.tools.readiness_data import MIN_QUESTIONS_PER_AREA, question_bank
from assistant.tools.scoring import score_audit

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args))


def listing(province: str, program: str = "COR") -> dict:
    result = cli("readiness", "--province", province, "--program", program, "--list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def score(tmp_path: Path, province: str, answers: dict, program: str = "COR") -> dict:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    result = cli(
        "readiness", "-p", province, "--program", program, "--answers", str(path), "--json"
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_prints_the_contract_and_eight_questions_per_element():
    data = listing("AB", "SECOR")
    assert {"province", "program", "partner", "pass_rule", "questions"} <= set(data)
    assert data["province"] == "AB" and data["program"] == "SECOR"
    assert "not the certifying partner's audit" in data["label"]
    per_element: dict[str, int] = {}
    for q in data["questions"]:
        assert {"id", "element", "text", "points", "validation", "evidence", "sources"} <= set(q)
        assert set(q["validation"]) <= {"documentation", "interview", "observation"}
        assert q["sources"] and all(s.startswith("http") for s in q["sources"])
        per_element[q["element"]] = per_element.get(q["element"], 0) + 1
    assert min(per_element.values()) >= MIN_QUESTIONS_PER_AREA
    # Alberta's own element names (rules data) name the check's elements.
    assert set(per_element) <= set(rules_for("AB").audit.elements.value)


def test_pass_rule_comes_from_the_rules_data():
    ab = listing("AB")["pass_rule"]
    marks = rules_for("AB").audit
    assert ab["overall"] == marks.pass_marks.value.overall
    assert ab["per_element"] == marks.pass_marks.value.per_element
    assert ab["maintenance_overall"] == marks.maintenance_pass_marks.value.overall
    on = listing("ON")["pass_rule"]
    assert (
        on["legislated_items"] == rules_for("ON").audit.internal_audit_gate.value.legislated_items
    )
    assert listing("BC")["pass_rule"]["maintenance_overall"] is None  # no separate bar in BC


def test_every_question_source_is_a_corpus_source():
    corpus_text = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "corpus" / "guidance").glob("*.md")
    )
    sources = {s for area in question_bank().areas for s in area.sources}
    assert sources and all(s in corpus_text for s in sources)


def test_all_yes_passes(tmp_path):
    qs = listing("AB", "SECOR")["questions"]
    data = score(tmp_path, "AB", {q["id"]: "yes" for q in qs}, "SECOR")
    assert data["projected"]["passes"] is True
    assert data["projected"]["overall"] == 100
    assert data["actions"] == []


def test_all_no_fails(tmp_path):
    qs = listing("AB", "SECOR")["questions"]
    data = score(tmp_path, "AB", {q["id"]: "no" for q in qs}, "SECOR")
    assert data["projected"]["passes"] is False
    assert all(e["passes"] is False for e in data["projected"]["elements"])
    assert len(data["actions"]) == len(qs)


def test_one_element_all_no_fails_on_the_element_rule_though_overall_passes(tmp_path):
    qs = listing("AB", "SECOR")["questions"]
    answers = {q["id"]: "no" if q["element"] == "Training" else "yes" for q in qs}
    data = score(tmp_path, "AB", answers, "SECOR")
    projected = data["projected"]
    mark = rules_for("AB").audit.secor_pass_marks.value
    assert projected["overall"] >= mark.overall  # overall alone would pass ...
    assert projected["passes"] is False  # ... but Training is below the per-element mark
    failing = [e["element"] for e in projected["elements"] if e["passes"] is False]
    assert failing == ["Training"]
    assert {a["element"] for a in data["actions"]} == {"Training"}


def test_actions_are_sorted_by_points_at_risk(tmp_path):
    qs = listing("BC")["questions"]
    answers = {q["id"]: ("no", "partly", "yes")[i % 3] for i, q in enumerate(qs)}
    data = score(tmp_path, "BC", answers)
    risks = [a["points_at_risk"] for a in data["actions"]]
    assert risks == sorted(risks, reverse=True) and len(set(risks)) > 1
    assert all(a["sources"] and a["evidence"] and a["action"] for a in data["actions"])
    assert len(data["actions"]) == sum(1 for i in range(len(qs)) if i % 3 != 2)


def test_scored_with_the_same_code_as_score_audit(tmp_path):
    qs = listing("AB")["questions"]
    answers = {q["id"]: "partly" if q["element"] == "Training" else "yes" for q in qs}
    data = score(tmp_path, "AB", answers)
    elements = {e["element"]: e["score"] for e in data["projected"]["elements"]}
    direct = score_audit("AB", elements, "certification", program="COR")
    assert data["projected"]["overall"] == direct.overall_score
    assert data["projected"]["passes"] == direct.passed


def test_legislated_items_must_all_be_yes_where_the_partner_requires_it(tmp_path):
    qs = listing("ON")["questions"]
    legislated = next(q["id"] for q in qs if q["element"] == "Training & Communication"
                      and "competency" in q["text"])  # fmt: skip
    answers = {q["id"]: "yes" for q in qs} | {legislated: "partly"}
    data = score(tmp_path, "ON", answers)
    assert data["projected"]["overall"] >= 80 and data["projected"]["legislated_passes"] is False
    assert data["projected"]["passes"] is False
    assert data["projected"]["legislated_missing"] == [legislated]


def test_maintenance_bar_reported_where_it_differs(tmp_path):
    qs = listing("AB")["questions"]
    # 75 of every 100 points: below the certification mark, above the maintenance bar.
    answers = {q["id"]: "yes" for q in qs}
    for q in qs[::2]:
        answers[q["id"]] = "partly"
    data = score(tmp_path, "AB", answers)
    overall = data["projected"]["overall"]
    assert rules_for("AB").audit.maintenance_pass_marks.value.overall <= overall < 80
    assert data["projected"]["passes"] is False and data["projected"]["maintenance_passes"] is True


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"no-such-question": "yes"}, "unknown question id 'no-such-question'"),
        ({"lead-policy": "maybe"}, "must be yes, partly or no, got 'maybe'"),
        ({"lead-policy": "yes"}, "have no answer"),
        (["yes"], "must be a JSON object"),
        ({"con-prequal": "yes"}, "unknown question id 'con-prequal' for the SECOR check"),
    ],
)
def test_bad_answers_get_one_clear_line(tmp_path, answers, message):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    result = cli("readiness", "-p", "AB", "--program", "SECOR", "--answers", str(path))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreadable_answers_and_bad_options(tmp_path):
    bad = tmp_path / "a.json"
    bad.write_text("{not json", encoding="utf-8")
    for args, message in (
        (["--answers", str(bad)], "is not JSON"),
        (["--answers", str(tmp_path / "missing.json")], "cannot read answers file"),
        (["--program", "OCOP", "--list"], "covers COR and SECOR"),
        ([], "give --list"),
    ):
        result = cli("readiness", "-p", "AB", *args)
        assert result.exit_code == 2 and message in result.stderr, result.output


def test_readable_output_states_only_rule_numbers(tmp_path):
    qs = listing("AB")["questions"]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({q["id"]: "yes" for q in qs}), encoding="utf-8")
    result = cli("readiness", "-p", "AB", "--answers", str(path))
    assert result.exit_code == 0 and "would pass" in result.stdout
    head = result.stdout.splitlines()[0]
    rules_numbers = numbers_in(json.dumps(rules_for("AB").model_dump(mode="json")))
    assert numbers_in(head) <= rules_numbers


# ---- in the chat: "how ready am I?", "what should I do first?", "make me a plan" ------------


@pytest.mark.parametrize(
    ("message", "tool", "words"),
    [
        ("how ready am I?", "readiness_check", "Readiness check"),
        ("what should I do first?", "certification_plan", "My plan"),
        ("make me a plan", "certification_plan", "What to do first"),
    ],
)
def test_chat_leads_to_the_check_and_the_plan(assistant, message, tool, words):
    from assistant.answering.answer import ConversationState

    state = ConversationState(jurisdiction="AB", workers=8)
    answer = assistant.ask(message, state)
    assert not answer.refused and answer.route == "tool"
    assert [c.name for c in answer.tool_calls] == [tool]
    assert words in answer.answer and "SECOR in Alberta" in answer.answer
    assert not [n for n in answer.notes if n.startswith("guard")], answer.notes


def test_chat_asks_for_the_head_count_then_resumes_the_check(assistant):
    from assistant.answering.answer import ConversationState

    first = assistant.ask("how ready am I?", ConversationState(jurisdiction="BC"))
    assert first.asked_back and first.state.asked_for == "workers"
    second = assistant.ask("30", first.state)
    assert [c.name for c in second.tool_calls] == ["readiness_check"]
    assert "COR in British Columbia" in second.answer
