"""The Readiness check tab: the self-check questions by element, scored with the partner's rules.

Built inside the page's ``gr.Tabs`` by ``ui.app`` (one call). The program follows the side
panel (province, workers, industry): the one ``check_eligibility`` recommends, COR when none is.
Answers are saved in ``<data_dir>/readiness/`` under the signed-in user's name (``local``
without a login), so a returning owner continues where they left off.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import CorguideError
from assistant.tools.chat_tools import readiness_check
from assistant.tools.readiness import ANSWER_CREDIT, ReadinessResult, score_readiness
from assistant.tools.readiness_data import question_bank

CHOICES = ["yes", "partly", "no"]
# Actions the tab lists; the JSON from the CLI has them all.
MAX_ACTIONS = 12
PASS_LINE = "Pass line"


def answers_path(data_dir: Path, request: gr.Request | None) -> Path:
    """The answers file of the signed-in user (``local`` without a login)."""
    user = getattr(request, "username", None) or "local"
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", str(user))[:64] or "local"
    return Path(data_dir) / "readiness" / f"answers-{safe}.json"


def load_answers(path: Path) -> dict[str, str]:
    """Saved answers, or none when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if v in ANSWER_CREDIT}


def save_answers(path: Path, answers: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(answers, indent=1), encoding="utf-8")
    tmp.replace(path)


def chart_rows(result: ReadinessResult) -> list[dict[str, Any]]:
    """One bar per element, the overall score, and the pass lines from the rules."""
    rule = result.audit
    label = {True: "Passes", False: "Below the line", None: "No mark"}
    rows = [
        {"element": e.element, "score": e.score, "result": label[e.passes]}
        for e in result.projected.elements
    ]
    rows.append(
        {"element": "Overall", "score": result.projected.overall,
         "result": label[result.projected.passes]}
    )  # fmt: skip
    if rule.per_element_mark is not None:
        rows.append({"element": f"{PASS_LINE}: each element", "score": rule.per_element_mark,
                     "result": PASS_LINE})  # fmt: skip
    if rule.overall_mark is not None:
        rows.append({"element": f"{PASS_LINE}: overall", "score": rule.overall_mark,
                     "result": PASS_LINE})  # fmt: skip
    return rows


def result_markdown(result: ReadinessResult) -> str:
    p = result.projected
    verdict = {True: "would pass", False: "would not pass yet", None: "cannot be scored"}
    lines = [
        f"### {result.program} in {result.province_name}: {verdict[p.passes]}",
        f"*{result.label}*",
        f"To pass: {p.rule}. Overall: **{p.overall:g}%**.",
    ]
    if p.legislated_missing:
        lines.append("Legislated items not yet in place: " + ", ".join(p.legislated_missing))
    if result.actions:
        lines.append("#### Do first (most points at risk)")
        for a in result.actions[:MAX_ACTIONS]:
            lines.append(
                f"1. **{a.action}** ({a.element}; {a.points_at_risk:g} points) Show: {a.evidence}"
            )
    return "\n\n".join(lines)


def _program_line(listing: Any) -> str:
    partner = f", partner {listing.partner['name']}" if listing.partner else ""
    return (
        f"**Scoring as {listing.program} in {listing.province_name}{partner}.** "
        f"To pass: {listing.pass_rule.rule}. *{listing.label}*"
    )


def _listing_for(code, n, sub, pub, trade):
    if not code or n in (None, ""):
        raise gr.Error("Choose the province and give the worker count in the side panel.")
    try:
        return readiness_check(code, n, trade or None, bool(sub), bool(pub))
    except CorguideError as exc:
        raise gr.Error(str(exc)) from None


def build(panel_fields: list[Any], data_dir: Path) -> None:
    """Add the tab (call inside ``gr.Tabs``). ``panel_fields``: the side panel's inputs."""
    jurisdiction, workers, subs, public, industry = panel_fields[:5]
    radios: list[tuple[str, gr.Radio]] = []
    with gr.Tab("Readiness check", id="readiness") as tab:
        heading = gr.Markdown(
            "Pick your province and worker count in the side panel, answer the questions, then "
            "score them.",
            elem_id="cg-r-heading",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                for area in question_bank().areas:
                    with gr.Accordion(area.element, open=False):
                        for q in area.questions:
                            radio = gr.Radio(CHOICES, label=q.text, info=f"Show: {q.evidence}",
                                             elem_classes=["cg-r-q"])  # fmt: skip
                            radios.append((q.id, radio))
                with gr.Row():
                    all_yes = gr.Button("Mark all yes", size="sm", elem_id="cg-r-all-yes")
                    go = gr.Button("Score my answers", variant="primary", elem_id="cg-r-go")
            with gr.Column(scale=2):
                chart = gr.BarPlot(
                    x="element", y="score", color="result", y_lim=[0, 100], sort=None,
                    color_map={"Passes": "#16a34a", "Below the line": "#dc2626",
                               "No mark": "#6b7280", PASS_LINE: "#1d4ed8"},
                    x_label_angle=-40, height=380, label="Projected scores by element",
                    elem_id="cg-r-chart",
                )  # fmt: skip
                out = gr.Markdown("", elem_id="cg-r-out")
    boxes = [r for _, r in radios]
    ids = [qid for qid, _ in radios]

    def opened(code, n, sub, pub, trade, request: gr.Request):
        saved = load_answers(answers_path(data_dir, request))
        try:
            line = _program_line(_listing_for(code, n, sub, pub, trade))
        except gr.Error as exc:
            line = exc.message
        return [line, *[saved.get(qid) for qid in ids]]

    def scored(request: gr.Request, *args):
        import pandas as pd  # only for the chart; gradio brings it along

        code, n, sub, pub, trade = args[:5]
        values = args[5:]

        listing = _listing_for(code, n, sub, pub, trade)
        given = {qid: v for qid, v in zip(ids, values, strict=True) if v}
        save_answers(answers_path(data_dir, request), given)
        wanted = {q.id for q in listing.questions}
        try:
            result = score_readiness(
                listing.province, {k: v for k, v in given.items() if k in wanted},
                listing.program, trade or None, fill_missing=True,
            )  # fmt: skip
        except CorguideError as exc:
            raise gr.Error(str(exc)) from None
        note = ""
        unanswered = len(wanted - set(given))
        if unanswered:
            note = f"\n\n*Unanswered questions count as no ({unanswered} left).*"
        rows = chart_rows(result)
        return (
            _program_line(listing),
            # The elements' order, then the overall score and the pass lines (not by name).
            gr.update(value=pd.DataFrame(rows), sort=[r["element"] for r in rows]),
            result_markdown(result) + note,
        )

    side = [jurisdiction, workers, subs, public, industry]
    tab.select(opened, side, [heading, *boxes], api_visibility="undocumented", queue=False)
    all_yes.click(lambda: ["yes"] * len(boxes), None, boxes, api_visibility="undocumented",
                  queue=False)  # fmt: skip
    go.click(scored, [*side, *boxes], [heading, chart, out], api_visibility="undocumented")
