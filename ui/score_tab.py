"""The "Audit score" tab: score_audit from a table of element scores, with a bar chart.

Built inside the page's ``gr.Tabs`` by ``ui.app`` (one call). The table lists the elements of
the chosen province's audit (a generic list where none are known); blank rows are ignored.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.errors import CorguideError, InputError
from assistant.knowledge.rules import rules_for
from ui import tool_markdown
from ui.api import call_tool
from ui.panel import Panel, follow, jurisdiction_choices

GENERIC_ELEMENTS = [
    "Management Commitment",
    "Hazard Assessment",
    "Hazard Control",
    "Inspections",
    "Training",
    "Emergency Response",
    "Incident Investigation",
    "Program Administration",
]
AUDIT_TYPES = ["certification", "maintenance", "recertification"]
COLOURS = {"Pass": "#16a34a", "Fail": "#dc2626", "No mark": "#6b7280"}


def elements(code: str | None) -> list[str]:
    """The audit elements of a jurisdiction's rules, or a generic list where none are known."""
    if not code:
        return GENERIC_ELEMENTS
    try:
        found = rules_for(code).audit.elements
    except (CorguideError, KeyError):
        return GENERIC_ELEMENTS
    return list(found.value) if found else GENERIC_ELEMENTS


def scores_from_table(table: Any) -> dict[str, Any]:
    """Element scores from the score table (a DataFrame or rows); blank rows are skipped.

    Raises:
        InputError: a scored row without an element name, or no score at all.

    Example:
        >>> scores_from_table([["Training", 45], ["Inspections", None]])
        {'Training': 45}
    """
    rows = table.values.tolist() if hasattr(table, "values") else list(table or [])
    scores: dict[str, Any] = {}
    for row in rows:
        if len(row) < 2:
            continue
        name, score = row[0], row[1]
        if score is None or (isinstance(score, float) and score != score) or score == "":
            continue
        if not isinstance(name, str) or not name.strip():
            raise InputError("every scored row needs an element name")
        scores[name] = score
    if not scores:
        raise InputError("enter a score (0 to 100) for at least one element")
    return scores


def score(code, table, audit_type, program) -> tuple[str, Any]:
    """The score as markdown and the chart's rows, or the input error as a card."""
    try:
        result = call_tool(
            "score_audit",
            jurisdiction=code or "",
            element_scores=scores_from_table(table),
            audit_type=audit_type,
            program=program,
        )
    except gr.Error as exc:
        return tool_markdown.error_card(exc.message), None
    except InputError as exc:
        return tool_markdown.error_card(str(exc)), None
    import pandas as pd  # only for the chart; gradio brings it along

    rows = tool_markdown.score_rows(result)
    # Keep the table's order (elements, then Overall) instead of sorting by name.
    plot = gr.update(value=pd.DataFrame(rows), sort=[r["element"] for r in rows])
    return tool_markdown.score_markdown(result), plot


def table_for(code: str | None) -> Any:
    return gr.update(value=[[name, None] for name in elements(code)])


def build(panel: Panel) -> None:
    """Lay out the tab and wire it."""
    with gr.Tab("Audit score", id="score"), gr.Row():
        with gr.Column(scale=2):
            code = gr.Dropdown(
                choices=jurisdiction_choices(),
                label="Province or territory",
                elem_id="cg-s-jurisdiction",
            )
            with gr.Row():
                kind = gr.Dropdown(AUDIT_TYPES, value="certification", label="Audit")
                program = gr.Dropdown(["COR", "SECOR"], value="COR", label="Program")
            table = gr.Dataframe(
                value=[[name, None] for name in GENERIC_ELEMENTS],
                headers=["Element", "Score (%)"],
                datatype=["str", "number"],
                column_count=(2, "fixed"),
                interactive=True,
                label="Element scores (blank rows are ignored)",
                elem_id="cg-s-table",
            )
            go = gr.Button("Score the audit", variant="primary", elem_id="cg-s-go")
        with gr.Column(scale=3):
            plot = gr.BarPlot(
                x="element",
                y="score",
                color="result",
                color_map=COLOURS,
                y_lim=[0, 100],
                x_label_angle=-30,
                sort=None,
                label="Scores by element",
                height=320,
            )
            out = gr.Markdown("", elem_id="cg-s-out")
    follow(panel.jurisdiction, code)
    code.change(table_for, code, table, api_visibility="undocumented", queue=False)
    panel.jurisdiction.change(
        table_for, panel.jurisdiction, table, api_visibility="undocumented", queue=False
    )
    go.click(score, [code, table, kind, program], [out, plot], api_visibility="undocumented")
