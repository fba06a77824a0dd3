"""The tool commands of the CLI: check, score, incentive, schedule and costs.

``register(app)`` adds them to the main Typer app (``assistant/cli.py``). Each prints readable
text by default and the result model's JSON with ``--json``. Bad input prints one line on
stderr (``error: ...``) and exits with code 2, never a traceback. Numeric options are read as
text and checked by the shared parsers, so the messages match the chain's and the UI's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from assistant.errors import CorguideError, InputError
from assistant.tools import (
    audit_schedule,
    check_eligibility,
    compare_costs,
    estimate_incentive,
    score_audit,
)
from assistant.tools.costs import CostComparison
from assistant.tools.eligibility import EligibilityResult
from assistant.tools.incentives import IncentiveResult
from assistant.tools.schedule import ScheduleResult
from assistant.tools.scoring import AuditScoreResult

PROVINCE_HELP = "Province or territory: code, name or abbreviation (AB, Alberta, B.C., PEI, NWT)."


class _Sources:
    """Numbers sources in order of first use, for the readable output."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def refs(self, sources: list[str]) -> str:
        marks = []
        for url in sources:
            if url not in self.urls:
                self.urls.append(url)
            marks.append(f"[{self.urls.index(url) + 1}]")
        return " " + "".join(marks) if marks else ""

    def block(self) -> list[str]:
        return ["Sources:"] + [f"  [{i}] {url}" for i, url in enumerate(self.urls, 1)]


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


def _warnings(src: _Sources, notices: list) -> list[str]:
    if not notices:
        return []
    return ["Warnings:"] + [f"  ! {n.text}{src.refs(n.sources)}" for n in notices]


def render_check(r: EligibilityResult) -> list[str]:
    src = _Sources()
    lines = [f"{r.province_name} ({r.province}), {r.workers} worker{'s' if r.workers != 1 else ''}"]
    if r.recommended is None:
        lines.append("Recommended: none (no program found)")
    else:
        lines.append(f"Recommended: {r.recommended} - {r.local_names.get(r.recommended, '')}")
    lines.append(f"Eligible: {', '.join(r.eligible) or 'none'}")
    lines.append("Why:")
    lines += [f"  - {reason.text}{src.refs(reason.sources)}" for reason in r.reasons]
    lines += _warnings(src, r.warnings)
    if r.next_steps:
        lines.append("Next steps:")
        lines += [f"  - {step.text}{src.refs(step.sources)}" for step in r.next_steps]
    return lines + src.block()


def render_score(r: AuditScoreResult) -> list[str]:
    src = _Sources()
    verdict = {True: "PASS", False: "FAIL", None: "cannot be scored"}[r.passed]
    lines = [f"{r.province_name} ({r.province}) {r.program} {r.audit_type} audit: {verdict}"]
    mark = f" (mark {r.overall_mark:g}%)" if r.overall_mark is not None else ""
    lines.append(f"Overall: {r.overall_score:g}%{mark}")
    for e in r.elements:
        status = {True: "ok", False: f"FAIL, needs {e.points_needed:g} more", None: "-"}[e.passed]
        lines.append(f"  {e.name}: {e.score:g}% ({status})")
    if r.points_needed_overall:
        lines.append(f"Points needed overall: {r.points_needed_overall:g}")
    lines.append(r.method)
    lines += [f"  - {reason.text}{src.refs(reason.sources)}" for reason in r.reasons]
    lines += _warnings(src, r.warnings)
    return lines + src.block()


def render_incentive(r: IncentiveResult) -> list[str]:
    src = _Sources()
    if r.found and r.amount is not None:
        head = f"{r.incentive_name} ({r.province_name}, {r.program}): ${r.amount:,.2f} {r.currency}"
    else:
        head = f"No incentive formula found for {r.province_name} ({r.program or 'COR'})"
    lines = [head, f"Formula: {r.formula}"]
    lines += [f"  {i}. {step.text}{src.refs(step.sources)}" for i, step in enumerate(r.steps, 1)]
    lines += _warnings(src, r.warnings)
    return lines + src.block()


def render_schedule(r: ScheduleResult) -> list[str]:
    src = _Sources()
    lines = [f"{r.province_name} ({r.province}) audit schedule from {r.certified_on.isoformat()}"]
    if r.expires_on:
        lines.append(f"Certificate expires: {r.expires_on.isoformat()}")
    for e in r.entries:
        lines.append(
            f"  Year {e.year} {e.audit}: by {e.due_by.isoformat()} (from "
            f"{e.window_start.isoformat()}) - {e.description}{src.refs(e.sources)}"
        )
    lines += _warnings(src, r.warnings)
    return lines + src.block()


def render_costs(r: CostComparison) -> list[str]:
    src = _Sources()
    lines = [
        f"{r.province_name} ({r.province}), {r.workers} workers, {r.sites} site(s): INDICATIVE",
        r.label,
    ]
    for title, group in (("SECOR", r.secor), ("COR", r.cor), ("Other", r.other)):
        if group:
            lines.append(f"{title}:")
            lines += [f"  - {line.text}{src.refs(line.sources)}" for line in group]
    lines += [f"* {s}" for s in r.summary]
    lines += _warnings(src, r.warnings)
    return lines + src.block()


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


def register(app: typer.Typer) -> None:
    """Add the check, score, incentive, schedule and costs commands to ``app``."""

    @app.command("check")
    def check(
        province: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        workers: str = typer.Option(
            ..., "--workers", "-w", metavar="N", help="Workers, including owners (0 to 1,000,000)."
        ),
        subcontractors: bool = typer.Option(
            False, "--subcontractors", help="The business manages subcontractors."
        ),
        public_contracts: bool = typer.Option(
            False, "--public-contracts", help="The business bids on public contracts."
        ),
        owner_operator: bool = typer.Option(
            False, "--owner-operator", help="Self-employed: no partners, employees or subs."
        ),
        payroll_hours: str | None = typer.Option(
            None, "--payroll-hours", metavar="H", help="Annual payroll hours (BC counts FTEs)."
        ),
        industry: str | None = typer.Option(None, "--industry", help="Industry, e.g. roofing."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Which certificate fits: COR, SECOR or a local one, with reasons and sources."""
        _run(
            lambda: check_eligibility(
                province,
                workers,
                subcontractors=subcontractors,
                public_contracts=public_contracts,
                owner_operator=owner_operator,
                payroll_hours=payroll_hours,
                industry=industry,
            ),
            as_json,
            render_check,
        )

    @app.command("score")
    def score(
        province: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        audit_type: str = typer.Option(
            "certification",
            "--audit-type",
            help="certification, maintenance or recertification.",
        ),
        scores: list[str] = typer.Option(
            None, "--score", help="Element score as 'Element name=85' (repeatable)."
        ),
        scores_file: Path | None = typer.Option(
            None, "--scores-file", help="JSON file: {element name: score}."
        ),
        program: str = typer.Option("COR", "--program", help="COR or SECOR."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Score an audit against the pass marks: pass or fail, and points needed."""

        def make() -> BaseModel:
            element_scores: dict[str, Any] = {}
            if scores_file is not None:
                element_scores.update(_read_scores_file(scores_file))
            for item in scores or []:
                name, value = _parse_score_option(item)
                element_scores[name] = value
            if not element_scores:
                raise InputError("give element scores with --score 'Element=85' or --scores-file")
            return score_audit(province, element_scores, audit_type, program=program)

        _run(make, as_json, render_score)

    @app.command("incentive")
    def incentive(
        province: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        program: str | None = typer.Option(None, "--program", help="COR or SECOR."),
        payroll: str | None = typer.Option(None, "--payroll", help="Annual payroll, dollars."),
        base_rate: str | None = typer.Option(
            None, "--base-rate", help="WCB base rate per $100 of payroll."
        ),
        premium: str | None = typer.Option(None, "--premium", help="Annual premium, dollars."),
        assessment: str | None = typer.Option(
            None, "--assessment", help="Annual (total) assessment, dollars."
        ),
        first_year: bool | None = typer.Option(
            None, "--first-year/--later-year", help="First year of certification or later."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Estimate the WCB incentive, with the formula step by step."""
        _run(
            lambda: estimate_incentive(
                province,
                program=program,
                payroll=payroll,
                base_rate=base_rate,
                premium=premium,
                assessment=assessment,
                first_year=first_year,
            ),
            as_json,
            render_incentive,
        )

    @app.command("schedule")
    def schedule(
        province: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        certified_on: str = typer.Option(
            ..., "--certified-on", metavar="YYYY-MM-DD", help="Certification date."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Which audit is due in which year, with dates."""
        _run(lambda: audit_schedule(province, certified_on), as_json, render_schedule)

    @app.command("costs")
    def costs(
        province: str = typer.Option(..., "--province", "-p", help=PROVINCE_HELP),
        workers: str = typer.Option(..., "--workers", "-w", metavar="N", help="Workers."),
        sites: str = typer.Option("1", "--sites", metavar="N", help="Work sites."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Indicative SECOR vs COR costs from sourced figures."""
        _run(lambda: compare_costs(province, workers, sites), as_json, render_costs)

    # The readiness check and the plan live beside their tools (issue 15).
    from assistant.tools.readiness_cli import register as register_readiness

    register_readiness(app)
