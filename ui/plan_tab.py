"""The My plan tab: the certification plan's steps with dates, and PDF, ICS and Markdown files.

Built inside the page's ``gr.Tabs`` by ``ui.app`` (one call), filled from the side panel. The
files are written under Gradio's own folder (``GRADIO_TEMP_DIR``, inside the data dir), which
Gradio serves for downloads.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import CorguideError
from assistant.tools.plan import Plan, build_plan
from assistant.tools.plan_export import to_ics, to_markdown, to_pdf


def step_rows(plan: Plan) -> list[list[str]]:
    """Table rows: due date (or blank), step, what to do."""
    return [[s.due.isoformat() if s.due else "", s.title, s.detail] for s in plan.steps]


def write_exports(plan: Plan, folder: Path | None = None) -> dict[str, Path]:
    """Write the plan as PDF, ICS and Markdown into a fresh folder; return the paths."""
    base = folder or Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="plan-", dir=base))
    name = f"corguide-plan-{plan.province}-{plan.start.isoformat()}"
    paths = {
        "pdf": out / f"{name}.pdf",
        "ics": out / f"{name}.ics",
        "md": out / f"{name}.md",
    }
    paths["pdf"].write_bytes(to_pdf(plan))
    paths["ics"].write_bytes(to_ics(plan))
    paths["md"].write_text(to_markdown(plan), encoding="utf-8")
    return paths


def build(panel_fields: list[Any]) -> None:
    """Add the tab (call inside ``gr.Tabs``). ``panel_fields``: the side panel's inputs."""
    jurisdiction, workers, subs, public, industry = panel_fields[:5]
    with gr.Tab("My plan", id="plan"):
        gr.Markdown(
            "Your steps to the certificate, from the side panel's province and worker count. "
            "*Indicative: the certifying partner sets the real dates.*"
        )
        with gr.Row():
            start = gr.Textbox(label="Start (YYYY-MM-DD, blank: today)", max_lines=1,
                               elem_id="cg-p-start")  # fmt: skip
            deadline = gr.Textbox(label="Needed by, e.g. a tender date (optional)", max_lines=1,
                                  elem_id="cg-p-deadline")  # fmt: skip
            go = gr.Button("Make my plan", variant="primary", elem_id="cg-p-go")
        head = gr.Markdown("", elem_id="cg-p-head")
        table = gr.Dataframe(
            headers=["Due", "Step", "What to do"], datatype=["str", "str", "str"],
            interactive=False, wrap=True, elem_id="cg-p-steps", label="Steps",
            column_widths=["14%", "30%", "56%"],
        )  # fmt: skip
        warnings = gr.Markdown("", elem_id="cg-p-warnings")
        with gr.Row():
            pdf = gr.DownloadButton("Download PDF", visible=False, elem_id="cg-p-pdf")
            ics = gr.DownloadButton("Download calendar (ICS)", visible=False, elem_id="cg-p-ics")
            md = gr.DownloadButton("Download Markdown", visible=False, elem_id="cg-p-md")

    def planned(code, n, sub, pub, trade, begin, until):
        if not code or n in (None, ""):
            raise gr.Error("Choose the province and give the worker count in the side panel.")
        try:
            plan = build_plan(
                code, n, industry=trade or None, subcontractors=bool(sub),
                public_contracts=bool(pub), start=begin or None, deadline=until or None,
            )  # fmt: skip
        except CorguideError as exc:
            raise gr.Error(str(exc)) from None
        files = write_exports(plan)
        partner = f" with {plan.partner['name']}" if plan.partner else ""
        title = f"### {plan.program or 'No program found'} in {plan.province_name}{partner}"
        notes = "\n".join(f"- {w.text}" for w in plan.warnings)
        return (
            title + f"\n\n*{plan.label}*",
            step_rows(plan),
            ("#### Watch out\n" + notes) if notes else "",
            gr.DownloadButton(value=str(files["pdf"]), visible=True),
            gr.DownloadButton(value=str(files["ics"]), visible=True),
            gr.DownloadButton(value=str(files["md"]), visible=True),
        )

    go.click(
        planned,
        [jurisdiction, workers, subs, public, industry, start, deadline],
        [head, table, warnings, pdf, ics, md],
        api_visibility="undocumented",
    )
