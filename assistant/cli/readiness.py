"""The ``readiness`` and ``plan`` commands (added by ``assistant.cli.tools.register``).

Both print readable text by default and the result's JSON with ``--json``; bad input prints
one ``error: ...`` line on stderr and exits with code 2, like the other tool commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from assistant.errors import CorguideError, InputError
from assistant.tools.plan import Plan, build_plan
from assistant.tools.plan_export import EXPORTS, to_markdown
from assistant.tools.readiness import readiness_questions, score_readiness
from assistant.tools.render import render_list, render_result

PROVINCE_HELP = "Province or territory: code, name or abbreviation (AB, Alberta, B.C., PEI, NWT)."


def _fail(exc: CorguideError) -> None:
    typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
    raise typer.Exit(2)


def read_answers(path: Path) -> Any:
    """Read an answers file: a JSON object of question id -> yes, partly or no."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read answers file {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise InputError(f"answers file {path} is not JSON{where}") from None


def _emit(result: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add the readiness and plan commands to ``app``."""

    @app.command("readiness")
    def readiness(
        province: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        program: str = typer.Option("COR", "--program", help="COR or SECOR."),
        industry: str | None = typer.Option(None, "--industry", help="Industry, e.g. roofing."),
        list_questions: bool = typer.Option(False, "--list", help="List the questions."),
        answers: Path | None = typer.Option(
            None, "--answers", help='JSON file: {question id: "yes" | "partly" | "no"}.'
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Indicative readiness self-check scored with the partner's pass rules."""
        try:
            if answers is None:
                if not list_questions:
                    raise InputError("give --list to see the questions or --answers FILE")
                listing = readiness_questions(province, program, industry)
                _emit(listing.model_dump(mode="json"), as_json, render_list(listing))
                return
            result = score_readiness(province, read_answers(answers), program, industry)
        except CorguideError as exc:
            _fail(exc)
        out = result.model_dump(mode="json", exclude={"audit"})
        _emit(out, as_json, render_result(result))

    @app.command("plan")
    def plan(
        province: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        workers: str = typer.Option(..., "--workers", "-w", metavar="N", help="Workers."),
        industry: str | None = typer.Option(None, "--industry", help="Industry, e.g. roofing."),
        subcontractors: bool = typer.Option(False, "--subcontractors", help="Uses subs."),
        public_contracts: bool = typer.Option(False, "--public-contracts", help="Public bids."),
        start: str | None = typer.Option(None, "--start", metavar="YYYY-MM-DD", help="Start."),
        deadline: str | None = typer.Option(
            None, "--deadline", metavar="YYYY-MM-DD", help="Date you need the certificate by."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        fmt: str | None = typer.Option(None, "--format", help="Export as md, pdf or ics."),
        out: Path | None = typer.Option(None, "--out", help="File to write the export to."),
    ) -> None:
        """A dated certification plan with sources; export as Markdown, PDF or ICS."""
        try:
            if fmt is not None and fmt.lower() not in EXPORTS:
                raise InputError(f"--format must be one of md, pdf, ics, got {fmt[:20]!r}")
            if (fmt is None) != (out is None):
                raise InputError("--format and --out go together, e.g. --format pdf --out plan.pdf")
            if as_json and fmt is not None:
                raise InputError("choose --json or --format, not both")
            result: Plan = build_plan(
                province,
                workers,
                industry=industry,
                subcontractors=subcontractors,
                public_contracts=public_contracts,
                start=start,
                deadline=deadline,
            )
            if fmt is not None and out is not None:
                data = EXPORTS[fmt.lower()](result)
                try:
                    if isinstance(data, bytes):
                        out.write_bytes(data)
                    else:
                        out.write_text(data, encoding="utf-8")
                except OSError as exc:
                    raise InputError(f"cannot write {out}: {exc.strerror}") from None
                typer.echo(f"wrote {out} ({fmt.lower()}, {len(result.steps)} steps)")
                return
        except CorguideError as exc:
            _fail(exc)
        _emit(result.model_dump(mode="json"), as_json, to_markdown(result).splitlines())
