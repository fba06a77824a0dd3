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
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from conftest import copy_index, free_port, serve, subprocess_env
from gradio_client import Client

from ui.app import build_app, launch_options

ROOT = Path(__file__).resolve().parents[1]
CORGUIDE = str(Path(sys.executable).parent / "corguide")
SECRET = "CANARY-7f3a9c-do-not-serve"
# A valid value for every parameter, so each call reaches the code that uses the one under test.
VALID = {
    "question": "What is SECOR?",
    "answer_id": "not-an-answer-id",
    "vote": "up",
    "jurisdiction": "AB",
    "workers": 8,
    "subcontractors": False,
    "public_contracts": False,
    "owner_operator": False,
    "partners": False,
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


def test_loopback_is_the_default_bind(served):
    from assistant.cli import main as cli
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
    return _in_session(url, f"security-{time.time_ns()}", {"data": data, "fn_index": fn_index})


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
        data = ["What is SECOR?", history, {}, {}, None, "", False, False, "", ""]
        stream = _queue_call(url, fn_index, data)
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


def test_login_guards_every_route(guarded, tmp_path):
    canary = tmp_path / "canary.txt"
    canary.write_text(SECRET)
    url, _ = guarded
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
    port = free_port()
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
                time.sleep(0.1)  # poll: the page is up within a tenth of a second of serving
            assert chat.poll() is None, (tmp_path / "chat.stderr").read_text()
            assert _listening(chat.pid, port) == {"127.0.0.1"}

            refused = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"x" * 4096)})
            assert refused.status_code == 413
            empty = httpx.post(url + "gradio_api/upload", files={"files": ("b.txt", b"")})
            for path in empty.json() if empty.status_code == 200 else []:
                assert Path(path).resolve().is_relative_to(data.resolve()), path

            client = Client(url, verbose=False, analytics_enabled=False)
            answer = client.predict(
                "What is SECOR?", "AB", 8, False, False, None, None, api_name="/chat"
            )
            for verdict in ("up", "down"):
                client.predict(answer["answer_id"], verdict, api_name="/vote")
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


# ---- issue 18: votes, login back-off, monitoring, endpoint arguments ----------------------


def _call(url: str, name: str, data: list) -> httpx.Response:
    return httpx.post(url + f"gradio_api/call/{name}", json={"data": data}, timeout=30)


def test_a_vote_is_only_for_an_answer_this_server_gave(client, served, settings):
    """The issue's probe: a made-up id, a 1 MB field and a made-up citation store nothing; a
    vote on a real answer stores the server's copy of it, whatever else the caller sends."""
    url = served[0]
    before = settings.feedback_path.read_bytes() if settings.feedback_path.exists() else b""
    forged = ["What is SECOR?", "x" * 1_000_000, "up", [{"url": "file:///etc/passwd"}]]
    refused = _call(url, "vote", forged)  # the old (question, answer, vote, citations) call
    assert refused.status_code == 400 and "/vote takes 2 arguments" in refused.json()["error"]
    for made_up in ("made-up-answer-id", "y" * 1_000_000):
        with pytest.raises(Exception, match="no answer with that id|answer_id"):
            client.predict(made_up, "up", api_name="/vote")
    after = settings.feedback_path.read_bytes() if settings.feedback_path.exists() else b""
    assert after == before

    answer = client.predict("What is SECOR?", "AB", 8, False, False, None, None, api_name="/chat")
    stored = client.predict(answer["answer_id"], "down", api_name="/vote")
    assert (stored["question"], stored["answer"], stored["vote"]) == (
        "What is SECOR?",
        answer["answer"],
        "down",
    )
    fields = ("n", "source", "section", "quote", "url")
    assert stored["citations"] == [{k: c[k] for k in fields} for c in answer["citations"]]
    assert read_last_vote(settings) == stored
    assert b"/etc/passwd" not in settings.feedback_path.read_bytes()


def read_last_vote(settings) -> dict:
    from assistant.answering.feedback import read_votes

    return read_votes(settings.feedback_path)[-1].model_dump(mode="json")


def test_votes_are_rate_limited_per_client(assistant, settings):
    from assistant.answering.feedback import VOTES_PER_WINDOW

    # Its own app, so its own limiter: other tests' votes do not count.
    with serve(build_app(assistant, settings)) as url:
        client = Client(url, verbose=False, analytics_enabled=False)
        answer = client.predict("What is COR?", "BC", 8, False, False, None, None, api_name="/chat")
        for _ in range(VOTES_PER_WINDOW):
            client.predict(answer["answer_id"], "up", api_name="/vote")
        with pytest.raises(Exception, match="too many votes"):
            client.predict(answer["answer_id"], "up", api_name="/vote")


@pytest.fixture
def guarded(assistant, settings, monkeypatch) -> Iterator[tuple[str, object]]:
    """The chat served with a login (``CORGUIDE_AUTH``), one per test: a lockout stays in it."""
    monkeypatch.setenv("CORGUIDE_AUTH", "owner:s3cret")
    demo = build_app(assistant, settings)
    with serve(demo) as url:
        yield url, demo


def _login(url: str, username: str, password: str) -> httpx.Response:
    return httpx.post(url + "login", data={"username": username, "password": password}, timeout=10)


def test_login_compares_user_names_exactly(guarded):
    url, _ = guarded
    for username, password in (("owner ", "s3cret"), (" owner", "s3cret"), ("owner", "s3cret ")):
        assert _login(url, username, password).status_code == 400, (username, password)
    assert _login(url, "owner", "s3cret").status_code == 200
    check = launch_options()["auth"]
    assert callable(check) and check("owner", "s3cret") and not check("Owner", "s3cret")


def test_failed_logins_lock_the_client_out(guarded, monkeypatch):
    """The issue's 200 wrong logins: after the free tries, every attempt (even the right
    password) is refused with 429 and a Retry-After, and the wait grows. The back-off's clock
    is held still, then moved, so the test does not depend on how fast the machine is."""
    from ui import server_guard

    clock = [1000.0]
    monkeypatch.setattr(server_guard, "_now", lambda: clock[0])
    url, _ = guarded
    free = server_guard.LOGIN_FREE_FAILURES
    codes = [_login(url, "owner", f"guess-{i}").status_code for i in range(free + 1)]
    assert codes == [400] * (free + 1)  # the last one starts the lockout
    locked = _login(url, "owner", "s3cret")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "1"
    assert "try again" in locked.json()["detail"]
    assert {_login(url, "owner", "guess").status_code for _ in range(200)} == {429}

    clock[0] += 1.5  # the first lockout (1 s) is over: one more guess is checked, and fails
    assert _login(url, "owner", "guess-again").status_code == 400
    longer = _login(url, "owner", "s3cret")
    assert longer.status_code == 429 and longer.headers["Retry-After"] == "2"  # doubled
    clock[0] += 2.5
    assert _login(url, "owner", "s3cret").status_code == 200
    assert _login(url, "owner", "one-typo").status_code == 400  # the streak starts over


def test_login_backoff_grows_and_a_success_resets_it():
    from ui.server_guard import LOGIN_FREE_FAILURES, LOGIN_MAX_LOCKOUT_SECONDS, LoginBackoff

    now = [0.0]
    backoff = LoginBackoff(clock=lambda: now[0])
    waits = []
    for _ in range(LOGIN_FREE_FAILURES + 12):
        backoff.failed("10.0.0.5")
        waits.append(backoff.wait_seconds("10.0.0.5"))
    assert waits[:LOGIN_FREE_FAILURES] == [0.0] * LOGIN_FREE_FAILURES
    grown = waits[LOGIN_FREE_FAILURES:]
    assert grown == sorted(grown) and grown[0] < grown[3] and grown[-1] == LOGIN_MAX_LOCKOUT_SECONDS
    assert backoff.wait_seconds("10.0.0.6") == 0.0  # per client
    backoff.succeeded("10.0.0.5")
    assert backoff.wait_seconds("10.0.0.5") == 0.0


@pytest.mark.parametrize("with_login", [False, True])
def test_monitoring_is_off(assistant, settings, monkeypatch, capsys, with_login):
    """``GET /monitoring`` printed a dashboard key, and the dashboard answered without login."""
    if with_login:
        monkeypatch.setenv("CORGUIDE_AUTH", "owner:s3cret")
    demo = build_app(assistant, settings)
    with serve(demo) as url:
        key = demo.server_app.analytics_key
        assert httpx.get(url + "monitoring", timeout=10).status_code in (401, 403)
        for path in (f"monitoring/{key}", f"monitoring/{key}/dashboard/config"):
            response = httpx.get(url + path, timeout=10, follow_redirects=True)
            assert response.status_code in (403, 404), path
        assert httpx.get(url + "monitoring/summary", timeout=10).status_code in (401, 403)
    printed = capsys.readouterr()
    assert key not in printed.out + printed.err and "Monitoring URL" not in printed.out


def test_endpoints_refuse_too_few_or_too_many_arguments(client, served, capfd):
    """Each named endpoint: one argument short or one too many is a 400 with one line."""
    url = served[0]
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    checked = 0
    for name, endpoint in api.items():
        params = [p["parameter_name"] for p in endpoint["parameters"]]
        full = [VALID.get(p) for p in params]
        for data in ([*full, "extra"], full[:-1]) if params else ([None],):
            for route in (f"call/{name.lstrip('/')}", f"run/{name.lstrip('/')}"):
                response = httpx.post(url + "gradio_api/" + route, json={"data": data}, timeout=30)
                assert response.status_code == 400, (route, data, response.text)
                reason = response.json()["error"]
                assert f"takes {len(params)} argument" in reason and "\n" not in reason
                assert f"got {len(data)}" in reason
                checked += 1
    fn_index = next(i for i, f in served[1].fns.items() if f.name == "respond")
    join = httpx.post(
        url + "gradio_api/queue/join",
        json={"data": ["What is SECOR?"], "fn_index": fn_index, "session_hash": "short-args"},
        timeout=30,
    )
    assert join.status_code == 400 and "got 1" in join.json()["error"]
    assert checked >= 2 * 2 * 7
    logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err


def _in_session(url: str, session: str, body: dict) -> str:
    join = httpx.post(
        url + "gradio_api/queue/join", json={**body, "session_hash": session}, timeout=30
    )
    assert join.status_code == 200, join.text
    stream = ""
    with httpx.stream(
        "GET", url + f"gradio_api/queue/data?session_hash={session}", timeout=120
    ) as response:
        for line in response.iter_lines():
            stream += line + "\n"
            if "process_completed" in line:
                break
    return stream


def test_the_in_chat_thumbs_vote_on_the_servers_copy(served, settings):
    """The chat's own thumbs (chatbot.like) still record a vote, from the session's answer."""
    from assistant.answering.feedback import read_votes

    url, demo = served
    session = f"thumbs-{time.time_ns()}"
    respond = next(i for i, f in demo.fns.items() if f.name == "respond")
    like = next(i for i, f in demo.fns.items() if f.name == "on_like")
    question = "What is the SECOR worker limit in Manitoba?"
    data = [question, [], {}, {}, "MB", "6", False, False, "", ""]
    answered = _in_session(url, session, {"data": data, "fn_index": respond})
    assert '"success":true' in answered.replace(" ", "")
    before = len(read_votes(settings.feedback_path))
    event = {"index": [1, None], "value": "forged text", "liked": True}
    liked = _in_session(url, session, {"data": [None], "fn_index": like, "event_data": event})
    assert '"success":true' in liked.replace(" ", ""), liked[-400:]
    votes = read_votes(settings.feedback_path)
    assert len(votes) == before + 1
    assert (votes[-1].question, votes[-1].vote) == (question, "up")
    assert votes[-1].answer != "forged text" and votes[-1].citations


def test_readme_states_the_vote_limits_the_login_backoff_and_monitoring_off():
    from assistant.answering import feedback
    from ui import server_guard

    security = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Security", 1)[1]
    security = " ".join(security.split("\n## ", 1)[0].split())
    stated = [
        f"after {server_guard.LOGIN_FREE_FAILURES} failed logins",
        f"up to {server_guard.LOGIN_MAX_LOCKOUT_SECONDS / 60:g} minutes",
        "monitoring dashboard is off",
        f"{feedback.VOTES_PER_WINDOW} votes a minute per client address",
        f"at most {feedback.MAX_VOTE_BYTES // 1024} KB",
        f"question {feedback.MAX_QUESTION_CHARS:,} characters",
        f"answer {feedback.MAX_ANSWER_CHARS:,}",
        f"{feedback.MAX_CITATIONS} citations",
        f"rotates at {feedback.FEEDBACK_MAX_BYTES // 2**20} MB",
        f"the last {feedback.ANSWER_LOG_CAPACITY:,} answers",
        f"at most {server_guard.SESSION_CAPACITY:,} sessions",
        f"unused for {server_guard.SESSION_IDLE_SECONDS / 60:g} minutes",
    ]
    assert feedback.VOTE_WINDOW_SECONDS == 60 and feedback.ANSWER_LOG_TTL_SECONDS == 3600
    missing = [phrase for phrase in stated if phrase not in security]
    assert not missing, missing
