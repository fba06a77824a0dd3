"""Security: loopback by default, login when shared, and no way out of the data dir (issue 8).

The chat binds 127.0.0.1 unless told otherwise; no endpoint takes a file or a path; path
traversal strings in every text parameter read and write nothing outside the data dir (a canary
file next to it stays unread and untouched); Gradio's own files (uploads) stay inside the data
dir and uploads are refused; the feedback file is owner-only; a login, when configured, guards
every route, not only the page.
"""

from __future__ import annotations

import inspect
import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from conftest import copy_index, subprocess_env
from gradio_client import Client

from ui.app import build_app, launch_options

ROOT = Path(__file__).resolve().parents[1]
CORGUIDE = str(Path(sys.executable).parent / "corguide")
SECRET = "CANARY-7f3a9c-do-not-serve"
# A valid value for every parameter, so each call reaches the code that uses the one under test.
VALID = {
    "question": "What is SECOR?",
    "answer": "an answer",
    "vote": "up",
    "citations": [],
    "jurisdiction": "AB",
    "workers": 8,
    "subcontractors": False,
    "public_contracts": False,
    "owner_operator": False,
    "payroll_hours": None,
    "industry": None,
    "element_scores": {"Training": 80},
    "audit_type": "certification",
    "program": "COR",
    "payroll": None,
    "base_rate": None,
    "premium": 4000,
    "assessment": None,
    "first_year": None,
    "certified_on": "2025-03-31",
    "sites": 1,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(pid: int, port: int) -> set[str]:
    return {
        c.laddr.ip
        for c in psutil.Process(pid).net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    }


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def served(assistant, settings) -> Iterator[tuple[str, object]]:
    demo = build_app(assistant, settings)
    port = _free_port()
    demo.launch(**launch_options(port=port), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(served) -> Client:
    return Client(served[0], verbose=False, analytics_enabled=False)


def test_loopback_is_the_default_bind(served):
    from assistant import cli
    from ui import app

    assert inspect.signature(cli.chat).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(app.launch).parameters["host"].default == "127.0.0.1"
    assert launch_options()["server_name"] == "127.0.0.1"
    assert launch_options()["share"] is False
    url, demo = served
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    assert _listening(os.getpid(), port) == {"127.0.0.1"}
    assert demo.server_name == "127.0.0.1"


def test_no_endpoint_takes_a_file_or_a_path(client, served):
    api = client.view_api(return_format="dict", print_info=False)
    assert not api["unnamed_endpoints"]
    for name, endpoint in api["named_endpoints"].items():
        for param in endpoint["parameters"]:
            kind = json.dumps(param["python_type"]).lower()
            assert param["component"] == "Api", (name, param)
            assert "file" not in kind and "path" not in kind, (name, param)


def _queue_call(url: str, fn_index: int, data: list) -> str:
    """Call an event handler the page wires up (not a named endpoint) the way the page does."""
    session = f"security-{time.time_ns()}"
    join = httpx.post(
        url + "gradio_api/queue/join",
        json={"data": data, "fn_index": fn_index, "session_hash": session},
        timeout=30,
    )
    assert join.status_code == 200, join.text
    stream = ""
    with httpx.stream(
        "GET", url + f"gradio_api/queue/data?session_hash={session}", timeout=60
    ) as response:
        for line in response.iter_lines():
            stream += line + "\n"
            if "process_completed" in line:
                break
    return stream


def test_a_crafted_chat_history_cannot_pull_in_a_file(served, settings, tmp_path):
    """The chat tab takes the history as input, and a history message may name a file: one
    naming a file outside (the canary) is refused, neither served nor copied."""
    canary = tmp_path / "canary.txt"
    canary.write_text(SECRET)
    url, demo = served
    fn_index = next(i for i, f in demo.fns.items() if f.name == "respond")
    file_message = {"path": str(canary), "meta": {"_type": "gradio.FileData"}}
    histories = [
        [{"role": "user", "content": [{"file": file_message, "type": "file"}]}],
        [{"role": "user", "content": file_message}],
    ]
    for history in histories:
        stream = _queue_call(url, fn_index, ["What is SECOR?", history, {}, {}, None, "", 0, 0])
        assert '"success":false' in stream.replace(" ", "") and SECRET not in stream
    copies = [
        p for p in Path(os.environ.get("GRADIO_TEMP_DIR", "/nonexistent")).rglob("*") if p.is_file()
    ] + [p for p in settings.data_dir.rglob("*") if p.is_file() and p.suffix == ".txt"]
    assert not [p for p in copies if p.read_bytes().find(SECRET.encode()) >= 0]


def _traversal_strings(canary: Path) -> list[str]:
    return [
        "../../../../../../etc/passwd",
        str(canary),
        f"../../../../../..{canary}",
        f"file://{canary}",
        "..%2f..%2f..%2f..%2fetc%2fpasswd",
        "~/.ssh/id_rsa",
    ]


def test_path_traversal_strings_read_and_write_nothing_outside(client, served, settings, tmp_path):
    canary = tmp_path / "canary.txt"
    canary.write_text(SECRET)
    outside_before = _tree(tmp_path)
    data_before = set(_tree(settings.data_dir))
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    calls = 0
    for name, endpoint in api.items():
        params = [p["parameter_name"] for p in endpoint["parameters"]]
        text_params = [
            p["parameter_name"]
            for p in endpoint["parameters"]
            if "str" in json.dumps(p["python_type"]) and p["parameter_name"] in VALID
        ]
        for target in text_params:
            for payload in _traversal_strings(canary):
                args = [payload if p == target else VALID[p] for p in params]
                try:
                    result = json.dumps(client.predict(*args, api_name=name), ensure_ascii=False)
                except Exception as exc:  # noqa: BLE001 - a refusal is fine; what it says is checked
                    result = str(exc)
                calls += 1
                assert SECRET not in result and "root:x:0:0" not in result, (name, target)
        if name == "/score_audit":  # element names are text too
            for payload in _traversal_strings(canary):
                try:
                    client.predict("AB", {payload: 80}, "certification", "COR", api_name=name)
                except Exception as exc:  # noqa: BLE001
                    assert SECRET not in str(exc)
    assert calls >= 60
    for path in (f"gradio_api/file={canary}", f"file={canary}", f"gradio_api/file={tmp_path}"):
        response = httpx.get(served[0] + path, timeout=10)
        assert response.status_code in (403, 404) and SECRET not in response.text
    served_feedback = httpx.get(served[0] + f"gradio_api/file={settings.feedback_path}")
    assert served_feedback.status_code in (403, 404)
    assert canary.read_text() == SECRET
    assert _tree(tmp_path) == outside_before, "a file next to the data dir changed"
    new = set(_tree(settings.data_dir)) - data_before
    assert {p for p in new if not p.startswith(("chroma/", "gradio/"))} <= {"feedback.jsonl"}


def test_login_guards_every_route(assistant, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("CORGUIDE_AUTH", "owner:s3cret")
    canary = tmp_path / "canary.txt"
    canary.write_text(SECRET)
    demo = build_app(assistant, settings)
    port = _free_port()
    demo.launch(**launch_options(port=port), prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for path in ("config", "gradio_api/info", "gradio_api/openapi.json", "monitoring"):
            assert httpx.get(url + path, timeout=10).status_code in (401, 403), path
        upload = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"x")})
        assert upload.status_code in (401, 403)
        call = httpx.post(url + "gradio_api/call/chat", json={"data": ["What is SECOR?"]})
        assert call.status_code in (401, 403)
        file = httpx.get(url + f"gradio_api/file={canary}", timeout=10)
        assert file.status_code in (401, 403) and SECRET not in file.text
        authed = Client(url, auth=("owner", "s3cret"), verbose=False, analytics_enabled=False)
        assert authed.predict("AB", 8, False, False, api_name="/check_eligibility")["eligible"]
    finally:
        demo.close()


def test_a_served_chat_keeps_its_files_in_the_data_dir(settings, built_index, tmp_path):
    """`corguide chat` in a real process: binds loopback, refuses uploads, keeps Gradio's files
    and the votes inside the data dir (given with '..'), the feedback file owner-only even with
    a permissive umask, and writes nothing in HOME or TMPDIR."""
    data = tmp_path / "data"
    copy_index(settings, data / "chroma")
    home, tmp, detour = tmp_path / "home", tmp_path / "tmp", tmp_path / "detour"
    for folder in (home, tmp, detour):
        folder.mkdir()
    log = tmp_path / "net.log"
    env = subprocess_env(
        {
            "CORGUIDE_DATA_DIR": str(detour / ".." / "data"),
            "CORGUIDE_CORPUS_DIR": str(ROOT / "corpus"),
            "HOME": str(home),
            "TMPDIR": str(tmp),
        },
        log,
    )
    env.pop("GRADIO_TEMP_DIR", None)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(tmp_path / "chat.stderr", "wb") as err:
        chat = subprocess.Popen(
            [CORGUIDE, "chat", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            umask=0,
        )
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and chat.poll() is None:
                try:
                    if httpx.get(url, timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            assert chat.poll() is None, (tmp_path / "chat.stderr").read_text()
            assert _listening(chat.pid, port) == {"127.0.0.1"}

            refused = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"x" * 4096)})
            assert refused.status_code == 413
            empty = httpx.post(url + "gradio_api/upload", files={"files": ("b.txt", b"")})
            for path in empty.json() if empty.status_code == 200 else []:
                assert Path(path).resolve().is_relative_to(data.resolve()), path

            client = Client(url, verbose=False, analytics_enabled=False)
            for verdict in ("up", "down"):
                client.predict("What is SECOR?", "An answer.", verdict, [], api_name="/vote")
            feedback = data / "feedback.jsonl"
            assert stat.S_IMODE(feedback.stat().st_mode) == 0o600
            assert len(feedback.read_text().splitlines()) == 2
            served_feedback = httpx.get(url + f"gradio_api/file={feedback}", timeout=10)
            assert served_feedback.status_code in (403, 404)
        finally:
            chat.terminate()
            try:
                chat.wait(timeout=30)
            except subprocess.TimeoutExpired:
                chat.kill()
                chat.wait(timeout=30)
    assert not any(detour.iterdir())
    assert not any(home.iterdir()), sorted(home.rglob("*"))
    # torch makes an empty cache folder for its compiler in TMPDIR on import; nothing else may.
    leftovers = [p for p in tmp.rglob("*") if not p.name.startswith("torchinductor_")]
    assert not leftovers, leftovers
    assert not [p for p in tmp.rglob("*") if p.is_file()]
    # "cache": the intent vectors and the gazetteer, rebuilt from the shipped data when missing.
    assert {p.name for p in data.iterdir()} <= {"chroma", "feedback.jsonl", "gradio", "cache"}
    assert "Traceback" not in (tmp_path / "chat.stderr").read_text()
    assert not log.exists(), log.read_text()


def test_readme_documents_the_dependency_audit():
    security = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Security", 1)[1]
    # Documented, not run here: pip-audit needs its vulnerability database, which is online.
    assert "pip-audit" in security
