"""The command line as a user runs it: JSON contracts, stdin mode, errors, doctor."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import subprocess_env

from assistant.cli.main import main
from assistant.settings import get_settings

ASK_KEYS = {"question", "province", "answer", "citations", "tool_calls", "refused"}
CORGUIDE = str(Path(sys.executable).parent / "corguide")


@pytest.fixture
def use_index(monkeypatch, settings, built_index):
    """Point the CLI at the session's index."""
    monkeypatch.setenv("CORGUIDE_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_ask_json_contract(use_index, capsys):
    code, out, _ = run(
        ["ask", "--json", "--province", "Alta", "What is the SECOR worker limit?"], capsys
    )
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == ASK_KEYS
    assert payload["province"] == "AB"
    assert payload["citations"] and set(payload["citations"][0]) == {
        "source",
        "section",
        "quote",
        "url",
    }
    assert payload["refused"] is False


def test_ask_readable_output_lists_sources(use_index, capsys):
    code, out, _ = run(["ask", "What does a COR audit involve in Ontario?"], capsys)
    assert code == 0 and "Sources:" in out and "[1]" in out


def test_a_rules_source_with_no_web_address_is_named_in_the_source_line(use_index, capsys):
    """The national cost rule cites an article with no address: the line names it, and no
    empty "(; ..." where the link would be."""
    question = "what does COR or SECOR cost in Canada at the national level?"
    code, out, _ = run(["ask", question], capsys)
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert code == 0 and lines
    assert not any("(;" in line for line in lines), lines
    assert any("industry article: Cor vs Se-Cor" in line for line in lines), lines


def test_check_json_contract(env, capsys):
    """`check` is a tool over the rules: it answers in a data dir with no index."""
    code, out, _ = run(["check", "--province", "AB", "--workers", "8", "--json"], capsys)
    payload = json.loads(out)
    assert code == 0
    assert {"province", "workers", "eligible", "recommended", "reasons", "sources"} <= set(payload)
    assert payload["recommended"] == "SECOR"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--province", "Atlantis", "--workers", "8"], "AB (Alberta)"),
        (["check", "--province", "AB", "--workers", "-3"], "workers"),
        (["check", "--province", "AB", "--workers", "2.5"], "workers"),
        (["ask", "   "], "empty"),
        (["schedule", "--province", "AB", "--certified-on", "2025-02-30"], "date"),
        (["score", "--province", "AB", "--score", "Hazard control=140"], "100"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(env, capsys, argv, message):
    """Refused before any index is needed: the test's own data dir has none."""
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert message.lower() in err.lower()
    assert len(err.strip().splitlines()) <= 3


def test_doctor_healthy(use_index, capsys):
    code, out, _ = run(["doctor"], capsys)
    assert code == 0, out
    assert "FAIL" not in out


def test_doctor_names_the_fix_for_a_missing_index_with_the_fake_embedder(
    fake_embedder, monkeypatch, tmp_path, capsys
):
    """An error path: the model check passes on the fake embedder, the index check fails."""
    monkeypatch.setenv("CORGUIDE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    code, out, _ = run(["doctor"], capsys)
    get_settings.cache_clear()
    assert code == 1 and "corguide ingest" in out


def test_doctor_names_the_fix_for_a_missing_model(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CORGUIDE_EMBEDDING_MODEL", str(tmp_path / "no-model"))
    get_settings.cache_clear()
    code, out, _ = run(["doctor"], capsys)
    get_settings.cache_clear()
    assert code == 1 and "FAIL model" in out and "make install" in out


def test_ingest_json_on_unchanged_corpus_embeds_nothing(use_index, capsys):
    code, out, _ = run(["ingest", "--json"], capsys)
    report = json.loads(out)
    assert code == 0
    assert set(report) >= {"added", "updated", "removed", "unchanged", "embedded"}
    assert report["embedded"] == 0


def test_stdin_mode_in_a_real_process(settings, built_index, tmp_path):
    """One question per line on stdin, one JSON object per line out; invalid UTF-8 and a blank
    line are handled; the model loads once; no network."""
    log = tmp_path / "net.log"
    stdin = b"What is SECOR?\n\nWhat is the SECOR limit in Manitoba?\n\xff\xfe COR in Yukon?\n"
    proc = subprocess.run(
        [CORGUIDE, "ask", "--json"],
        input=stdin,
        capture_output=True,
        env=subprocess_env({"CORGUIDE_DATA_DIR": str(settings.data_dir)}, log),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(lines) == 3
    assert all(set(item) == ASK_KEYS for item in lines)
    assert lines[1]["province"] == "MB"
    assert not log.exists(), log.read_text()


def test_python_dash_m_runs_the_same_cli(env):
    """`python -m assistant.cli` is the `corguide` command (a source checkout without the
    script on PATH); a bad input still gets one line and exit 2."""
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--province", "Mars", "--workers", "3"],
        capture_output=True,
        env=subprocess_env({"CORGUIDE_DATA_DIR": str(env)}),
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
    assert "Mars" in (proc.stdout + proc.stderr).decode()
