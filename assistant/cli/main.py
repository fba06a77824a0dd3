"""The command line: a thin layer over the library (`corguide --help`).

Every command prints a one-line ``error: ...`` on stderr and exits 2 for bad input; no command
shows a traceback for a user's mistake.
"""

from __future__ import annotations

# Each command imports its pipeline stage inside the command, not here: the stages pull in
# chromadb, onnxruntime, gradio or langchain, and one command (or `--help`) should pay only for
# its own (issue 17's start-up budget; `python -X importtime corguide ask ...` shows it).
import json
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import click
import typer
from typer.exceptions import TyperException

from assistant.answering.answer import Answer, ConversationState
from assistant.errors import CorguideError, IndexMissingError

app = typer.Typer(
    help="corguide: cited answers on COR and SECOR safety certification for small Canadian "
    "employers, fully offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _emit_json(payload: object) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


@app.command()
def ingest(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Build a fresh index and swap it in (repairs a damaged one).")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Index the corpus: embeds only new or changed chunks, removes deleted ones."""
    from assistant.index.ingest import ingest as run_ingest

    report = run_ingest(rebuild=rebuild, progress=not quiet and not as_json)
    if as_json:
        _emit_json(report.to_dict())
    else:
        typer.echo(report.summary())


def _initial_state(
    province: str | None, workers: str | None, subcontractors: bool, public_contracts: bool
) -> ConversationState:
    from assistant.knowledge.jurisdictions import parse_jurisdiction, parse_workers

    return ConversationState(
        jurisdiction=parse_jurisdiction(province) if province else None,
        workers=parse_workers(workers) if workers is not None else None,
        subcontractors=True if subcontractors else None,
        public_contracts=True if public_contracts else None,
    )


def load_assistant(*, build_if_missing: bool = True):  # noqa: ANN201 - avoids a heavy import
    """The assistant; an empty or missing index is built first (and the user is told)."""
    from assistant.answering.chain import Assistant

    try:
        return Assistant.load()
    except IndexMissingError as exc:
        if not build_if_missing:
            raise
        from assistant.errors import IndexIncompleteError
        from assistant.index.ingest import ingest as run_ingest

        if isinstance(exc, IndexIncompleteError):
            said = str(exc).split(": run", 1)[0]
            typer.echo(f"{said}: completing it now (corguide ingest)...", err=True)
        else:
            typer.echo("the index is missing: building it now (corguide ingest)...", err=True)
        typer.echo(run_ingest().summary(), err=True)
        return Assistant.load()


def _print_answer(answer: Answer) -> None:
    typer.echo(answer.answer)
    if answer.citations:
        typer.echo("\nSources:")
        for c in answer.citations:
            where = "; ".join(part for part in (c.url or c.reference, c.dates()) if part)
            typer.echo(f"[{c.n}] {c.title} - {c.section} ({where})")
            typer.echo(f'    "{c.quote}"')


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question; omit it to read one per line from stdin.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    province: Annotated[
        str | None, typer.Option("--province", "-p", help="Province or territory (AB, Alberta...).")
    ] = None,
    # Text, checked by the shared parser: "2.5" or "-3" get the same message as everywhere else.
    workers: Annotated[
        str | None, typer.Option("--workers", "-w", help="Number of workers.")
    ] = None,
    subcontractors: Annotated[bool, typer.Option(help="The business uses subcontractors.")] = False,
    public_contracts: Annotated[
        bool, typer.Option(help="The business bids on public contracts.")
    ] = False,
    conversation: Annotated[
        bool,
        typer.Option(
            "--conversation",
            help="Read one conversation from stdin, one turn per line, carrying what each turn "
            "established (province, workers, ...) into the next.",
        ),
    ] = False,
) -> None:
    """Answer a question with citations (and the decision tools when numbers are involved)."""
    state = _initial_state(province, workers, subcontractors, public_contracts)
    if conversation:
        if question is not None:
            raise CorguideError("--conversation reads its turns from stdin: give no question")
        _converse(load_assistant(), state, as_json)
        return
    if question is not None:
        from assistant.answering.chain import clean_question
        from assistant.settings import get_settings

        # Refuse a blank or oversized question before loading (or building) the index.
        clean_question(question, get_settings().max_question_chars)
    assistant = load_assistant()
    if question is not None:
        answer = assistant.ask(question, state)
        _emit_json(answer.contract()) if as_json else _print_answer(answer)
        return
    failures = 0
    for line in _stdin_lines():
        try:
            answer = assistant.ask(line, state)
        except CorguideError as exc:
            failures += 1
            typer.echo(f"error: {exc}", err=True)
            if as_json:
                _emit_json({"question": line.strip()[:200], "error": str(exc)})
            continue
        if as_json:
            _emit_json(answer.contract())
        else:
            _print_answer(answer)
            typer.echo("")
    if failures:
        raise typer.Exit(2)


def _stdin_lines() -> Iterator[str]:
    stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    lines = (raw.decode("utf-8", "replace") for raw in stdin) if stdin is not None else sys.stdin
    return (line for line in lines if line.strip())


def _converse(assistant: Any, state: ConversationState, as_json: bool) -> None:
    """One conversation from stdin: each turn's answer, with the state it leaves behind."""
    try:
        for answer in assistant.converse(_stdin_lines(), state):
            if as_json:
                _emit_json(answer.turn_contract())
            else:
                _print_answer(answer)
                typer.echo(f"[understood: {answer.state.understood or 'nothing yet'}]\n")
    except CorguideError as exc:
        # A bad turn (empty after cleaning, too long) ends the conversation with one line.
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def doctor(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the model, the corpus, the index and the settings; name the fix for each problem."""
    from assistant.cli.doctor import run_checks

    checks = run_checks()
    if as_json:
        _emit_json([c.__dict__ for c in checks])
    else:
        for c in checks:
            label = ("warn" if c.warn else "ok  ") if c.ok else "FAIL"
            line = f"{label} {c.name}: {c.detail}"
            typer.echo(line + (f"\n     fix: {c.fix}" if not c.ok or c.warn else ""))
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command()
def chat(
    host: Annotated[
        str, typer.Option(help="Address to bind; 0.0.0.0 exposes it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 7860,
    share: Annotated[bool, typer.Option(help="Create a public Gradio share link.")] = False,
) -> None:
    """Open the chat in the browser (http://127.0.0.1:7860 by default)."""
    from ui.app import launch

    launch(host=host, port=port, share=share)


def _register_optional() -> None:
    """The tool and eval commands live beside their code; each module adds its own commands."""
    import importlib

    for name in ("assistant.cli.tools", "assistant.evaluation.cli"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module must surface
                raise
            continue
        module.register(app)


_register_optional()


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every known error into one line and an exit code."""
    try:
        result = app(args=argv, standalone_mode=False)
    except (click.exceptions.Abort, typer.Abort):
        typer.echo("aborted", err=True)
        sys.exit(130)
    # Typer 0.29 raises its own vendored click's exceptions (a bad option value, an unknown
    # option or command), which are not click.ClickException: catch both, or they surface as
    # tracebacks.
    except (click.ClickException, TyperException) as exc:
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    except CorguideError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(result if isinstance(result, int) else 0)
