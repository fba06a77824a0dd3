"""The load run's clients: chat users over plain HTTP, in one process (issue 17).

Started by `assistant.evaluation.bench_load.ui_load` as ``python -m
assistant.evaluation.load_clients JOB.json``: one thread per client, each with its own httpx
connection, asking back to back. They use the page's own API, what a browser or a script sends,
not gradio_client: a gradio_client process per few clients cost the two shared cores about as
much CPU as the server it measured did.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

# The panel's province for each question in turn (none: the answer must ask or stay general).
UI_JURISDICTIONS = ("AB", "BC", "SK", "MB", "ON", "NS", "YT", None)
# A page client asks this many questions in one chat, then presses "New chat".
CHAT_TURNS = 3
REQUEST_TIMEOUT = 120.0


class PageChat:
    """One browser tab on the chat page, over the HTTP API the page itself uses.

    The page's script sends the Ask tab's ``respond`` event to ``queue/join`` with the page's
    current values and reads the session's server-sent events from ``queue/data`` until the
    event completes; so does this, with the values a fresh page shows (from ``/config``). The
    chat's history is carried from each completed answer, as the page carries it, and after
    `CHAT_TURNS` answers the owner presses "New chat" (``run/predict``, not queued).
    """

    def __init__(self, http: Any, config: dict[str, Any]) -> None:
        self.http = http
        deps = {d.get("api_name"): d for d in config["dependencies"]}
        dep, self.new_chat = deps["respond"], deps["new_chat"]
        self._respond = dep
        props = {c["id"]: c.get("props", {}) for c in config["components"]}
        self.fresh = [props[i].get("value") for i in dep["inputs"]]
        ids = [props[i].get("elem_id") for i in dep["inputs"]]
        self.question_at, self.province_at = ids.index("cg-question"), ids.index("cg-jurisdiction")
        self.chat_at = dep["inputs"].index(dep["outputs"][0])  # the chatbot: output 0, an input
        self.session, self.history, self.turns = uuid.uuid4().hex, [], 0

    def _event(self, dep: dict[str, Any], data: list[Any]) -> dict[str, Any]:
        return {
            "data": data,
            "event_data": None,
            "fn_index": dep["id"],
            "trigger_id": dep["targets"][0][0],
            "session_hash": self.session,
        }

    def _start_over(self) -> None:
        self.http.post("gradio_api/run/predict", json=self._event(self.new_chat, []))
        self.history, self.turns = [], 0

    def ask(self, question: str, province: str | None) -> dict[str, int]:
        """One answer; raises on any failure. Returns the updates and bytes it took."""
        if self.turns >= CHAT_TURNS:
            self._start_over()
        data = list(self.fresh)
        data[self.question_at], data[self.province_at] = question, province
        data[self.chat_at] = self.history
        join = self.http.post("gradio_api/queue/join", json=self._event(self._respond, data))
        join.raise_for_status()
        output, seen = self._read_events(join.json()["event_id"])
        self.history, self.turns = output["data"][0], self.turns + 1
        return seen

    def _read_events(self, event_id: str) -> tuple[dict[str, Any], dict[str, int]]:
        seen = {"updates": 0, "bytes": 0}
        params = {"session_hash": self.session}
        with self.http.stream("GET", "gradio_api/queue/data", params=params) as events:
            events.raise_for_status()
            for line in events.iter_lines():
                if not line.startswith("data:"):
                    continue
                seen["bytes"] += len(line)
                message = json.loads(line[5:])
                if message.get("event_id") != event_id:
                    continue
                if message["msg"] == "process_generating":
                    seen["updates"] += 1
                elif message["msg"] == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message.get("output"))[:200])
                    return message["output"], seen
        raise RuntimeError("the event stream ended before the answer")


class ApiChat:
    """A script calling ``/chat`` over ``/gradio_api/call/chat`` (what `gradio_client` wraps)."""

    def __init__(self, http: Any, config: dict[str, Any]) -> None:
        self.http = http

    def ask(self, question: str, province: str | None) -> dict[str, int]:
        data = [question, province, None, False, False, None, None]
        call = self.http.post("gradio_api/call/chat", json={"data": data})
        call.raise_for_status()
        seen = {"updates": 0, "bytes": 0}
        event = ""
        with self.http.stream("GET", f"gradio_api/call/chat/{call.json()['event_id']}") as sse:
            sse.raise_for_status()
            for line in sse.iter_lines():
                seen["bytes"] += len(line)
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "complete":
                    return seen
                elif line.startswith("data:") and event == "error":
                    raise RuntimeError(line[5:200])
        raise RuntimeError("the event stream ended before the answer")


ROUTES = {"page": PageChat, "api": ApiChat}
ROUTE_NAMES = {
    "page": "the Ask tab's respond event via queue/join + the session's event stream, "
    f"one session per client, history carried, 'New chat' after every {CHAT_TURNS} questions",
    "api": "/gradio_api/call/chat and its event stream, one question per call",
}


def run_clients(job: dict[str, Any]) -> dict[str, Any]:
    """The child's side: ``clients`` threads asking back to back, over plain HTTP (httpx).

    One process and one thread per client, so the measuring costs little of the cores it
    measures; each answer is timed from the request to its completed event.
    """
    import httpx

    questions, clients = job["questions"], job["clients"]
    config = httpx.get(job["url"] + "config", timeout=REQUEST_TIMEOUT).json()
    records: list[tuple[float, bool]] = []  # (milliseconds, a rebuild was running)
    errors: list[str] = []
    seen = {"updates": 0, "bytes": 0}
    lock = threading.Lock()
    started = time.perf_counter()
    min_end, max_end = started + job["seconds"], started + job["max_seconds"]
    progress, hold = Path(job["progress"]), Path(job["hold"])

    def finished() -> bool:
        now = time.perf_counter()
        held = hold.exists()
        return now >= max_end or (now >= min_end and len(records) >= job["answers"] and not held)

    def user(n: int) -> None:
        i = n
        with httpx.Client(base_url=job["url"], timeout=REQUEST_TIMEOUT) as http:
            chat = ROUTES[job["route"]](http, config)
            while not finished():
                q, code = questions[i % len(questions)], UI_JURISDICTIONS[i % len(UI_JURISDICTIONS)]
                i += clients
                began = time.perf_counter()
                try:
                    got = chat.ask(q, code)
                except Exception as exc:  # counted, not fatal: the figure is the error count
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
                    continue
                with lock:
                    records.append(((time.perf_counter() - began) * 1000, hold.exists()))
                    seen["updates"] += got["updates"]
                    seen["bytes"] += got["bytes"]
                    if len(records) % 10 == 0:
                        progress.write_text(str(len(records)))

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "latencies_ms": [ms for ms, _ in records],
        "during_rebuild": [held for _, held in records],
        "errors": errors,
        "seconds": time.perf_counter() - started,
        "client_cpu_seconds": usage.ru_utime + usage.ru_stime,
        **seen,
    }


if __name__ == "__main__":  # the child process started by `bench_load.ui_load`
    _job = json.loads(Path(sys.argv[1]).read_text())
    Path(_job["result"]).write_text(json.dumps(run_clients(_job)))
