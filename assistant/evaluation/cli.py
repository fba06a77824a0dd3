"""`corguide eval` and `corguide bench`, registered on the main CLI by `register(app)`.

Exit codes: 0 the gate passed, 1 a metric fell below its threshold, 2 bad input (a dataset
line, a thresholds file, a missing path), reported as one ``error: ...`` line on stderr.
"""

from __future__ import annotations

# Each command imports its pipeline stage inside the command, not here: the stages pull in
# chromadb, onnxruntime, gradio or langchain, and one command (or `--help`) should pay only for
# its own (issue 17's start-up budget; `python -X importtime corguide ask ...` shows it).
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.settings import PROJECT_ROOT, Settings, get_settings

EVALS_DIR = PROJECT_ROOT / "evals"
DEFAULT_DATASETS = EVALS_DIR / "datasets"
DEFAULT_THRESHOLDS = EVALS_DIR / "thresholds.toml"


def load_for_eval(settings: Settings) -> Any:
    """An assistant over an index brought up to date with the corpus first.

    The ingest is incremental (unchanged chunks are not re-embedded), so on a current index it
    costs well under a second, and a stale index can never hide a corpus regression.
    """
    from assistant.answering.chain import Assistant
    from assistant.index.ingest import ingest

    ingest(settings)
    return Assistant.load(settings)


def run_eval(
    assistant: Any,
    dataset_paths: list[Path] | None = None,
    *,
    thresholds_path: Path = DEFAULT_THRESHOLDS,
    out_dir: Path | None = None,
    info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Load, validate and run the datasets; write the outputs when ``out_dir`` is given.

    Returns:
        ``{"results", "metrics", "checks", "passed", "paths"}``.

    Raises:
        DatasetError: a dataset line is invalid or names a section that does not exist.
        ThresholdError: the thresholds file is invalid.
    """
    from assistant.evaluation.dataset import check_sources, dataset_files, load_datasets
    from assistant.evaluation.report import (
        by_scope,
        gate,
        gate_passed,
        load_thresholds,
        write_outputs,
    )
    from assistant.evaluation.runner import chunk_texts_of, run_items
    from assistant.evaluation.topics import load_baseline

    files = dataset_files(dataset_paths, DEFAULT_DATASETS)
    items = load_datasets(files)
    thresholds = load_thresholds(thresholds_path)
    check_sources(items, set(chunk_texts_of(assistant)))
    results, seconds = run_items(assistant, items)
    scopes = by_scope(results)
    metrics = scopes["all"]
    checks = gate(scopes, thresholds)
    passed = gate_passed(metrics, checks)
    settings = assistant.settings
    details = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "datasets": ", ".join(_shown(f) for f in files),
        "items": len(items),
        "answer model": settings.llm or "deterministic extractive composer (no LLM)",
        "thresholds": _shown(thresholds_path),
        "run time": f"{seconds:.1f} s",
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        **(info or {}),
    }
    baseline = load_baseline()
    paths = write_outputs(out_dir, results, metrics, checks, details, baseline) if out_dir else {}
    return {
        "results": results,
        "metrics": metrics,
        "scopes": scopes,
        "checks": checks,
        "passed": passed,
        "paths": paths,
        "seconds": seconds,
    }


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def eval_command(
    dataset: Annotated[
        list[Path] | None,
        typer.Option(
            "--dataset",
            "-d",
            help="A JSONL file or a folder of them (repeatable). Default: evals/datasets/*.jsonl.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder. Default: data/eval.")
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option("--llm", help="Chat model as provider:model; default: the composer."),
    ] = None,
    thresholds: Annotated[
        Path, typer.Option("--thresholds", help="Gate file (TOML).")
    ] = DEFAULT_THRESHOLDS,
) -> None:
    """Score the assistant on gold questions; exit 1 when a metric is below its threshold."""
    from assistant.evaluation.dataset import dataset_files, load_datasets
    from assistant.evaluation.report import load_thresholds, summary_table

    # Check the inputs before the slow part, so a typo fails in a second, not after a load.
    load_datasets(dataset_files(dataset, DEFAULT_DATASETS))
    load_thresholds(thresholds)
    settings = get_settings()
    if llm is not None:
        settings = settings.model_copy(update={"llm": llm.strip() or None})
    out_dir = out or settings.data_dir / "eval"
    started = time.perf_counter()
    assistant = load_for_eval(settings)
    load_seconds = time.perf_counter() - started
    run = run_eval(
        assistant,
        dataset,
        thresholds_path=thresholds,
        out_dir=out_dir,
        info={"load time": f"{load_seconds:.1f} s"},
    )
    metrics = run["metrics"]
    typer.echo(summary_table(run["checks"], run["scopes"]))
    typer.echo(
        f"\n{metrics['passed']} of {metrics['items']} items passed every check "
        f"({metrics['errors']} errors) in {run['seconds']:.1f} s; "
        f"report: {run['paths']['report']}"
    )
    if not run["passed"]:
        failed = [c.label for c in run["checks"] if not c.ok]
        why = f"below threshold: {', '.join(failed)}" if failed else "items raised errors"
        typer.echo(f"eval FAILED: {why}", err=True)
        raise typer.Exit(1)
    typer.echo("eval passed")


def bench_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write bench.json.")
    ] = PROJECT_ROOT / "bench" / "bench.json",
    questions: Annotated[int, typer.Option(help="Warm questions to time.")] = 200,
    load_seconds: Annotated[
        float, typer.Option("--load-seconds", help="Length of the 16-client UI load run.")
    ] = 60.0,
    clients: Annotated[int, typer.Option(help="Concurrent UI clients.")] = 16,
    skip_ui: Annotated[bool, typer.Option(help="Do not run the UI load test.")] = False,
    only: Annotated[
        str | None,
        typer.Option(
            help="Run one part alone: 'ui' (the chat load run and its floor; the other "
            "figures stay as the last full run wrote them)."
        ),
    ] = None,
) -> None:
    """Measure cold start, warm latency against its floor, ingest speed, memory and UI load."""
    from assistant.evaluation.bench import markdown_table, run_bench, run_ui_bench

    if questions < 10:
        raise typer.BadParameter("at least 10 questions", param_hint="--questions")
    if load_seconds <= 0 or clients < 1:
        raise typer.BadParameter("must be positive", param_hint="--load-seconds/--clients")
    if only not in (None, "ui") or (only and skip_ui):
        raise typer.BadParameter("the only part that runs alone is 'ui'", param_hint="--only")
    if only == "ui":
        figures = run_ui_bench(
            out,
            questions=questions,
            load_seconds=load_seconds,
            clients=clients,
            log=lambda msg: typer.echo(msg, err=True),
        )
        typer.echo(markdown_table(figures))
        typer.echo(f"\nwrote {out}")
        return
    figures = run_bench(
        out,
        questions=questions,
        load_seconds=load_seconds,
        clients=clients,
        ui=not skip_ui,
        log=lambda msg: typer.echo(msg, err=True),
    )
    typer.echo(markdown_table(figures))
    typer.echo(f"\nwrote {out}")


def register(app: typer.Typer) -> None:
    """Add `eval` and `bench` to the main CLI (called by `assistant.cli.main`)."""
    app.command("eval")(eval_command)
    app.command("bench")(bench_command)


if __name__ == "__main__":  # pragma: no cover - `python -m assistant.evaluation.cli`
    sys.exit("use `corguide eval` or `corguide bench`")
