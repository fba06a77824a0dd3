"""The chat under load, for `corguide bench` and the load test: 16 owners asking at once.

The app runs in this process (it is what is measured: latency, answers per second, memory);
the clients run in a child process (``python -m assistant.evaluation.bench_load``), so their own
work does not hold this process's interpreter lock and inflate the server's figures. Both
still share the machine's cores, as a real deployment's reverse proxy would.

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
import threading
import time
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import percentile

UI_JURISDICTIONS = ("AB", "BC", "SK", "MB", "ON", "NS", "YT", None)
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
) -> dict[str, Any]:
    """``clients`` concurrent gradio_client users on loopback, for at least ``seconds`` and
    until ``answers`` answers are in (whichever is later; capped at 20 times ``seconds``).

    Memory (this process's resident set, which serves the app) is recorded at the start, after
    warm-up and at every tenth of the run. With ``rebuild``, ``corguide ingest --rebuild``
    runs in another process on the same data dir once 30% of the answers are in, and the
    clients keep asking until it has swapped the new index in.
    """
    try:
        import gradio_client  # noqa: F401  (the child needs it; fail here with a reason)

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
    try:
        watch = _Watch(work / "progress", max(answers, 1), warmup_seconds, work / "hold")
        with (work / "stderr").open("w") as stderr:  # a file: a full pipe would block it
            child = subprocess.Popen(
                [sys.executable, "-m", "assistant.evaluation.bench_load", str(work / "job.json")],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            while child.poll() is None:
                time.sleep(0.25)
                watch.step(assistant.settings.data_dir if rebuild else None)
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
    return _summary(result, watch, clients)


def _summary(result: dict[str, Any], watch: _Watch, clients: int) -> dict[str, Any]:
    """The load run's figures: latency, throughput, errors, memory and the rebuild."""
    latencies, errors = result["latencies_ms"], result["errors"]
    wall = result["seconds"]
    base = watch.warm_mb if watch.warm_mb is not None else watch.start_mb
    return {
        "p50_ms": _round(percentile(latencies, 50)),
        "p95_ms": _round(percentile(latencies, 95)),
        "n": len(latencies),
        "clients": clients,
        "seconds": round(wall, 1),
        "answers": len(latencies),
        "answers_per_second": round(len(latencies) / wall, 2) if wall else None,
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


def run_clients(job: dict[str, Any]) -> dict[str, Any]:
    """The child's side: ``clients`` threads asking back to back, one gradio_client each."""
    from gradio_client import Client

    questions, clients = job["questions"], job["clients"]
    users = [Client(job["url"], verbose=False, analytics_enabled=False) for _ in range(clients)]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = time.perf_counter()
    min_end, max_end = started + job["seconds"], started + job["max_seconds"]
    progress = Path(job["progress"])

    def finished() -> bool:
        now = time.perf_counter()
        held = Path(job["hold"]).exists()
        return now >= max_end or (now >= min_end and len(latencies) >= job["answers"] and not held)

    def user(n: int) -> None:
        i = n
        while not finished():
            q = questions[i % len(questions)]
            code = UI_JURISDICTIONS[i % len(UI_JURISDICTIONS)]
            i += clients
            began = time.perf_counter()
            try:
                users[n].predict(q, code, None, False, False, api_name="/chat")
            except Exception as exc:  # counted, not fatal: the figure is the error count
                with lock:
                    errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
                continue
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                if len(latencies) % 10 == 0:
                    progress.write_text(str(len(latencies)))

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "latencies_ms": latencies,
        "errors": errors,
        "seconds": time.perf_counter() - started,
    }


if __name__ == "__main__":  # the child process started by `ui_load`
    _job = json.loads(Path(sys.argv[1]).read_text())
    Path(_job["result"]).write_text(json.dumps(run_clients(_job)))
