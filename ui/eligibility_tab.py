"""The "Which program?" tab: check_eligibility from a form, shown as the chat's decision card.

Built inside the page's ``gr.Tabs`` by ``ui.app`` (one call); the side panel pre-fills it.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui import render, tool_markdown
from ui.api import call_tool
from ui.panel import Panel, follow, is_blank, jurisdiction_choices, optional_text


def check(code, workers, subs, public, owner, hours, industry) -> str:
    """The decision card for the form's values, or the input error as a card."""
    try:
        result = call_tool(
            "check_eligibility",
            jurisdiction=code or "",
            workers="" if is_blank(workers) else str(workers).strip(),
            subcontractors=subs,
            public_contracts=public,
            owner_operator=owner,
            payroll_hours=optional_text(hours),
            industry=optional_text(industry),
        )
    except gr.Error as exc:
        return tool_markdown.error_card_html(exc.message)
    return render.eligibility_card(result)


def build(panel: Panel) -> Any:
    """Lay out the tab and wire it; returns its province dropdown."""
    with gr.Tab("Which program?", id="eligibility"), gr.Row():
        with gr.Column(scale=1):
            code = gr.Dropdown(
                choices=jurisdiction_choices(),
                label="Province or territory",
                elem_id="cg-e-jurisdiction",
            )
            workers = gr.Textbox(label="Workers", placeholder="e.g. 8", max_lines=1)
            subs = gr.Checkbox(label="We use subcontractors")
            public = gr.Checkbox(label="We bid on public contracts")
            owner = gr.Checkbox(label="Owner-operator (no employees or subcontractors)")
            hours = gr.Textbox(
                label="Annual payroll hours (optional; BC counts FTEs)",
                placeholder="e.g. 16,640",
                max_lines=1,
            )
            industry = gr.Textbox(label="Industry (optional)", placeholder="construction")
            go = gr.Button("Check", variant="primary", elem_id="cg-e-go")
        with gr.Column(scale=2):
            out = gr.HTML("", elem_id="cg-e-out")
    # The side panel pre-fills the form, so the tool is one click away.
    follow(panel.jurisdiction, code)
    follow(panel.workers, workers)
    follow(panel.subcontractors, subs)
    follow(panel.public_contracts, public)
    follow(panel.industry, industry)
    go.click(
        check,
        [code, workers, subs, public, owner, hours, industry],
        out,
        api_visibility="undocumented",
    )
    return code
