"""The chat under load, for `corguide bench` and the load test: 16 owners asking at once.

The app runs in this process (it is what is measured: latency, answers per second, memory and
the server's CPU seconds per answer); the clients run in one child process
(`assistant.evaluation.load_clients`), one thread each over plain HTTP, so their own work
neither holds this process's interpreter lock nor eats much of the two cores it measures. They
use the page's own API: the Ask tab's ``respond`` event through ``queue/join`` and the
session's event stream (``route="page"``, what a browser sends), or ``/gradio_api/call/chat``
(``route="api"``, what a script sends).

Optionally a ``corguide ingest --rebuild`` runs in another process partway through: the chat
must keep answering while the index is swapped, and its memory must level off (issue 18).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.evaluation.load_clients import ROUTE_NAMES
from assistant.evaluation.metrics import percentile

# Memory is sampled at these shares of the answers: start, after warm-up, ..., end.
WARMUP_SHARE = 0.1
MEMORY_POINTS = 10
# The rebuild starts once this share of the answers is in, so it overlaps the busy middle.
REBUILD_AT_SHARE = 0.3


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _progress_count(path: Path) -> int:
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


def _rebuild(data_dir: Path) -> subprocess.Popen:
    script = Path(sys.executable).with_name("corguide")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli.main"]
    return subprocess.Popen(
        [*command, "ingest", "--rebuild", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, CORGUIDE_DATA_DIR=str(data_dir)),
    )


class _Watch:
    """The server side of a load run: memory at each tenth of the answers, and the rebuild."""

    def __init__(self, progress: Path, target: int, warmup_seconds: float, hold: Path) -> None:
        self.progress, self.target, self.warmup_seconds = progress, target, warmup_seconds
        self.hold = hold
        self.start_mb = _rss_mb()
        self.warm_mb: float | None = None
        self.end_mb = self.start_mb
        self.memory: list[dict[str, float]] = []
        self.rebuild_info: dict[str, Any] | None = None
        self._rebuild: subprocess.Popen | None = None
        self._next_point = 1
        self._started = time.perf_counter()
        self._rebuild_started = 0.0
        self.cpu_seconds = 0.0  # this process's, over the clients' run (set by ui_load)

    def step(self, rebuild_dir: Path | None) -> None:
        done = _progress_count(self.progress)
        elapsed = time.perf_counter() - self._started
        warm = done >= WARMUP_SHARE * self.target or elapsed >= self.warmup_seconds
        if self.warm_mb is None and warm:
            self.warm_mb = _rss_mb()
        if done >= self._next_point * self.target / MEMORY_POINTS:
            self.memory.append({"answers": done, "seconds": round(elapsed, 1), "rss_mb": _rss_mb()})
            self._next_point += 1
        if (
            rebuild_dir is not None
            and self._rebuild is None
            and done >= REBUILD_AT_SHARE * self.target
        ):
            self.hold.touch()
            self._rebuild = _rebuild(rebuild_dir)
            self._rebuild_started = time.perf_counter()
            self.rebuild_info = {"started_after_answers": done}
        if self._rebuild is not None and self._rebuild.poll() is not None:
            self._record_rebuild(done)

    def _record_rebuild(self, done: int | None) -> None:
        assert self._rebuild is not None and self.rebuild_info is not None
        if "ok" in self.rebuild_info:
            return
        self.hold.unlink(missing_ok=True)
        self.rebuild_info["seconds"] = round(time.perf_counter() - self._rebuild_started, 1)
        self.rebuild_info["ok"] = self._rebuild.returncode == 0
        if done is None:
            self.rebuild_info["finished_after_the_run"] = True
        else:
            self.rebuild_info["finished_after_answers"] = done
        if not self.rebuild_info["ok"]:
            self.rebuild_info["error"] = (self._rebuild.stderr.read() or "")[-300:]

    def finish(self) -> None:
        self.end_mb = _rss_mb()
        if self._rebuild is not None and self._rebuild.poll() is None:
            self._rebuild.wait(timeout=900)
            self._record_rebuild(None)


def ui_load(
    assistant: Any,
    questions: list[str],
    *,
    clients: int,
    seconds: float,
    answers: int = 0,
    rebuild: bool = False,
    warmup_seconds: float = 10.0,
    route: str = "page",
) -> dict[str, Any]:
    """``clients`` concurrent chat users on loopback, for at least ``seconds`` and until
    ``answers`` answers are in (whichever is later; capped at 20 times ``seconds``).

    ``route`` is ``"page"`` (the chat page's own event, as a browser sends it) or ``"api"``
    (``/chat``). Memory (this process's resident set, which serves the app) is recorded at the
    start, after warm-up and at every tenth of the run; CPU seconds of this process and of the
    clients' process are divided by the answers. With ``rebuild``, ``corguide ingest
    --rebuild`` runs in another process on the same data dir once 30% of the answers are in,
    and the clients keep asking until it has swapped the new index in.
    """
    import psutil

    try:
        import httpx  # noqa: F401  (the child needs it; fail here with a reason)

        from ui.app import build_app, launch_options
    except ImportError as exc:
        return {"p95_ms": None, "reason": f"the UI cannot be imported ({exc})"}
    demo = build_app(assistant, assistant.settings)
    port = _free_port()
    # The same options `corguide chat` serves with: session cap, idle sweeper, argument guard.
    demo.launch(**launch_options("127.0.0.1", port), prevent_thread_lock=True, quiet=True)
    work = Path(tempfile.mkdtemp(prefix="corguide-load-"))
    job = {
        "url": f"http://127.0.0.1:{port}/",
        "route": route,
        "questions": questions,
        "clients": clients,
        "seconds": seconds,
        "answers": answers,
        "max_seconds": 20 * seconds,
        "progress": str(work / "progress"),
        # While this file exists (a rebuild is running) the clients keep asking, so the
        # rebuild's swap happens under load, not after the last answer.
        "hold": str(work / "hold"),
        # The figures go to a file, not stdout: 4,000 latencies overflow a pipe's 64 KB, and a
        # child blocked writing to a pipe nobody reads yet never exits (the bench hung so).
        "result": str(work / "result.json"),
    }
    (work / "job.json").write_text(json.dumps(job))
    server = psutil.Process()
    busy = round(os.getloadavg()[0], 1)  # the other work on the machine, as the run starts
    try:
        watch = _Watch(work / "progress", max(answers, 1), warmup_seconds, work / "hold")
        cpu_before = sum(server.cpu_times()[:2])
        with (work / "stderr").open("w") as stderr:  # a file: a full pipe would block it
            child = subprocess.Popen(
                [sys.executable, "-m", "assistant.evaluation.load_clients", str(work / "job.json")],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            while child.poll() is None:
                time.sleep(0.25)
                watch.step(assistant.settings.data_dir if rebuild else None)
        watch.cpu_seconds = sum(server.cpu_times()[:2]) - cpu_before
        watch.finish()
        err = (work / "stderr").read_text(errors="replace")
        result_text = (work / "result.json").read_text() if (work / "result.json").exists() else ""
    finally:
        demo.close()
        shutil.rmtree(work, ignore_errors=True)
    try:
        result = json.loads(result_text)
    except ValueError:
        return {"p95_ms": None, "reason": f"the load clients failed: {err.strip()[-300:]}"}
    return _summary(result, watch, clients) | {
        "route": ROUTE_NAMES[route],
        "load_average_at_start": busy,
    }


def _per_answer(total: float, answers: int, scale: float = 1.0) -> float | None:
    return round(total * scale / answers, 2) if answers else None


def _summary(result: dict[str, Any], watch: _Watch, clients: int) -> dict[str, Any]:
    """The load run's figures: latency, throughput, CPU, errors, memory and the rebuild."""
    latencies, errors = result["latencies_ms"], result["errors"]
    during = [ms for ms, held in zip(latencies, result["during_rebuild"], strict=True) if held]
    outside = [ms for ms, held in zip(latencies, result["during_rebuild"], strict=True) if not held]
    wall, n = result["seconds"], len(latencies)
    base = watch.warm_mb if watch.warm_mb is not None else watch.start_mb
    return {
        "p50_ms": _round(percentile(latencies, 50)),
        "p95_ms": _round(percentile(latencies, 95)),
        "n": n,
        "clients": clients,
        "seconds": round(wall, 1),
        "answers": n,
        "answers_per_second": round(n / wall, 2) if wall else None,
        # The rebuild's embedding takes a core for most of the run: the split says what it costs.
        "p95_ms_during_rebuild": _round(percentile(during, 95)),
        "p95_ms_without_rebuild": _round(percentile(outside, 95)),
        "answers_during_rebuild": len(during),
        "server_cpu_ms_per_answer": _per_answer(watch.cpu_seconds, n, 1000),
        "client_cpu_ms_per_answer": _per_answer(result["client_cpu_seconds"], n, 1000),
        "updates_per_answer": _per_answer(result["updates"], n),
        "kb_per_answer": _per_answer(result["bytes"], n, 1 / 1024),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "rss_start_mb": watch.start_mb,
        "rss_after_warmup_mb": watch.warm_mb,
        "rss_end_mb": watch.end_mb,
        "rss_peak_mb": max([watch.start_mb, watch.end_mb, *(p["rss_mb"] for p in watch.memory)]),
        "rss_growth_after_warmup_mb": round(watch.end_mb - base, 1),
        "memory_series": watch.memory,
        "rebuild": watch.rebuild_info,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def ui_rows(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The chat's rows of the README's Performance table, from bench.json's figures."""
    ui, r = f["ui_load"], f["ratios"]
    if ui.get("p95_ms") is None:
        return [("Chat under concurrent clients", "not measured", str(ui.get("reason")))]
    rebuild = ui.get("rebuild") or {}
    when = f" ({ui['date']}, `{ui['command']}`)" if ui.get("date") else ""
    warm = (ui.get("warm_answer") or f["warm"]["answer"])["p50_ms"]
    cpu = ui.get("server_cpu_ms_per_answer")
    return [
        (
            f"Chat, {ui['clients']} clients on loopback{when}: p50 / p95 ({ui['answers']} "
            f"answers in {ui['seconds']} s)",
            f"{ui['p50_ms']} / {ui['p95_ms']} ms, {ui['answers_per_second']} answers/s, "
            f"{ui['errors']} errors",
            f"p95 {r['chat_p95_vs_queue_floor']}x the queue floor ({r['chat_queue_floor_ms']} ms:"
            f" warm p50 x {ui['clients']} / {f['machine']['cores']} cores)",
        ),
        (
            "Chat p95 while the rebuild ran / otherwise",
            f"{ui.get('p95_ms_during_rebuild')} / {ui.get('p95_ms_without_rebuild')} ms",
            f"{ui.get('answers_during_rebuild')} answers while `corguide ingest --rebuild` "
            "took a core",
        ),
        (
            "Chat server CPU per answer (the clients' process)",
            f"{cpu} ms ({ui.get('client_cpu_ms_per_answer')} ms), "
            f"{ui.get('updates_per_answer')} updates per answer",
            f"{round(cpu / warm, 2) if cpu and warm else None}x the warm answer p50 ({warm} ms)",
        ),
        (
            "Chat server memory: start / after warm-up / end",
            f"{ui['rss_start_mb']} / {ui['rss_after_warmup_mb']} / {ui['rss_end_mb']} MB",
            f"{ui['rss_growth_after_warmup_mb']:+} MB after warm-up; a `corguide ingest "
            f"--rebuild` ran meanwhile ({rebuild.get('seconds')} s, ok: {rebuild.get('ok')})",
        ),
    ]


def chat_note(ui: dict[str, Any]) -> str:
    """The chat run's clients and how busy the machine was, for the table's footnote."""
    if not ui.get("route"):
        return ""
    return (
        f" Chat clients: {ui['route']}; load average {ui.get('load_average_at_start')} "
        "as the chat run started."
    )
