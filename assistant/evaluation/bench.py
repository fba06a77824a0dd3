"""`corguide bench`: how fast corguide is, against floors measured in the same run.

Figures (all written to ``bench/bench.json``):

- cold start: a fresh ``corguide ask --json`` process, from launch to its first answer line;
- warm answer latency p50/p95 over the eval questions, and its ratio to the floor: one query
  embedding plus one vector search, timed on the same questions in the same process;
- ingest: a full ingest into a temporary folder in chunks per second, and its ratio to raw
  embedding throughput on the same texts; then the no-change re-ingest time;
- peak memory (resident set) of the cold-start ``corguide ask`` process and of this process
  (ingest, the assistant and the UI under load);
- the chat UI under 16 concurrent clients on the page's own HTTP API (loopback only): p50/p95
  per answer, server CPU per answer and the error count; null with a reason when the UI cannot
  run. ``corguide bench --only ui`` runs this part alone (`run_ui_bench`).

The machine is recorded with the figures: they mean nothing without it.
"""

from __future__ import annotations

# Stages are imported inside functions: they pull in chromadb, onnxruntime or gradio.
import json
import os
import platform
import resource
import shutil
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

from assistant.errors import InputError
from assistant.evaluation.bench_load import chat_note, copy_for_rebuild, ui_load, ui_rows
from assistant.evaluation.metrics import percentile
from assistant.index.sentence_vectors import load_store, store_path
from assistant.settings import PROJECT_ROOT, Settings, get_settings

__all__ = ["bench_questions", "machine", "run_bench", "run_ui_bench", "ui_load"]

COLD_QUESTION = "I have 8 workers in Alberta. Which program fits me?"
# New processes timed per figure (the median is reported): one run on a shared machine is noise.
COLD_RUNS = 3
# The floor of a cold `corguide ask`: the vector store's own import, the least a process that
# searches the index must pay.
IMPORT_FLOOR = ("python -c 'import chromadb'", "import chromadb")
# Issue 18 item 5: memory must level off over at least this many chat answers.
LOAD_ANSWERS = 3000
QUESTION_MIX = (
    "every item of evals/datasets/*.jsonl (a conversation's last turn), in file order, "
    "cycled; provinces AB, BC, SK, MB, ON, NS, YT and none in turn"
)
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


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
        "onnxruntime": version("onnxruntime"),
    }


def bench_questions(n: int) -> list[str]:
    """``n`` questions from the gold datasets (each item's last turn), cycled as needed."""

    pool = eval_pool()
    return [pool[i % len(pool)] for i in range(n)]


def eval_pool() -> list[str]:
    """Each eval item's last message, every dataset, in file order (the bench's question mix)."""
    from assistant.evaluation.dataset import dataset_files, load_datasets

    items = load_datasets(dataset_files(None, PROJECT_ROOT / "evals" / "datasets"))
    return [x.item.messages[-1] for x in items]


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
    return [sys.executable, "-c", "from assistant.cli.main import main; main()"]


def _timed_process(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Seconds from launch to the first line on stdout (or to exit), and the peak memory."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = _watch_rss(proc.pid)
    first = proc.stdout.readline() if proc.stdout else ""
    if not first:
        proc.wait(timeout=300)
    seconds = time.perf_counter() - started
    _, err = proc.communicate(timeout=300)
    return {
        "seconds": seconds,
        "first": first,
        "returncode": proc.returncode,
        "peak_rss_mb": peak.result(),
        "err": err,
    }


def cold_start(data_dir: Path, question: str = COLD_QUESTION) -> dict[str, Any]:
    """A fresh ``corguide ask --json`` process, launch to its first answer line, against its
    floor: a fresh ``python -c "import chromadb"``, timed alternately, ``COLD_RUNS`` each."""
    env = dict(os.environ, CORGUIDE_DATA_DIR=str(data_dir))
    asks: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    for _ in range(COLD_RUNS):
        floors.append(_timed_process([sys.executable, "-c", IMPORT_FLOOR[1] + "; print(1)"], env))
        asks.append(_timed_process([*_corguide_command(), "ask", "--json", question], env))
    ok = all(a["returncode"] == 0 and a["first"].startswith("{") for a in asks)
    seconds = percentile([a["seconds"] for a in asks], 50)
    floor = percentile([f["seconds"] for f in floors], 50)
    peak = max(a["peak_rss_mb"] for a in asks)
    floor_peak = max(f["peak_rss_mb"] for f in floors)
    failed = next((a for a in asks if a["returncode"] != 0), None)
    return {
        "seconds": round(seconds, 2),
        "runs": [round(a["seconds"], 2) for a in asks],
        "floor_command": IMPORT_FLOOR[0],
        "floor_seconds": round(floor, 2),
        "ratio_to_floor": round(seconds / floor, 2) if floor else None,
        "ok": ok,
        "peak_rss_mb": peak,
        "floor_peak_rss_mb": floor_peak,
        "memory_ratio_to_floor": round(peak / floor_peak, 2) if floor_peak else None,
        "error": None
        if ok
        else ((failed or asks[0])["err"].strip().splitlines() or ["no output"])[-1][:300],
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
    from assistant.index.embeddings import load_embedder
    from assistant.index.ingest import ingest
    from assistant.knowledge.corpus import load_corpus

    # The engine ingest uses (loaded, and exported when missing, first: not part of either rate).
    embedder = load_embedder(settings.embedding_model, settings.data_dir / "cache")
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
        **_index_sizes(settings),
        "chunks": full.chunks,
        "full_seconds": full.seconds,
        "chunks_per_second": round(ingest_rate, 1) if ingest_rate else None,
        "raw_embed_seconds": round(raw_seconds, 2),
        "raw_embed_chunks_per_second": round(raw_rate, 1),
        "ratio_to_raw_embedding": round(ingest_rate / raw_rate, 3) if ingest_rate else None,
        "no_change_reingest_seconds": again.seconds,
        "no_change_reingest_embedded": again.embedded,
    }


def _index_sizes(settings: Settings) -> dict[str, Any]:
    """The index on disk, and what the sentence vectors of issue 13 add to it (MB)."""
    folder = settings.chroma_dir
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    sentences = store_path(settings)
    extra = sentences.stat().st_size if sentences.is_file() else 0
    spans = sum(len(vectors) for _, vectors in load_store(sentences).entries.values())
    return {
        "index_mb": round(total / 2**20, 2),
        "sentence_vectors_mb": round(extra / 2**20, 2),
        "sentence_vectors_share": round(extra / total, 3) if total else None,
        "sentence_spans": spans,
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


def ratios(f: dict[str, Any]) -> dict[str, float | None]:
    """Every headline figure over its floor from the same run (1.0 is the floor itself)."""
    cold, warm, ing, ui = f["cold_start"], f["warm"], f["ingest"], f["ui_load"]

    def over(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a is not None and b else None

    # 16 answers at once on N cores cannot finish sooner than 16 / N warm answers in a row
    # (the warm answer timed with the chat run when `--only ui` ran it alone).
    warm_p50 = (ui.get("warm_answer") or warm["answer"])["p50_ms"]
    ui_floor = (
        warm_p50 * ui["clients"] / (f["machine"]["cores"] or 1)
        if ui.get("clients") and warm_p50
        else None
    )
    return {
        "cold_ask_vs_import_chromadb": cold.get("ratio_to_floor"),
        "ask_peak_memory_vs_import_chromadb": cold.get("memory_ratio_to_floor"),
        "warm_p50_vs_embed_and_search": over(warm["answer"]["p50_ms"], warm["floor"]["p50_ms"]),
        "warm_p95_vs_embed_and_search": over(warm["answer"]["p95_ms"], warm["floor"]["p95_ms"]),
        "ingest_rate_vs_raw_embedding": ing.get("ratio_to_raw_embedding"),
        "chat_p95_vs_queue_floor": over(ui.get("p95_ms"), ui_floor),
        "chat_queue_floor_ms": round(ui_floor, 1) if ui_floor else None,
    }


def run_bench(
    out: Path,
    *,
    questions: int = 200,
    load_seconds: float = 60.0,
    clients: int = 16,
    ui: bool = True,
    answers: int = LOAD_ANSWERS,
    readme: Path | None = PROJECT_ROOT / "README.md",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run every measurement in a temporary data folder; write ``out`` (bench.json) and the
    README's Performance table."""
    from assistant.answering.chain import Assistant

    base = get_settings()
    tmp = Path(tempfile.mkdtemp(prefix="corguide-bench-"))
    try:
        settings = base.model_copy(
            update={"data_dir": tmp, "chroma_path": None, "chroma_url": None}
        )
        figures: dict[str, Any] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "command": "corguide bench",
            "question_mix": QUESTION_MIX,
        }
        figures["ingest"] = ingest_figures(settings, log)
        log(f"cold start: {COLD_RUNS} fresh `corguide ask` processes and their floor ...")
        figures["cold_start"] = cold_start(tmp)
        assistant = Assistant.load(settings)
        asked = bench_questions(questions)
        log(f"warm latency over {len(asked)} questions ...")
        figures["warm"] = warm_latency(assistant, asked)
        if ui:
            mix = bench_questions(len(eval_pool()))
            log(f"chat load: {clients} clients for {load_seconds} s, then during a rebuild ...")
            figures["ui_load"] = ui_load(
                assistant, mix, clients=clients, seconds=load_seconds, answers=answers, rebuild=True
            )
        else:
            figures["ui_load"] = {"p95_ms": None, "reason": "skipped (--skip-ui)"}
        figures["peak_rss_mb"] = {
            "bench_process": _peak_rss_mb(resource.RUSAGE_SELF),
            "cold_start_process": figures["cold_start"]["peak_rss_mb"],
        }
        figures["ratios"] = ratios(figures)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if readme is not None and readme.is_file():
        write_readme_table(readme, markdown_table(figures))
    return figures


def run_ui_bench(
    out: Path,
    *,
    questions: int = 200,
    load_seconds: float = 60.0,
    clients: int = 16,
    answers: int = LOAD_ANSWERS,
    readme: Path | None = PROJECT_ROOT / "README.md",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """``corguide bench --only ui``: the chat load run alone (then a rebuild phase) and its floor,
    the warm answer, in one run on a copy of the index; the rest of ``out`` stays as it was.

    Raises:
        InputError: no index yet, or no full bench run in ``out`` to add the chat run to.
    """
    from assistant.answering.chain import Assistant

    base = get_settings()
    previous = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    if "cold_start" not in previous or not base.chroma_dir.is_dir():
        raise InputError(f"run `corguide ingest` and a full `corguide bench` first ({out})")
    tmp = Path(tempfile.mkdtemp(prefix="corguide-bench-ui-"))
    try:
        data = copy_for_rebuild(base, tmp / "data")  # the user's own index is never touched
        assistant = Assistant.load(base.model_copy(update={"data_dir": data, "chroma_path": None}))
        log(f"warm latency over {questions} questions (the chat's floor) ...")
        warm = warm_latency(assistant, bench_questions(questions))
        log(f"chat load: {clients} clients for {load_seconds} s, then during a rebuild ...")
        mix = bench_questions(len(eval_pool()))
        ui = ui_load(
            assistant, mix, clients=clients, seconds=load_seconds, answers=answers, rebuild=True
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ui |= {"date": date, "command": "corguide bench --only ui", "warm_answer": warm["answer"]}
    figures = previous | {"ui_load": ui, "machine": machine()}
    figures["ratios"] = ratios(figures)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if readme is not None and readme.is_file():
        write_readme_table(readme, markdown_table(figures))
    return figures


def write_readme_table(readme: Path, table: str) -> None:
    """Replace the text between the README's two bench markers with ``table``."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return  # no markers: the README is someone else's to edit
    readme.write_text(
        text[: start + len(README_START)] + "\n" + table + "\n" + text[end:], encoding="utf-8"
    )


def _row_cold(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    cold, r = f["cold_start"], f["ratios"]
    return [
        (
            f"Cold `corguide ask` to its answer (median of {COLD_RUNS})",
            f"{cold['seconds']} s",
            f"{r['cold_ask_vs_import_chromadb']}x `{cold['floor_command']}` "
            f"({cold['floor_seconds']} s)",
        ),
        (
            "Peak memory of that `corguide ask`",
            f"{cold['peak_rss_mb']} MB",
            f"{r['ask_peak_memory_vs_import_chromadb']}x the import's "
            f"{cold['floor_peak_rss_mb']} MB",
        ),
    ]


def _row_warm(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    warm, r = f["warm"], f["ratios"]
    a, fl = warm["answer"], warm["floor"]
    return [
        (
            f"Warm answer p50 / p95 ({a['n']} eval questions)",
            f"{a['p50_ms']} / {a['p95_ms']} ms",
            f"{r['warm_p50_vs_embed_and_search']}x / {r['warm_p95_vs_embed_and_search']}x "
            f"embed + search ({fl['p50_ms']} / {fl['p95_ms']} ms)",
        )
    ]


def _row_ingest(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    ing = f["ingest"]
    return [
        (
            f"Full ingest ({ing['chunks']} chunks, their questions and sentences)",
            f"{ing['full_seconds']} s",
            f"{ing['ratio_to_raw_embedding']}x the raw embedding rate of the chunks "
            f"({ing['raw_embed_chunks_per_second']} chunks/s)",
        ),
        (
            f"Sentence vectors kept with the index ({ing.get('sentence_spans')} spans)",
            f"{ing.get('sentence_vectors_mb')} MB",
            f"{ing.get('sentence_vectors_share') or 0:.1%} of the index's {ing.get('index_mb')} MB "
            "on disk",
        ),
        (
            "No-change re-ingest",
            f"{ing['no_change_reingest_seconds']} s",
            f"{ing['no_change_reingest_embedded']} chunks embedded",
        ),
    ]


def markdown_table(f: dict[str, Any]) -> str:
    """The README's Performance table, from bench.json's figures."""
    m = f["machine"]
    rows = [*_row_cold(f), *_row_warm(f), *_row_ingest(f), *ui_rows(f)]
    lines = [
        "| measure | value | against its floor (same run) |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
        "",
        f"Measured {f['date']} with `{f.get('command', 'corguide bench')}` on {m['cpu']} "
        f"({m['cores']} cores, {m['ram_gb']} GB RAM), {m['os']}, Python {m['python']}, "
        f"onnxruntime {m.get('onnxruntime')}. Chat questions: {f.get('question_mix')}."
        + chat_note(f["ui_load"]),
    ]
    return "\n".join(lines)
