"""No network: a first run (ask builds the missing index), an ingest and the chat's start-up,
each in a real process under the socket guard.

`subprocess_env` puts ``tests/netguard`` on the child's PYTHONPATH: the child refuses every
connection and name lookup that is not loopback and appends it to a log. The test fails if the
log exists at the end, even when the child swallowed the error and carried on.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port, subprocess_env

ROOT = Path(__file__).resolve().parents[1]
CORGUIDE = str(Path(sys.executable).parent / "corguide")
SMALL_DOCS = ("alberta.md", "manitoba.md", "choosing-cor-or-secor.md")
NEW_SECTION = (
    "\n## Does corguide need the internet?\n\n"
    "No. The index, the model and the chat all run on this computer.\n\n"
    "Sources: https://www.youracsa.ca/cor-secor/\n"
)


def _wait_for_page(url: str, proc: subprocess.Popen, seconds: float) -> int | None:
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status = httpx.get(url, timeout=5).status_code
        except httpx.HTTPError:
            status = None
        if status == 200:
            break
        time.sleep(0.1)  # poll: the page is up within a tenth of a second of serving
    return status


@pytest.mark.model  # loads the real model in a new process
def test_first_run_ingest_and_chat_start_up_make_no_outbound_connection(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "guidance").mkdir(parents=True)
    for name in SMALL_DOCS:
        shutil.copy(ROOT / "corpus" / "guidance" / name, corpus / "guidance" / name)
    shutil.copytree(ROOT / "corpus" / "rules", corpus / "rules")
    data = tmp_path / "data"
    log = tmp_path / "net.log"
    env = subprocess_env({"CORGUIDE_DATA_DIR": str(data), "CORGUIDE_CORPUS_DIR": str(corpus)}, log)

    # First run: no index yet. `ask` builds it, says so on stderr, then answers.
    ask = subprocess.run(
        [CORGUIDE, "ask", "--json", "What is the SECOR limit in Manitoba?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert ask.returncode == 0, ask.stderr
    assert "the index is missing: building it now (corguide ingest)" in ask.stderr
    assert re.search(r"indexed \d+ chunks", ask.stderr)
    answer = json.loads(ask.stdout)
    assert answer["province"] == "MB" and answer["citations"]

    # A changed corpus: `ingest` embeds the new section and writes it.
    doc = corpus / "guidance" / "alberta.md"
    doc.write_text(doc.read_text(encoding="utf-8") + NEW_SECTION, encoding="utf-8")
    ingest = subprocess.run(
        [CORGUIDE, "ingest", "--json"], capture_output=True, text=True, env=env, timeout=600
    )
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["embedded"] >= 1

    # The chat starts and serves its page over loopback.
    port = free_port()
    with open(tmp_path / "chat.stderr", "wb") as err:
        chat = subprocess.Popen(
            [CORGUIDE, "chat", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
        try:
            status = _wait_for_page(f"http://127.0.0.1:{port}/", chat, 300)
            assert status == 200, (tmp_path / "chat.stderr").read_text()
            assert httpx.get(f"http://127.0.0.1:{port}/config", timeout=10).status_code == 200
        finally:
            chat.terminate()
            try:
                chat.wait(timeout=30)
            except subprocess.TimeoutExpired:
                chat.kill()
                chat.wait(timeout=30)
    for output in (ask.stderr, ingest.stderr, (tmp_path / "chat.stderr").read_text()):
        assert "Traceback" not in output
    assert not log.exists(), f"outbound connection attempts: {log.read_text()}"
