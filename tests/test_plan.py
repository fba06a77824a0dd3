"""`corguide plan`: the dated certification plan, its sources, its exports and the number rule."""

from __future__ import annotations

import json
import math
import re
import zlib
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from assistant.answering import guard
from assistant.answering.answer import ToolCall
from assistant.cli.main import app
from assistant.tools.plan import build_plan
from assistant.tools.plan_export import to_markdown
from assistant.tools.readiness_data import records_rule
from assistant.tools.schedule import audit_schedule

runner = CliRunner()
ORDER = ["choose", "join", "courses", "build", "records", "audit", "certificate"]


def cli(*args: str):
    return runner.invoke(app, list(args))


def plan_json(*args: str) -> dict:
    result = cli("plan", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plan_json_contract_and_step_order():
    data = plan_json("-p", "AB", "-w", "8", "--industry", "trucking", "--start", "2027-01-04")
    assert {"program", "partner", "steps", "costs", "incentive", "warnings"} <= set(data)
    assert data["program"] == "SECOR" and data["partner"]["name"].endswith("(AMTA)")
    keys = [s["key"] for s in data["steps"]]
    assert keys[: len(ORDER)] == ORDER
    assert keys[len(ORDER) :] == ["maintenance", "maintenance", "recertification", "incentive"]
    for step in data["steps"]:
        assert {"title", "detail", "due", "cost", "sources"} <= set(step) and step["sources"]
    assert all(c["sources"] for c in data["costs"]) and all(w["sources"] for w in data["warnings"])


def test_due_dates_come_from_the_records_rule_and_the_schedule():
    data = plan_json("-p", "AB", "-w", "8", "--start", "2027-01-04")
    by_key = {s["key"]: s for s in data["steps"]}
    months = records_rule().full_months
    ready = date(2027 + months // 12, 1 + months % 12, 4)
    assert by_key["records"]["due"] == ready.isoformat()
    schedule = audit_schedule("AB", ready)
    dated = [s["due"] for s in data["steps"] if s["key"] in ("maintenance", "recertification")]
    assert dated == [e.due_by.isoformat() for e in schedule.entries[1:]]


def test_costs_sit_on_the_step_they_are_paid_at_with_their_sources():
    data = plan_json("-p", "BC", "-w", "30", "--start", "2027-01-04")
    audit = next(s for s in data["steps"] if s["key"] == "audit")
    fee = next(c for c in data["costs"] if "external COR audit" in c["text"])
    assert fee["text"] in audit["cost"] and set(fee["sources"]) <= set(audit["sources"])
    assert any(s["cost"] is None for s in data["steps"])


def test_a_worker_count_near_the_secor_limit_adds_the_move_to_cor():
    keys = [s["key"] for s in plan_json("-p", "AB", "-w", "9", "--start", "2027-01-04")["steps"]]
    assert keys[-1] == "grow"
    assert "grow" not in [s["key"] for s in plan_json("-p", "AB", "-w", "3")["steps"]]


def test_a_deadline_the_plan_cannot_meet_warns_and_names_the_faster_route():
    data = plan_json(
        "-p", "SK", "-w", "4", "--industry", "oil and gas",
        "--start", "2027-01-04", "--deadline", "2027-06-01",
    )  # fmt: skip
    texts = [w["text"] for w in data["warnings"]]
    assert any("comes before the first audit can" in t and "2028-01-04" in t for t in texts)
    fast = next(t for t in texts if t.startswith("Faster route"))
    assert "one-year SECOR" in fast and "2027-04-04" in fast and "before the deadline" in fast


def test_a_deadline_with_no_faster_route_says_so():
    data = plan_json("-p", "BC", "-w", "30", "--start", "2027-01-04", "--deadline", "2027-03-01")
    assert any(w["text"].startswith("No faster route was found") for w in data["warnings"])
    met = plan_json("-p", "BC", "-w", "30", "--start", "2027-01-04", "--deadline", "2029-01-01")
    assert not any("comes before the first audit" in w["text"] for w in met["warnings"])


@pytest.mark.parametrize(
    ("province", "workers", "industry"),
    [("AB", 9, "trucking"), ("BC", 30, None), ("ON", 12, None), ("SK", 4, "oil and gas"),
     ("NB", 5, None), ("MB", 15, None), ("QC", 5, None)],
)  # fmt: skip
def test_every_number_in_the_plan_comes_from_the_rules_or_a_tool(province, workers, industry):
    plan = build_plan(province, workers, industry=industry, start="2027-01-04",
                      deadline="2027-06-01")  # fmt: skip
    for text in (plan.text(), to_markdown(plan)):
        report = guard.check(text, [], plan.tool_calls)
        assert report.ungrounded_numbers == [], report.ungrounded_numbers


def test_the_number_rule_catches_an_invented_figure():
    plan = build_plan("AB", 8, start="2027-01-04")
    invented = plan.text() + "\nMost owners finish in 47 days."
    assert guard.check(invented, [], plan.tool_calls).ungrounded_numbers == ["47"]
    # Without the tool results the plan's dates and marks would be ungrounded.
    assert guard.check(plan.text(), [], [ToolCall(name="x", args={}, result={})]).ungrounded_numbers


def test_ics_parses_back_with_one_event_per_dated_step(tmp_path):
    out = tmp_path / "plan.ics"
    result = cli("plan", "-p", "AB", "-w", "8", "--start", "2027-01-04",
                 "--format", "ics", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    cal = Calendar.from_ical(out.read_bytes())
    events = list(cal.walk("VEVENT"))
    steps = plan_json("-p", "AB", "-w", "8", "--start", "2027-01-04")["steps"]
    dated = [s for s in steps if s["due"]]
    assert len(events) == len(dated)
    assert [str(e["SUMMARY"]) for e in events] == [s["title"] for s in dated]
    assert [e.decoded("DTSTART").isoformat() for e in events] == [s["due"] for s in dated]
    assert len({str(e["UID"]) for e in events}) == len(events)


def _pdf_pages_and_text(data: bytes) -> tuple[int, str]:
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
    text = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            text += stream
    shown = b" ".join(re.findall(rb"\((.*?)\) Tj", text)).decode("latin-1")
    return pages, re.sub(r"\\([()\\])", r"\1", shown)  # PDF string escapes


def test_pdf_opens_with_a_page_per_ten_steps_and_lists_the_sources(tmp_path):
    out = tmp_path / "plan.pdf"
    result = cli("plan", "-p", "AB", "-w", "9", "--industry", "trucking",
                 "--start", "2027-01-04", "--format", "pdf", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    pages, shown = _pdf_pages_and_text(out.read_bytes())
    data = plan_json("-p", "AB", "-w", "9", "--industry", "trucking", "--start", "2027-01-04")
    assert pages >= math.ceil(len(data["steps"]) / 10)
    assert "Sources" in shown and data["steps"][0]["title"][:30] in shown
    links = set(re.findall(rb"/URI \((.*?)\)", out.read_bytes()))
    web = {s.encode() for s in data["sources"] if s.startswith("http")}
    assert web and web <= links


def test_markdown_export_lists_every_source(tmp_path):
    out = tmp_path / "plan.md"
    assert cli("plan", "-p", "ON", "-w", "12", "--format", "md", "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    data = plan_json("-p", "ON", "-w", "12")
    assert text.startswith("# Certification plan: COR in Ontario")
    assert all(src in text for src in data["sources"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-w", "abc"], "workers must be a whole number"),
        (["-w", "8", "--start", "2027-02-30"], "not a real date"),
        (["-w", "8", "--start", "2027-01-04", "--deadline", "2026-01-01"], "before the start"),
        (["-w", "8", "--format", "doc", "--out", "x.doc"], "--format must be one of"),
        (["-w", "8", "--format", "pdf"], "go together"),
        (["-w", "8", "--format", "pdf", "--out", "x.pdf", "--json"], "not both"),
    ],
)
def test_bad_plan_input_gets_one_clear_line(args, message):
    result = cli("plan", "-p", "AB", *args)
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "Traceback" not in result.output


def test_unwritable_out_file(tmp_path):
    out = tmp_path / "missing-dir" / "plan.pdf"
    result = cli("plan", "-p", "AB", "-w", "8", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 2 and "cannot write" in result.stderr
    assert not Path(out).exists()
