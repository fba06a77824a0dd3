"""The check, score, incentive, schedule and costs commands (typer CliRunner)."""

import json

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.tools import register


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """corguide (test app)."""

    return app


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def run(runner, app, *args):
    return runner.invoke(app, list(args))


def test_check_json_contract(runner, app):
    result = run(runner, app, "check", "--province", "Alta", "--workers", "10", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["province"] == "AB" and data["workers"] == 10
    assert data["eligible"] == ["COR", "SECOR"] and data["recommended"] == "SECOR"
    for key in ("local_names", "reasons", "warnings", "next_steps", "sources"):
        assert key in data
    assert all(reason["sources"] for reason in data["reasons"])


def test_check_flags_and_short_options(runner, app):
    result = run(
        runner, app, "check", "-p", "AB", "-w", "6", "--public-contracts", "--subcontractors",
        "--industry", "roofing", "--json",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert data["recommended"] == "COR" and data["subcontractors"] and data["public_contracts"]
    yt = json.loads(
        run(runner, app, "check", "-p", "YT", "-w", "1", "--owner-operator", "--json").stdout
    )
    assert yt["recommended"] == "OCOP"
    bc = json.loads(
        run(
            runner, app, "check", "-p", "BC", "-w", "30", "--payroll-hours", "20800", "--json"
        ).stdout
    )
    assert bc["recommended"] == "SECOR" and bc["counted_workers"] == 10.0
    qc = json.loads(run(runner, app, "check", "-p", "Québec", "-w", "3", "--json").stdout)
    assert qc["recommended"] is None and qc["eligible"] == []


def test_check_readable(runner, app):
    result = run(runner, app, "check", "-p", "SK", "-w", "9")
    assert result.exit_code == 0
    out = result.stdout
    assert "Recommended: SECOR" in out and "Warnings:" in out and "Sources:" in out
    assert "[1] https://" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["check", "-p", "Mars", "-w", "3"], "unknown jurisdiction"),
        (["check", "-p", "AB", "-w", "-3"], "negative"),
        (["check", "-p", "AB", "-w", "2.5"], "whole number"),
        (["check", "-p", "AB", "-w", "lots"], "whole number"),
        (["check", "-p", "AB", "-w", "3", "--payroll-hours", "x"], "payroll_hours"),
        (["score", "-p", "AB", "--score", "Training=120"], "0 to 100"),
        (["score", "-p", "AB", "--score", "Training"], "Element name=85"),
        (["score", "-p", "AB"], "give element scores"),
        (["score", "-p", "AB", "--audit-type", "annual", "--score", "A=50"], "audit type"),
        (["incentive", "-p", "BC", "--premium", "100"], "payroll and base rate"),
        (["incentive", "-p", "MB", "--premium", "-1"], "negative"),
        (["schedule", "-p", "AB", "--certified-on", "2025-02-30"], "not a real date"),
        (["schedule", "-p", "AB", "--certified-on", "31/01/2025"], "YYYY-MM-DD"),
        (["costs", "-p", "AB", "-w", "5", "--sites", "-2"], "negative"),
    ],
)
def test_bad_input_one_line_exit_2(runner, app, args, fragment):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_score_options_and_file(runner, app, tmp_path):
    result = run(runner, app, "score", "-p", "AB", "--score", "Training=45", "--score",
                 "Hazard Control=90", "--json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["passed"] is False and data["failing_elements"] == ["Training"]
    scores = tmp_path / "scores.json"
    scores.write_text(json.dumps({"Training": 62, "Hazard Control": 58}), encoding="utf-8")
    result = run(runner, app, "score", "-p", "AB", "--audit-type", "maintenance",
                 "--scores-file", str(scores))  # fmt: skip
    assert result.exit_code == 0 and "maintenance audit: PASS" in result.stdout
    as_list = tmp_path / "list.json"
    as_list.write_text(json.dumps([{"element": "A", "score": 80}]), encoding="utf-8")
    assert run(runner, app, "score", "-p", "MB", "--scores-file", str(as_list)).exit_code == 0
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    bad = run(runner, app, "score", "-p", "MB", "--scores-file", str(broken))
    assert bad.exit_code == 2 and "not JSON" in bad.stderr


def test_incentive_commands(runner, app):
    result = run(runner, app, "incentive", "-p", "BC", "--payroll", "2000000", "--base-rate", "2")
    assert result.exit_code == 0 and "$4,000.00" in result.stdout and "Formula:" in result.stdout
    data = json.loads(run(runner, app, "incentive", "-p", "AB", "--premium", "20000",
                          "--later-year", "--json").stdout)  # fmt: skip
    assert data["amount"] == 1000.0 and data["inputs"]["first_year"] is False
    data = json.loads(run(runner, app, "incentive", "-p", "AB", "--program", "SECOR",
                          "--premium", "20000", "--json").stdout)  # fmt: skip
    assert data["amount"] == 1000.0
    none = run(runner, app, "incentive", "-p", "SK")
    assert none.exit_code == 0 and "No incentive formula found" in none.stdout


def test_schedule_and_costs(runner, app):
    result = run(runner, app, "schedule", "-p", "AB", "--certified-on", "2025-03-31", "--json")
    data = json.loads(result.stdout)
    assert data["province"] == "AB" and data["expires_on"] == "2028-03-31"
    readable = run(runner, app, "schedule", "-p", "BC", "--certified-on", "2025-03-31")
    assert "Year 2 maintenance: by 2026-12-31" in readable.stdout
    costs = run(runner, app, "costs", "-p", "BC", "-w", "8", "--sites", "2")
    assert costs.exit_code == 0 and "INDICATIVE" in costs.stdout and "$550 a day" in costs.stdout
    data = json.loads(run(runner, app, "costs", "-p", "NS", "-w", "3", "--json").stdout)
    assert data["indicative"] is True and data["sites"] == 1


def test_typer_own_errors_exit_2(runner, app):
    result = runner.invoke(app, ["check", "--province", "AB"])
    assert result.exit_code == 2
