"""`corguide bench`: how fast corguide is, against floors measured in the same run.

Figures (all written to ``bench/bench.json``):

- cold start: a fresh ``corguide ask --json`` process, from launch to its first answer line;
- warm answer latency p50/p95 over the eval questions, and its ratio to the floor: one query
  embedding plus one vector search, timed on the same questions in the same process;
- ingest: a full ingest into a temporary folder in chunks per second, and its ratio to raw
  embedding throughput on the same texts; then the no-change re-ingest time;
- peak memory (resident set) of the cold-start ``corguide ask`` process and of this process
  (ingest, the assistant and the UI under load);
- the chat UI under 16 concurrent ``gradio_client`` clients for a bounded time (loopback only):
  p50/p95 per answer and the error count; null with a reason when the UI cannot run.

The machine is recorded with the figures: they mean nothing without it.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.evals.metrics import percentile
from assistant.settings import PROJECT_ROOT, Settings, get_settings

COLD_QUESTION = "I have 8 workers in Alberta. Which program fits me?"
UI_JURISDICTIONS = ("AB", "BC", "SK", "MB", "ON", "NS", "YT", None)


def machine() -> dict[str, Any]:
    """CPU model, cores, memory and the versions that move the figures."""
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": version("torch"),
        "sentence_transformers": version("sentence-transformers"),
        "chromadb": version("chromadb"),
        "gradio": version("gradio"),
    }


def bench_questions(n: int) -> list[str]:
    """``n`` questions from the gold datasets (each item's last turn), cycled as needed."""
    from assistant.evals.dataset import dataset_files, load_datasets

    items = load_datasets(dataset_files(None, PROJECT_ROOT / "evals" / "datasets"))
    pool = [x.item.messages[-1] for x in items]
    return [pool[i % len(pool)] for i in range(n)]


def _stats(values_ms: list[float]) -> dict[str, float | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 2)

    return {
        "p50_ms": r(percentile(values_ms, 50)),
        "p95_ms": r(percentile(values_ms, 95)),
        "n": len(values_ms),
    }


def _peak_rss_mb(who: int) -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(who).ru_maxrss * scale / 2**20, 1)


def _corguide_command() -> list[str]:
    script = Path(sys.executable).with_name("corguide")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from assistant.cli import main; main()"]


def cold_start(data_dir: Path, question: str = COLD_QUESTION) -> dict[str, Any]:
    """Seconds from launching ``corguide ask --json`` to its first answer line."""
    env = dict(os.environ, CORGUIDE_DATA_DIR=str(data_dir))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*_corguide_command(), "ask", "--json", question],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    peak = _watch_rss(proc.pid)
    first = proc.stdout.readline() if proc.stdout else ""
    seconds = time.perf_counter() - started
    _, err = proc.communicate(timeout=120)
    ok = proc.returncode == 0 and first.startswith("{")
    return {
        "seconds": round(seconds, 2),
        "ok": ok,
        "peak_rss_mb": peak.result(),
        "error": None if ok else (err.strip().splitlines() or ["no output"])[-1][:300],
    }


class _RssWatch:
    """Samples a process's resident set every 20 ms until it exits, keeping the maximum.

    Why not ``RUSAGE_CHILDREN``: Linux carries the parent's peak into a forked child, so a child
    started by a process that has already loaded the model would report the parent's figure.
    """

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._thread = threading.Thread(target=self._run, args=(pid,), daemon=True)
        self._thread.start()

    def _run(self, pid: int) -> None:
        import psutil

        try:
            process = psutil.Process(pid)
            while process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                self.peak = max(self.peak, process.memory_info().rss)
                time.sleep(0.02)
        except psutil.Error:  # the process ended between two samples
            return

    def result(self) -> float:
        self._thread.join(timeout=5)
        return round(self.peak / 2**20, 1)


def _watch_rss(pid: int) -> _RssWatch:
    return _RssWatch(pid)


def ingest_figures(settings: Settings, log: Callable[[str], None]) -> dict[str, Any]:
    """Full ingest into ``settings.data_dir`` vs raw embedding, then the no-change re-ingest."""
    from assistant.corpus import load_corpus
    from assistant.embeddings import load_embedder
    from assistant.ingest import ingest

    embedder = load_embedder(settings.embedding_model)  # loaded first: not part of either rate
    texts = [c.embedding_text() for c in load_corpus(settings.corpus_dir)]
    embedder.embed(texts[:8])  # warm-up
    log(f"raw embedding of {len(texts)} chunks ...")
    started = time.perf_counter()
    embedder.embed(texts)
    raw_seconds = time.perf_counter() - started
    log("full ingest into a temporary folder ...")
    full = ingest(settings)
    log("no-change re-ingest ...")
    again = ingest(settings)
    raw_rate = len(texts) / raw_seconds
    ingest_rate = full.chunks / full.seconds if full.seconds else None
    return {
        "chunks": full.chunks,
        "full_seconds": full.seconds,
        "chunks_per_second": round(ingest_rate, 1) if ingest_rate else None,
        "raw_embed_seconds": round(raw_seconds, 2),
        "raw_embed_chunks_per_second": round(raw_rate, 1),
        "ratio_to_raw_embedding": round(ingest_rate / raw_rate, 3) if ingest_rate else None,
        "no_change_reingest_seconds": again.seconds,
        "no_change_reingest_embedded": again.embedded,
    }


def warm_latency(assistant: Any, questions: list[str]) -> dict[str, Any]:
    """Answer latency vs the floor (query embedding + one vector search) on the same questions."""
    index = assistant.search.index
    embedder = index.embedder
    for q in questions[:5]:  # warm-up: first calls pay one-off costs
        assistant.ask(q)
        index.query(embedder.embed_query(q), assistant.settings.top_k)
    answers: list[float] = []
    floor: list[float] = []
    for q in questions:
        started = time.perf_counter()
        assistant.ask(q)
        answers.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        index.query(embedder.embed_query(q), assistant.settings.top_k)
        floor.append((time.perf_counter() - started) * 1000)
    answer_stats, floor_stats = _stats(answers), _stats(floor)
    ratio = (
        round(answer_stats["p50_ms"] / floor_stats["p50_ms"], 2)
        if answer_stats["p50_ms"] and floor_stats["p50_ms"]
        else None
    )
    return {"answer": answer_stats, "floor": floor_stats, "p50_ratio_to_floor": ratio}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _SelfRssSampler:
    """This process's resident set, sampled every ``interval`` seconds in a thread.

    ``mark()`` records the current figure (the end of warm-up); growth is measured from it.
    """

    def __init__(self, interval: float = 0.5) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.start_mb = self._now()
        self.peak_mb = self.start_mb
        self.mark_mb: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _now(self) -> float:
        return round(self._process.memory_info().rss / 2**20, 1)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak_mb = max(self.peak_mb, self._now())

    def mark(self) -> None:
        self.mark_mb = self._now()

    def stop(self) -> dict[str, float | None]:
        self._stop.set()
        self._thread.join(timeout=5)
        end = self._now()
        self.peak_mb = max(self.peak_mb, end)
        base = self.mark_mb if self.mark_mb is not None else self.start_mb
        return {
            "rss_start_mb": self.start_mb,
            "rss_after_warmup_mb": self.mark_mb,
            "rss_end_mb": end,
            "rss_peak_mb": self.peak_mb,
            "rss_growth_after_warmup_mb": round(end - base, 1),
        }


def ui_load(
    assistant: Any,
    questions: list[str],
    *,
    clients: int,
    seconds: float,
    warmup_seconds: float = 10.0,
) -> dict[str, Any]:
    """``clients`` concurrent gradio_client users asking for ``seconds`` (loopback only).

    Memory (this process's resident set, which serves the app) is recorded at the start, after
    ``warmup_seconds`` of load, at the peak and at the end.
    """
    try:
        from gradio_client import Client

        from ui.app import build_app
    except ImportError as exc:
        return {"p95_ms": None, "reason": f"the UI cannot be imported ({exc})"}
    demo = build_app(assistant, assistant.settings)
    port = _free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        ssr_mode=False,
        share=False,
    )
    url = f"http://127.0.0.1:{port}/"
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        users = [Client(url, verbose=False, analytics_enabled=False) for _ in range(clients)]
        deadline = time.perf_counter() + seconds

        def user(n: int) -> None:
            i = n
            while time.perf_counter() < deadline:
                q = questions[i % len(questions)]
                code = UI_JURISDICTIONS[i % len(UI_JURISDICTIONS)]
                i += clients
                started = time.perf_counter()
                try:
                    users[n].predict(q, code, None, False, False, api_name="/chat")
                except Exception as exc:  # counted, not fatal: the figure is the error rate
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
                    continue
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(clients)]
        rss = _SelfRssSampler()
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(min(warmup_seconds, seconds / 2))
        rss.mark()
        for t in threads:
            t.join(timeout=seconds + 120)
        wall = time.perf_counter() - started
        memory = rss.stop()
    finally:
        demo.close()
    stats = _stats(latencies)
    return {
        **stats,
        "clients": clients,
        "seconds": round(wall, 1),
        "answers": len(latencies),
        "answers_per_second": round(len(latencies) / wall, 2) if wall else None,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        **memory,
    }


def run_bench(
    out: Path,
    *,
    questions: int = 200,
    load_seconds: float = 60.0,
    clients: int = 16,
    ui: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run every measurement in a temporary data folder and write ``out`` (bench.json)."""
    from assistant.chain import Assistant

    base = get_settings()
    tmp = Path(tempfile.mkdtemp(prefix="corguide-bench-"))
    try:
        settings = base.model_copy(
            update={"data_dir": tmp, "chroma_path": None, "chroma_url": None}
        )
        figures: dict[str, Any] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
        }
        figures["ingest"] = ingest_figures(settings, log)
        log("cold start: a fresh `corguide ask` process ...")
        figures["cold_start"] = cold_start(tmp)
        assistant = Assistant.load(settings)
        asked = bench_questions(questions)
        log(f"warm latency over {len(asked)} questions ...")
        figures["warm"] = warm_latency(assistant, asked)
        if ui:
            log(f"UI load: {clients} clients for {load_seconds:g} s ...")
            figures["ui_load"] = ui_load(assistant, asked, clients=clients, seconds=load_seconds)
        else:
            figures["ui_load"] = {"p95_ms": None, "reason": "skipped (--skip-ui)"}
        figures["peak_rss_mb"] = {
            "bench_process": _peak_rss_mb(resource.RUSAGE_SELF),
            "cold_start_process": figures["cold_start"]["peak_rss_mb"],
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def markdown_table(f: dict[str, Any]) -> str:
    """The README's Performance table, from bench.json's figures."""
    m, ing, warm, ui = f["machine"], f["ingest"], f["warm"], f["ui_load"]
    rows = [
        ("Cold start to first answer (`corguide ask`)", f"{f['cold_start']['seconds']} s"),
        (
            "Warm answer latency p50 / p95",
            f"{warm['answer']['p50_ms']} / {warm['answer']['p95_ms']} ms",
        ),
        (
            "Floor: query embedding + vector search p50 / p95",
            f"{warm['floor']['p50_ms']} / {warm['floor']['p95_ms']} ms",
        ),
        ("Answer p50 / floor p50", f"{warm['p50_ratio_to_floor']}x"),
        (
            f"Full ingest ({ing['chunks']} chunks)",
            f"{ing['full_seconds']} s, {ing['chunks_per_second']} chunks/s",
        ),
        (
            "Raw embedding throughput (same texts)",
            f"{ing['raw_embed_chunks_per_second']} chunks/s "
            f"(ingest at {ing['ratio_to_raw_embedding']}x of it)",
        ),
        (
            "No-change re-ingest",
            f"{ing['no_change_reingest_seconds']} s "
            f"({ing['no_change_reingest_embedded']} chunks embedded)",
        ),
        (
            "Peak memory: `corguide ask` process / bench process (assistant + UI under load)",
            f"{f['peak_rss_mb']['cold_start_process']} / {f['peak_rss_mb']['bench_process']} MB",
        ),
    ]
    if ui.get("p95_ms") is not None:
        rows.append(
            (
                f"Chat UI, {ui['clients']} concurrent clients for {ui['seconds']} s: p50 / p95",
                f"{ui['p50_ms']} / {ui['p95_ms']} ms, {ui['answers_per_second']} answers/s, "
                f"{ui['errors']} errors"
                + (
                    f", memory {ui['rss_growth_after_warmup_mb']:+} MB after warm-up"
                    if ui.get("rss_growth_after_warmup_mb") is not None
                    else ""
                ),
            )
        )
    else:
        rows.append(("Chat UI under concurrent clients", f"not measured: {ui.get('reason')}"))
    lines = ["| measure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    lines.append("")
    lines.append(
        f"Measured {f['date']} on {m['cpu']} ({m['cores']} cores, {m['ram_gb']} GB RAM), "
        f"{m['os']}, Python {m['python']}, torch {m['torch']}."
    )
    return "\n".join(lines)
