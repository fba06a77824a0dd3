"""The "Incentive estimate" tab: estimate_incentive from a form, each formula step shown.

Built inside the page's ``gr.Tabs`` by ``ui.app`` (one call); the side panel pre-fills it.
"""

from __future__ import annotations

import gradio as gr

from ui import tool_markdown
from ui.api import call_tool
from ui.panel import Panel, follow, jurisdiction_choices, optional_text

YEARS = {"First year": True, "A later year": False}


def estimate(code, program, payroll, base_rate, premium, first_year) -> str:
    """The estimate as markdown, or the input error as a card."""
    try:
        result = call_tool(
            "estimate_incentive",
            jurisdiction=code or "",
            program=program,
            payroll=optional_text(payroll),
            base_rate=optional_text(base_rate),
            premium=optional_text(premium),
            assessment=None,
            first_year=YEARS.get(first_year),
        )
    except gr.Error as exc:
        return tool_markdown.error_card(exc.message)
    return tool_markdown.incentive_markdown(result)


def build(panel: Panel) -> None:
    """Lay out the tab and wire it."""
    with gr.Tab("Incentive estimate", id="incentive"), gr.Row():
        with gr.Column(scale=1):
            code = gr.Dropdown(
                choices=jurisdiction_choices(),
                label="Province or territory",
                elem_id="cg-i-jurisdiction",
            )
            program = gr.Dropdown(["COR", "SECOR"], value=None, label="Program (optional)")
            premium = gr.Textbox(
                label="Annual WCB premium ($)", placeholder="e.g. 4,000", max_lines=1
            )
            payroll = gr.Textbox(
                label="Annual payroll ($)", placeholder="e.g. 2,000,000", max_lines=1
            )
            rate = gr.Textbox(
                label="Base rate per $100 of payroll", placeholder="e.g. 2.0", max_lines=1
            )
            first = gr.Radio(list(YEARS), value=None, label="Year of certification (Alberta)")
            go = gr.Button("Estimate", variant="primary", elem_id="cg-i-go")
        with gr.Column(scale=2):
            out = gr.Markdown("", elem_id="cg-i-out")
    follow(panel.jurisdiction, code)
    follow(panel.premium, premium)
    go.click(
        estimate,
        [code, program, payroll, rate, premium, first],
        out,
        api_visibility="undocumented",
    )
