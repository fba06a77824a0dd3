"""The chat under load, for `corguide bench` and the load test: 16 owners asking at once.

The app runs in this process (it is what is measured: latency, answers per second, memory and
the server's CPU seconds per answer); the clients run in one child process
(`assistant.evaluation.load_clients`), one thread each over plain HTTP, so their own work
neither holds this process's interpreter lock nor eats much of the two cores it measures. They
use the page's own API: the Ask tab's ``respond`` event through ``queue/join`` and the
session's event stream (``route="page"``, what a browser sends), or ``/gradio_api/call/chat``
(``route="api"``, what a script sends).

The headline figures come from a steady run: the clients and nothing else (the figure issue 17
asks for: 16 clients for 60 s). Optionally a second phase follows with the same clients asking
while a ``corguide ingest --rebuild`` runs in another process: the chat must keep answering
while the index is swapped and then serve the new one, and its memory must level off over
both phases (issue 18). The rebuild takes one of the two cores, so its latency is its own row.
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
from assistant.index.embedding_cache import CACHE_FILE as EMBEDDING_CACHE_FILE

# Memory is sampled at these shares of the answers: start, after warm-up, ..., end.
WARMUP_SHARE = 0.1
MEMORY_POINTS = 10



def copy_for_rebuild(base: Any, data: Path) -> Path:
    """A copy of the user's data dir for the load run, whose rebuild midway must not touch
    theirs. The embedding cache stays behind, so that rebuild embeds every text again: the
    heaviest rebuild (as after a model change), not the seconds a cached one takes."""
    skip = shutil.ignore_patterns("gradio", "feed*", EMBEDDING_CACHE_FILE)
    shutil.copytree(base.data_dir, data, ignore=skip)
    if not (data / "chroma").is_dir():
        shutil.copytree(base.chroma_dir, data / "chroma")
    return data

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
    """The server side of a load run: its memory at each tenth of the answers, and the rebuild.

    One watch spans both phases (``offset`` is the answers of the phases before the current
    one), so the memory series runs over every answer of the run.
    """

    def __init__(self, progress: Path, target: int, warmup_seconds: float, hold: Path) -> None:
        self.progress, self.target, self.warmup_seconds = progress, target, warmup_seconds
        self.hold = hold
        self.offset = 0
        self.start_mb = _rss_mb()
        self.warm_mb: float | None = None
        self.end_mb = self.start_mb
        self.memory: list[dict[str, float]] = []
        self.rebuild_info: dict[str, Any] | None = None
        self._rebuild: subprocess.Popen | None = None
        self._next_point = 1
        self._started = time.perf_counter()
        self._rebuild_started = 0.0

    def step(self) -> None:
        done = self.offset + _progress_count(self.progress)
        elapsed = time.perf_counter() - self._started
        warm = done >= WARMUP_SHARE * self.target or elapsed >= self.warmup_seconds
        if self.warm_mb is None and warm:
            self.warm_mb = _rss_mb()
        if done >= self._next_point * self.target / MEMORY_POINTS:
            self.memory.append({"answers": done, "seconds": round(elapsed, 1), "rss_mb": _rss_mb()})
            self._next_point += 1
        if self._rebuild is not None and self._rebuild.poll() is not None:
            self._record_rebuild()

    def start_rebuild(self, data_dir: Path) -> None:
        """``corguide ingest --rebuild`` in another process; the clients ask until it is done."""
        self.hold.touch()
        self._rebuild = _rebuild(data_dir)
        self._rebuild_started = time.perf_counter()
        self.rebuild_info = {"started_after_answers": self.offset}

    def _record_rebuild(self) -> None:
        assert self._rebuild is not None and self.rebuild_info is not None
        if "ok" in self.rebuild_info:
            return
        self.hold.unlink(missing_ok=True)
        self.rebuild_info["seconds"] = round(time.perf_counter() - self._rebuild_started, 1)
        self.rebuild_info["ok"] = self._rebuild.returncode == 0
        if not self.rebuild_info["ok"]:
            self.rebuild_info["error"] = (self._rebuild.stderr.read() or "")[-300:]

    def finish(self) -> None:
        self.end_mb = _rss_mb()
        if self._rebuild is not None and self._rebuild.poll() is None:
            self._rebuild.wait(timeout=900)
            self._record_rebuild()


def _live_index(assistant: Any) -> dict[str, Any]:
    """The index's live collection (its id changes when a rebuild swaps a new one in) and the
    fingerprint the chat's search serves, read as the chat's own check reads them."""
    from assistant.index.store import FINGERPRINT_KEY

    search, index = assistant.search, assistant.search.index
    try:
        live = index.client.get_collection(
            name=index.settings.collection, embedding_function=index._ef
        )
        collection, stored = str(live.id), (live.metadata or {}).get(FINGERPRINT_KEY)
    except Exception as exc:  # noqa: BLE001 - reported, not fatal: the figure says what failed
        return {"collection": None, "error": f"{type(exc).__name__}: {str(exc)[:120]}"}
    return {"collection": collection, "fingerprint": stored, "served": search.fingerprint}


def _phase(
    work: Path, job: dict[str, Any], watch: _Watch, server: Any
) -> tuple[dict[str, Any] | None, float, str]:
    """One run of the clients' process: its figures, this process's CPU seconds, its stderr."""
    (work / "job.json").write_text(json.dumps(job))
    (work / "progress").unlink(missing_ok=True)
    (work / "result.json").unlink(missing_ok=True)
    cpu_before = sum(server.cpu_times()[:2])
    with (work / "stderr").open("w") as stderr:  # a file: a full pipe would block it
        child = subprocess.Popen(
            [sys.executable, "-m", "assistant.evaluation.load_clients", str(work / "job.json")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        while child.poll() is None:
            time.sleep(0.25)
            watch.step()
    cpu = sum(server.cpu_times()[:2]) - cpu_before
    err = (work / "stderr").read_text(errors="replace")
    try:
        result = json.loads((work / "result.json").read_text())
    except (OSError, ValueError):
        return None, cpu, err
    watch.offset += len(result["latencies_ms"])
    return result, cpu, err


def _job(
    work: Path, port: int, route: str, questions: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    """What the clients' process is told: where, how, how long, and its files in ``work``."""
    return {
        "url": f"http://127.0.0.1:{port}/",
        "route": route,
        "questions": questions,
        "clients": clients,
        "seconds": seconds,
        "answers": 0,
        "max_seconds": 20 * seconds,
        "progress": str(work / "progress"),
        # While this file exists (a rebuild is running) the clients keep asking, so the
        # rebuild's swap happens under load, not after the last answer.
        "hold": str(work / "hold"),
        # The figures go to a file, not stdout: 4,000 latencies overflow a pipe's 64 KB, and a
        # child blocked writing to a pipe nobody reads yet never exits (the bench hung so).
        "result": str(work / "result.json"),
    }


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
    """``clients`` concurrent chat users on loopback for ``seconds`` with nothing else running
    (the headline figures); with ``rebuild``, then a second phase in which they keep asking
    while ``corguide ingest --rebuild`` runs on the same data dir, until it has swapped the new
    index in and ``answers`` answers are in over both phases (``rebuild_phase``).

    ``route`` is ``"page"`` (the chat page's own event, as a browser sends it) or ``"api"``
    (``/chat``). Memory (this process's resident set, which serves the app) is recorded at the
    start, after warm-up and at every tenth of ``answers``, over both phases; CPU seconds of
    this process and of the clients' process are divided by each phase's answers.
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
    job = _job(work, port, route, questions, clients, seconds)
    job["answers"] = 0 if rebuild else answers  # with a rebuild: over both phases
    server = psutil.Process()
    busy = round(os.getloadavg()[0], 1)  # the other work on the machine, as the run starts
    watch = _Watch(work / "progress", max(answers, 1), warmup_seconds, work / "hold")
    second: dict[str, Any] | None = None
    try:
        steady, cpu, err = _phase(work, job, watch, server)
        if steady is not None and rebuild:
            before = _live_index(assistant)
            watch.start_rebuild(assistant.settings.data_dir)
            # Until the rebuild is in (the hold file) and the answers over both phases are.
            left = max(answers - watch.offset, 0)
            job |= {"seconds": 0.0, "answers": left, "max_seconds": 20 * max(seconds, 60.0)}
            result, rebuild_cpu, _ = _phase(work, job, watch, server)
            watch.finish()
            second = _rebuild_summary(result, rebuild_cpu, watch, before, _live_index(assistant))
        else:
            watch.finish()
    finally:
        demo.close()
        shutil.rmtree(work, ignore_errors=True)
    if steady is None:
        return {"p95_ms": None, "reason": f"the load clients failed: {err.strip()[-300:]}"}
    return (
        _summary(steady, cpu, clients)
        | _memory(watch)
        | {
            "rebuild_phase": second,
            "route": ROUTE_NAMES[route],
            "load_average_at_start": busy,
        }
    )


def _per_answer(total: float, answers: int, scale: float = 1.0) -> float | None:
    return round(total * scale / answers, 2) if answers else None


def _summary(result: dict[str, Any], cpu_seconds: float, clients: int) -> dict[str, Any]:
    """One phase's figures: latency, throughput, CPU per answer, updates and errors."""
    latencies, errors = result["latencies_ms"], result["errors"]
    wall, n = result["seconds"], len(latencies)
    return {
        "p50_ms": _round(percentile(latencies, 50)),
        "p95_ms": _round(percentile(latencies, 95)),
        "n": n,
        "clients": clients,
        "seconds": round(wall, 1),
        "answers": n,
        "answers_per_second": round(n / wall, 2) if wall else None,
        "server_cpu_ms_per_answer": _per_answer(cpu_seconds, n, 1000),
        "client_cpu_ms_per_answer": _per_answer(result["client_cpu_seconds"], n, 1000),
        "updates_per_answer": _per_answer(result["updates"], n),
        "kb_per_answer": _per_answer(result["bytes"], n, 1 / 1024),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
    }


def _rebuild_summary(
    result: dict[str, Any] | None,
    cpu_seconds: float,
    watch: _Watch,
    before: dict[str, Any],
    after: dict[str, Any],
) -> dict[str, Any]:
    """The rebuild phase: its latency and errors, the rebuild, and whether the chat now
    serves the swapped-in index (a new live collection, its fingerprint the one served)."""
    info = watch.rebuild_info or {}
    figures = (
        _summary(result, cpu_seconds, 0)
        if result is not None
        else {"p95_ms": None, "errors": None, "reason": "the load clients failed"}
    )
    figures.pop("clients", None)
    swapped = bool(after.get("collection")) and after.get("collection") != before.get("collection")
    return figures | {
        "rebuild": info,
        "index_swapped": swapped,
        "serves_the_new_index": swapped and after.get("served") == after.get("fingerprint"),
        "index_before": before,
        "index_after": after,
    }


def _memory(watch: _Watch) -> dict[str, Any]:
    """The server's memory over the whole run (both phases)."""
    base = watch.warm_mb if watch.warm_mb is not None else watch.start_mb
    return {
        "rss_start_mb": watch.start_mb,
        "rss_after_warmup_mb": watch.warm_mb,
        "rss_end_mb": watch.end_mb,
        "rss_peak_mb": max([watch.start_mb, watch.end_mb, *(p["rss_mb"] for p in watch.memory)]),
        "rss_growth_after_warmup_mb": round(watch.end_mb - base, 1),
        "memory_answers": watch.offset,
        "memory_series": watch.memory,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def ui_rows(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The chat's rows of the README's Performance table, from bench.json's figures."""
    ui, r = f["ui_load"], f["ratios"]
    if ui.get("p95_ms") is None:
        return [("Chat under concurrent clients", "not measured", str(ui.get("reason")))]
    when = f" ({ui['date']}, `{ui['command']}`)" if ui.get("date") else ""
    warm = (ui.get("warm_answer") or f["warm"]["answer"])["p50_ms"]
    cpu = ui.get("server_cpu_ms_per_answer")
    rows = [
        (
            f"Chat, {ui['clients']} clients on loopback, nothing else running{when}: p50 / p95 "
            f"({ui['answers']} answers in {ui['seconds']} s)",
            f"{ui['p50_ms']} / {ui['p95_ms']} ms, {ui['answers_per_second']} answers/s, "
            f"{ui['errors']} errors",
            f"p95 {r['chat_p95_vs_queue_floor']}x the queue floor ({r['chat_queue_floor_ms']} ms:"
            f" warm p50 x {ui['clients']} / {f['machine']['cores']} cores)",
        ),
        (
            "Chat server CPU per answer (the clients' process)",
            f"{cpu} ms ({ui.get('client_cpu_ms_per_answer')} ms), "
            f"{ui.get('updates_per_answer')} updates per answer",
            f"{round(cpu / warm, 2) if cpu and warm else None}x the warm answer p50 ({warm} ms)",
        ),
    ]
    return [*rows, *_rebuild_rows(ui)]


def _rebuild_rows(ui: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The rebuild phase's row, then the memory over the whole run."""
    phase = ui.get("rebuild_phase") or {}
    rebuild = phase.get("rebuild") or {}
    rows = []
    if phase.get("p95_ms") is not None:
        served = "yes" if phase.get("serves_the_new_index") else "no"
        rows.append(
            (
                f"Then the same clients while `corguide ingest --rebuild` ran: p50 / p95 "
                f"({phase['answers']} answers in {phase['seconds']} s)",
                f"{phase['p50_ms']} / {phase['p95_ms']} ms, {phase['errors']} errors; "
                f"the chat then served the new index: {served}",
                f"the rebuild took one of the cores for {rebuild.get('seconds')} s "
                f"(ok: {rebuild.get('ok')}); {phase.get('server_cpu_ms_per_answer')} ms of "
                "server CPU per answer",
            )
        )
    during = "; a rebuild ran in the second phase" if rebuild else ""
    rows.append(
        (
            f"Chat server memory: start / after warm-up / end ({ui.get('memory_answers')} answers)",
            f"{ui['rss_start_mb']} / {ui['rss_after_warmup_mb']} / {ui['rss_end_mb']} MB",
            f"{ui['rss_growth_after_warmup_mb']:+} MB after warm-up{during}",
        )
    )
    return rows


def chat_note(ui: dict[str, Any]) -> str:
    """The chat run's clients and how busy the machine was, for the table's footnote."""
    if not ui.get("route"):
        return ""
    return (
        f" Chat clients: {ui['route']}; load average {ui.get('load_average_at_start')} "
        "as the chat run started."
    )
