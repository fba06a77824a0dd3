"""The "Audit schedule" tab: audit_schedule from a certification date, as a table.

Built inside the page's ``gr.Tabs`` by ``ui.app`` (one call); the side panel pre-fills it.
"""

from __future__ import annotations

import gradio as gr

from ui import tool_markdown
from ui.api import call_tool
from ui.panel import Panel, follow, jurisdiction_choices


def lay_out(code, certified_on) -> str:
    """The schedule as markdown, or the input error as a card."""
    try:
        result = call_tool(
            "audit_schedule", jurisdiction=code or "", certified_on=certified_on or ""
        )
    except gr.Error as exc:
        return tool_markdown.error_card(exc.message)
    return tool_markdown.schedule_markdown(result)


def build(panel: Panel) -> None:
    """Lay out the tab and wire it."""
    with gr.Tab("Audit schedule", id="schedule"), gr.Row():
        with gr.Column(scale=1):
            code = gr.Dropdown(
                choices=jurisdiction_choices(),
                label="Province or territory",
                elem_id="cg-d-jurisdiction",
            )
            date = gr.Textbox(label="Certification date (YYYY-MM-DD)", placeholder="2025-03-31")
            go = gr.Button("Lay out the audits", variant="primary", elem_id="cg-d-go")
        with gr.Column(scale=2):
            out = gr.Markdown("", elem_id="cg-d-out")
    follow(panel.jurisdiction, code)
    go.click(lay_out, [code, date], out, api_visibility="undocumented")
