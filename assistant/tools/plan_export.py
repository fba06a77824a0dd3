"""Exports of a certification plan: Markdown, an iCalendar file and a printable PDF.

Sources are shown as ``[n]`` markers with a numbered list at the end, so the plan's own text
holds no numbers beyond those its steps state (the guard skips markers and addresses).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.tools.plan import Plan

PRODID = "-//corguide//certification plan//EN"
# Characters the PDF core fonts (Latin-1) cannot draw, and what to print instead.
_PDF_SUBSTITUTES = {
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u2265": ">=",
    "\u2264": "<=",
}


class _Refs:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def marks(self, sources: list[str]) -> str:
        out = []
        for url in sources:
            if url not in self.urls:
                self.urls.append(url)
            out.append(f"[{self.urls.index(url) + 1}]")
        return "".join(out)


def _head(plan: Plan) -> str:
    prog = plan.program or "no program found"
    return f"Certification plan: {prog} in {plan.province_name}"


def to_markdown(plan: Plan) -> str:
    """The plan as Markdown: steps with due dates and source markers, then the sources."""
    refs = _Refs()
    lines = [f"# {_head(plan)}", "", f"*{plan.label}*", ""]
    if plan.partner:
        lines += [f"Certifying partner: [{plan.partner['name']}]({plan.partner['url']})", ""]
    for step in plan.steps:
        due = f" (by {step.due.isoformat()})" if step.due else ""
        lines += [f"## {step.title}{due}", "", f"{step.detail} {refs.marks(step.sources)}", ""]
        if step.cost:
            lines += [f"Cost: {step.cost}", ""]
    if plan.costs:
        lines += ["## Costs", ""]
        lines += [f"- {c.text} {refs.marks(c.sources)}" for c in plan.costs] + [""]
    if plan.warnings:
        lines += ["## Warnings", ""]
        lines += [f"- {w.text} {refs.marks(w.sources)}" for w in plan.warnings] + [""]
    lines += ["## Sources", ""]
    lines += [f"- [{i}] {url}" for i, url in enumerate(refs.urls, 1)]
    return "\n".join(lines) + "\n"


def to_ics(plan: Plan, *, now: datetime | None = None) -> bytes:
    """One all-day calendar event per dated step (audits included), built with icalendar."""
    from icalendar import Calendar, Event  # imported here: only an ICS export needs it

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    stamp = now or datetime.now(UTC)
    for i, step in enumerate(s for s in plan.steps if s.due):
        event = Event()
        event.add("uid", f"corguide-{plan.province}-{plan.start.isoformat()}-{i}-{step.key}")
        event.add("dtstamp", stamp)
        event.add("summary", step.title)
        event.add("dtstart", step.due)
        event.add("dtend", step.due + timedelta(days=1))
        event.add("description", step.detail + "\nSources: " + " ".join(step.sources))
        cal.add_component(event)
    return cal.to_ical()


def _latin(text: str) -> str:
    for bad, good in _PDF_SUBSTITUTES.items():
        text = text.replace(bad, good)
    return text.encode("latin-1", "replace").decode("latin-1")


def to_pdf(plan: Plan) -> bytes:
    """A printable PDF of the plan with its numbered, linked sources (fpdf2)."""
    refs = _Refs()
    from fpdf import FPDF  # imported here: fpdf costs ~2 s of every CLI start otherwise

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin(_head(plan)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "I", 9)
    pdf.multi_cell(0, 5, _latin(plan.label), new_x="LMARGIN", new_y="NEXT")
    for step in plan.steps:
        due = f" (by {step.due.isoformat()})" if step.due else ""
        pdf.ln(3)
        pdf.set_font("helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin(step.title + due), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 10)
        body = f"{step.detail} {refs.marks(step.sources)}"
        if step.cost:
            body += f"\nCost: {step.cost}"
        pdf.multi_cell(0, 5, _latin(body), new_x="LMARGIN", new_y="NEXT")
    for title, notes in (("Costs", plan.costs), ("Warnings", plan.warnings)):
        if notes:
            pdf.ln(3)
            pdf.set_font("helvetica", "B", 12)
            pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("helvetica", "", 10)
            for note in notes:
                text = f"- {note.text} {refs.marks(note.sources)}"
                pdf.multi_cell(0, 5, _latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 12)
    pdf.cell(0, 7, "Sources", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 8)
    for i, url in enumerate(refs.urls, 1):
        link = url if url.startswith("http") else ""
        pdf.multi_cell(0, 4, _latin(f"[{i}] {url}"), link=link, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


EXPORTS = {"md": to_markdown, "ics": to_ics, "pdf": to_pdf}
