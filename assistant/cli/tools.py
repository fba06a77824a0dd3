"""The tool commands of the CLI: check, score, incentive, schedule and costs.

``register(app)`` adds them to the main Typer app (``assistant/cli/main.py``). Each command is made
from its tool's entry in the registry (``assistant.tools.registry``): one option per field of
the arguments model, the tool called through ``run_tool`` and its result printed by the tool's
renderer, or the result model's JSON with ``--json``. Only ``score`` is written by hand, for
its ``--score element=value`` and ``--scores-file`` parsing; it too builds the registry's
arguments and calls through it. Bad input prints one line on stderr (``error: ...``) and exits
with code 2, never a traceback. Numeric options are read as text and checked by the tools'
shared parsers, so the messages match the chain's and the UI's.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from assistant.cli.readiness import register as register_readiness
from assistant.errors import CorguideError, InputError
from assistant.tools.registry import PUBLIC, ToolSpec, run_tool
from assistant.tools.render import (  # noqa: F401  (importable here, as before the registry)
    render_check,
    render_costs,
    render_incentive,
    render_schedule,
    render_score,
)

PROVINCE_HELP = "Province or territory: code, name or abbreviation (AB, Alberta, B.C., PEI, NWT)."
# CLI spellings that differ from ``--field-name``, and the placeholders of the text options.
FLAGS = {
    "jurisdiction": ("--province", "-p"),
    "workers": ("--workers", "-w"),
    "first_year": ("--first-year/--later-year",),
}
METAVARS = {"workers": "N", "sites": "N", "payroll_hours": "H", "certified_on": "YYYY-MM-DD"}


def _emit(result: BaseModel, as_json: bool, render: Callable[[Any], list[str]]) -> None:
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(render(result)))


def _run(make: Callable[[], BaseModel], as_json: bool, render: Callable[[Any], list[str]]) -> None:
    try:
        result = make()
    except CorguideError as exc:
        message = " ".join(str(exc).split())
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2) from None
    _emit(result, as_json, render)


# A scores file holds a few dozen element scores: a megabyte is far more than any audit needs.
MAX_SCORES_FILE_BYTES = 1_000_000


def _parse_score_option(text: str) -> tuple[str, str]:
    name, sep, value = text.rpartition("=")
    if not sep or not name.strip() or "=" in name:
        raise InputError(
            f"--score must look like 'Element name=85' (one '=' per score), got {text[:60]!r}"
        )
    return name.strip(), value.strip()


def _read_scores_file(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_SCORES_FILE_BYTES:
            raise InputError(
                f"scores file {path} is over {MAX_SCORES_FILE_BYTES:,} bytes: give element scores"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read scores file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"scores file {path} is not UTF-8 text (bad byte at position {exc.start})"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"scores file {path} is not JSON (line {exc.lineno})") from None
    except RecursionError:
        raise InputError(
            f"scores file {path} is nested too deeply: give an object of element name -> score"
        ) from None
    if isinstance(data, dict):
        return data
    if isinstance(data, list):
        out: dict[str, Any] = {}
        for item in data:
            if not isinstance(item, dict) or "score" not in item:
                raise InputError(f"scores file {path}: each item needs 'element' and 'score'")
            out[str(item.get("element", item.get("name", "")))] = item["score"]
        return out
    raise InputError(f"scores file {path} must hold an object of element name -> score")


def _option(name: str, info: Any) -> inspect.Parameter:
    """The Typer option of one arguments-model field.

    Numbers are read as text: the tool's parser reads "1,000" and words its own errors.
    """
    flags = FLAGS.get(name, ("--" + name.replace("_", "-"),))
    description = PROVINCE_HELP if name == "jurisdiction" else info.description
    text = description[0].upper() + description[1:].rstrip(".") + "."
    is_flag = info.annotation in (bool, bool | None)
    annotation: Any = info.annotation if is_flag else str if info.is_required() else str | None
    default = ... if info.is_required() else info.default
    option = typer.Option(
        default, *flags, help=text, metavar=None if is_flag else METAVARS.get(name)
    )
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation
    )


def command_for(spec: ToolSpec) -> Callable[..., None]:
    """The CLI command of a tool: an option per argument, ``--json``, the tool's renderer."""

    def command(**values: Any) -> None:
        as_json = values.pop("as_json")
        _run(lambda: run_tool(spec.name, values), as_json, spec.render)

    params = [_option(name, info) for name, info in spec.args.model_fields.items()]
    as_json = typer.Option(False, "--json", help="Print JSON.")
    params.append(
        inspect.Parameter(
            "as_json", inspect.Parameter.KEYWORD_ONLY, default=as_json, annotation=bool
        )
    )
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    command.__name__ = spec.cli or spec.name
    command.__doc__ = spec.title
    return command


def _score_command(spec: ToolSpec) -> Callable[..., None]:
    """``score``: element scores from ``--score 'Element=85'`` (repeatable) or a JSON file."""

    def score(
        jurisdiction: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        element_scores: list[str] = typer.Option(
            None, "--score", help="Element score as 'Element name=85' (repeatable)."
        ),
        scores_file: Path | None = typer.Option(
            None, "--scores-file", help="JSON file: {element name: score}."
        ),
        audit_type: str = typer.Option(
            "certification",
            "--audit-type",
            help="certification, maintenance or recertification.",
        ),
        program: str = typer.Option("COR", "--program", help="COR or SECOR."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        def make() -> BaseModel:
            scores: dict[str, Any] = {}
            if scores_file is not None:
                scores.update(_read_scores_file(scores_file))
            for item in element_scores or []:
                name, value = _parse_score_option(item)
                scores[name] = value
            if not scores:
                raise InputError("give element scores with --score 'Element=85' or --scores-file")
            args = {
                "jurisdiction": jurisdiction,
                "element_scores": scores,
                "audit_type": audit_type,
                "program": program,
            }
            return run_tool(spec.name, args)

        _run(make, as_json, spec.render)

    score.__doc__ = spec.title
    return score


# Commands that need parsing of their own; the rest are made from the arguments model. Their
# parameters keep the field names; CLI_ONLY names the options that feed a field another way.
HAND_WRITTEN = {"score_audit": _score_command}
CLI_ONLY = {"score_audit": {"scores_file"}}


def register(app: typer.Typer) -> None:
    """Add a command per registry tool (check, score, incentive, schedule, costs) to ``app``,
    then the readiness and plan commands."""
    for spec in PUBLIC.values():
        if spec.cli is not None:
            app.command(spec.cli)(HAND_WRITTEN.get(spec.name, command_for)(spec))
    # The readiness check and the plan live beside their tools (issue 15).
    register_readiness(app)
