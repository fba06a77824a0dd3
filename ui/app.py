"""The corguide chat page (Gradio 6): a cited, streaming chat with the decision tools beside it.

Run it with ``corguide chat`` (or ``make chat``); it opens on http://127.0.0.1:7860.

Safe by default:

- It binds 127.0.0.1 only. ``--host 0.0.0.0`` exposes it to the network and ``--share`` makes a
  public Gradio link; both are explicit choices.
- ``CORGUIDE_AUTH="user:password"`` turns on a login for shared deployments (several accounts:
  ``"alice:pw1,bob:pw2"``; a password may contain ``:`` but not ``,``). Set it whenever the
  page is reachable by others; without it a warning is printed for a non-loopback host.
- Questions longer than ``CORGUIDE_MAX_QUESTION_CHARS`` (2,000 by default) get a clear message.
- A queue answers one question per core at once (at least 2) and holds up to 64 waiting.
- What users type is shown as text, never rendered as HTML.

Thumbs up/down on an answer appends a line to ``<data_dir>/feedback.jsonl`` (question, answer,
citations, vote, time) for turning into eval cases. A vote names the ``answer_id`` issued with
the answer; the server stores its own copy of that answer, never text sent with the vote
(``assistant.feedback.VoteDesk``: rate-limited per address, capped sizes, a rotated file).

Scripts can use the same app through ``gradio_client`` (named endpoints)::

    from gradio_client import Client
    # analytics_enabled=False: the client otherwise sends telemetry to huggingface.co.
    c = Client("http://127.0.0.1:7860/", analytics_enabled=False)  # auth=("user", "pw") if set
    c.predict("Which program fits 8 workers?", "AB", 8, False, False, api_name="/chat")
    c.predict("AB", 8, False, False, api_name="/check_eligibility")
    c.predict("AB", {"Training": 45, "Hazard Assessment": 90}, "certification", "COR",
              api_name="/score_audit")
    c.predict("MB", "COR", None, None, 4000, None, None, api_name="/estimate_incentive")
    c.predict("AB", "2025-03-31", api_name="/audit_schedule")
    c.predict("BC", 8, 2, api_name="/compare_costs")
    c.predict(answer["answer_id"], "up", api_name="/vote")  # answer: a /chat result
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterator
from typing import Any

# isort: off
# Settings first: importing it switches off Gradio analytics and Hugging Face telemetry, which
# are read when gradio (and huggingface_hub under it) is imported; gradio_files points Gradio's
# own files (uploads and the like) inside the data dir, also read on import.
from assistant import settings as _offline_env  # noqa: F401
from ui.gradio_files import keep_gradio_files_in
import gradio as gr

# isort: on
from starlette.middleware import Middleware

from assistant.answer import Answer, ConversationState
from assistant.errors import CorguideError, InputError
from assistant.feedback import VoteDesk
from assistant.jurisdictions import JURISDICTIONS, NAMES, parse_amount, parse_workers
from assistant.settings import Settings, get_settings
from ui import plan_tab, readiness_tab, render
from ui.server_guard import (
    SESSION_CAPACITY,
    SESSION_IDLE_SECONDS,
    ServerGuard,
    credentials_check,
    idle_session_sweeper,
)

log = logging.getLogger("corguide.ui")

# Answers run at once: one per core (at least 2, so one slow answer, say a chat model's, never
# holds up the rest). Answering is CPU-bound Python, so more threads than cores only
# interleave under the interpreter lock: each answer takes longer and none finishes sooner.
QUEUE_CONCURRENCY = max(2, os.cpu_count() or 1)
QUEUE_MAX_SIZE = 64
AUTH_ENV = "CORGUIDE_AUTH"

EXAMPLES = [
    "I have 8 workers in Alberta. Which program fits me and what does the audit involve?",
    "What is the difference between COR and SECOR?",
    "We're a roofing crew of 12 in BC and we use subcontractors. Can we get SECOR?",
    "What pass mark do I need on a COR audit in Ontario?",
    "How much WCB rebate can a Manitoba company with a $4,000 premium get?",
]
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

CSS = """
.gradio-container { max-width: 1440px !important; margin: 0 auto !important; }
#cg-header { padding: 6px 4px 2px; }
#cg-header h1 { font-size: 1.55rem; margin: 0; letter-spacing: -0.01em; }
#cg-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); }
#cg-side .cg-note { font-size: .82rem; color: var(--body-text-color-subdued); }
.cg-sources { display: flex; flex-direction: column; gap: 10px; }
.cg-panel-title { font-weight: 600; font-size: .95rem; text-transform: uppercase;
  letter-spacing: .04em; color: var(--body-text-color-subdued); }
.cg-empty p { color: var(--body-text-color-subdued); font-size: .9rem; margin: 4px 0; }
.cg-source { border: 1px solid var(--border-color-primary); border-radius: 10px;
  padding: 10px 12px; background: var(--background-fill-primary); }
.cg-source-head { font-weight: 600; line-height: 1.3; }
.cg-num { color: var(--color-accent); margin-right: 2px; }
.cg-section { font-size: .85rem; color: var(--body-text-color-subdued); margin-top: 2px; }
.cg-passage { margin: 8px 0 6px; padding: 6px 10px; border-left: 3px solid
  var(--color-accent-soft); font-size: .88rem; line-height: 1.45; color: var(--body-text-color);
  white-space: pre-line; }
.cg-passage mark { background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 3px; }
.cg-meta { font-size: .8rem; color: var(--body-text-color-subdued); }
.cg-card { border: 1px solid var(--color-accent-soft); border-radius: 12px; padding: 12px 14px;
  background: var(--background-fill-secondary); }
.cg-card ul { margin: 4px 0 6px 18px; padding: 0; font-size: .88rem; }
.cg-card-kicker { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--body-text-color-subdued); }
.cg-decision { font-size: 1.15rem; font-weight: 700; margin: 2px 0 6px; }
.cg-sub { font-weight: 600; font-size: .88rem; margin-top: 6px; }
.cg-warn { color: #92400e; }
.cg-chip { display: inline-block; border-radius: 999px; padding: 1px 9px; margin-right: 4px;
  background: var(--color-accent-soft); font-size: .8rem; font-weight: 600; }
.cg-dim { color: var(--body-text-color-subdued); font-size: .8rem; }
.cg-more { margin-top: 6px; font-size: .88rem; }
.cg-more summary { cursor: pointer; font-weight: 600; }
#cg-right { gap: 12px; }
#cg-s-out td, #cg-s-out th, #cg-d-out td, #cg-d-out th { word-break: normal !important;
  overflow-wrap: normal !important; }
#cg-side { background: var(--background-fill-secondary); border-radius: 12px; padding: 12px; }
"""


# ---- state --------------------------------------------------------------------------------


def jurisdiction_choices() -> list[tuple[str, str]]:
    """Dropdown choices: "Alberta (AB)" shown, the code as the value."""
    return [(f"{NAMES[code]} ({code})", code) for code in JURISDICTIONS]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def optional_text(value: Any) -> Any:
    """A text box's value, or None when it is blank (tools treat None as "not given")."""
    return None if _blank(value) else value


def _workers_value(value: Any) -> int | None:
    """The worker count from the panel: blank is "not said yet"; anything else must be valid.

    Raises:
        InputError: not a whole number from 0 up (the message says so).
    """
    if _blank(value):
        return None
    return parse_workers(value.strip() if isinstance(value, str) else value)


def _premium_value(value: Any) -> float | None:
    """The annual WCB premium from the panel ("55,000", "$55,000"); blank is "not said yet".

    Raises:
        InputError: not an amount from 0 up (the message says so).
    """
    if _blank(value):
        return None
    return parse_amount(value.strip() if isinstance(value, str) else value, name="the premium")


def premium_text(value: float | None) -> str:
    """A premium as the panel shows it.

    Example:
        >>> premium_text(55000.0), premium_text(1234.5), premium_text(None)
        ('55,000', '1,234.50', '')
    """
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _flag(ticked: bool | None, before: bool | None) -> bool | None:
    """A checkbox on top of the state: ticked is yes; unticked is no only when it was yes.

    A checkbox cannot show "not said", so an unticked box leaves a slot nobody has spoken of
    unknown (as ``corguide ask`` does without ``--subcontractors``).
    """
    if ticked:
        return True
    return False if before else before


_KEEP: Any = object()  # a panel field the caller did not pass: the state's value stays


def merge_panel(
    state: dict[str, Any] | ConversationState | None,
    jurisdiction: str | None,
    workers: Any,
    subcontractors: bool | None,
    public_contracts: bool | None,
    industry: Any = _KEEP,
    premium: Any = _KEEP,
) -> ConversationState:
    """The conversation state with the side panel's values on top (the user may change them).

    The panel shows the state after every answer, so it is the latest word on these slots.
    ``industry`` and ``premium`` are left as they are when not passed.

    Raises:
        InputError: the worker count is not a whole number from 0 up, or the premium is not
            an amount from 0 up.

    Example:
        >>> merge_panel({"jurisdiction": "AB", "workers": 8}, "BC", "", True, False).model_dump(
        ...     include={"jurisdiction", "workers", "subcontractors", "public_contracts"})
        {'jurisdiction': 'BC', 'workers': None, 'subcontractors': True, 'public_contracts': None}
        >>> merge_panel({}, "AB", "9", False, False, "drywall", "$55,000").premium
        55000.0
    """
    if isinstance(state, ConversationState):
        base = state
    else:
        base = ConversationState.model_validate(state or {})
    code = jurisdiction if jurisdiction in NAMES else None
    update: dict[str, Any] = {
        "jurisdiction": code,
        "workers": _workers_value(workers),
        "subcontractors": _flag(subcontractors, base.subcontractors),
        "public_contracts": _flag(public_contracts, base.public_contracts),
    }
    if industry is not _KEEP:
        update["industry"] = None if _blank(industry) else " ".join(str(industry).split())
    if premium is not _KEEP:
        update["premium"] = _premium_value(premium)
    return base.model_copy(update=update)


def panel_values(state: ConversationState) -> tuple[Any, ...]:
    """What the side panel's fields show for a state, in the panel's order.

    Example:
        >>> panel_values(ConversationState(jurisdiction="AB", workers=9, premium=55000))
        ('AB', '9', False, False, '', '55,000')
    """
    return (
        state.jurisdiction,
        "" if state.workers is None else str(state.workers),
        bool(state.subcontractors),
        bool(state.public_contracts),
        state.industry or "",
        premium_text(state.premium),
    )


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """Accounts from ``CORGUIDE_AUTH`` ("user:password", comma-separated for several).

    Raises:
        InputError: an entry without a user name or a password.

    Example:
        >>> parse_auth("alice:s3cret:x, bob:pw")
        [('alice', 's3cret:x'), ('bob', 'pw')]
        >>> parse_auth("") is None
        True
    """
    if value is None or not value.strip():
        return None
    accounts = []
    for entry in value.split(","):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user.strip() or not password:
            raise InputError(
                f'{AUTH_ENV} must look like "user:password" (several: "a:pw1,b:pw2"); '
                "an entry has no user name or no password"
            )
        accounts.append((user.strip(), password))
    return accounts


# ---- the app --------------------------------------------------------------------------------


def build_app(assistant: Any = None, settings: Settings | None = None) -> gr.Blocks:
    """The chat page as a `gr.Blocks`; ``assistant`` is loaded on first use when not given.

    The queue is configured here (one answer per core, 64 waiting), so every launch path gets
    it.
    """
    settings = settings or (assistant.settings if assistant is not None else get_settings())
    holder: dict[str, Any] = {"assistant": assistant}
    # Votes name an answer this server gave (its id); the desk keeps the server's copy.
    desk = VoteDesk(settings.feedback_path)

    def get_assistant() -> Any:
        if holder["assistant"] is None:
            from assistant.chain import Assistant

            holder["assistant"] = Assistant.load(settings)
        return holder["assistant"]

    # -- chat ------------------------------------------------------------------------------

    def respond(
        message: str,
        history: list[dict[str, Any]] | None,
        state: dict[str, Any] | None,
        answers: dict[str, Any] | None,
        jurisdiction: str | None,
        workers: Any,
        subcontractors: bool,
        public_contracts: bool,
        industry: str | None = None,
        premium: str | None = None,
    ) -> Iterator[dict[Any, Any]]:
        history = list(history or [])
        answers = dict(answers or {})
        text = message if isinstance(message, str) else ""
        history.append({"role": "user", "content": render.user_markdown(text)})
        history.append({"role": "assistant", "content": "…"})
        yield {chatbot: history, box: ""}
        final: Answer | None = None
        try:
            conversation = merge_panel(
                state, jurisdiction, workers, subcontractors, public_contracts, industry, premium
            )
            for piece in get_assistant().stream(text, conversation):
                if isinstance(piece, Answer):
                    final = piece
                else:
                    history[-1] = {"role": "assistant", "content": render.answer_markdown(piece)}
                    yield {chatbot: history}
        except CorguideError as exc:
            history[-1] = {"role": "assistant", "content": render.error_markdown(str(exc))}
            yield {chatbot: history}
            return
        except Exception:  # the user sees a short apology; the log keeps the traceback
            log.exception("answering failed")
            history[-1] = {
                "role": "assistant",
                "content": render.error_markdown(
                    "something went wrong while answering; please try again"
                ),
            }
            yield {chatbot: history}
            return
        if final is None:
            return
        history[-1] = {"role": "assistant", "content": render.chat_message(final)}
        # The session keeps only the id: the answer itself is in the desk's bounded log.
        answers[str(len(history) - 1)] = desk.issue(vote_copy(final))
        # The panel and the chat read the same state: the answer's (cleared by "start over").
        new_state = final.state
        card = render.eligibility_card(render.eligibility_from_answer(final))
        yield {
            chatbot: history,
            sources: render.sources_html(final.citations),
            eligibility: gr.update(value=card, visible=bool(card)),
            conv_state: new_state.model_dump(mode="json"),
            answer_log: answers,
            understood: render.understood_html(new_state.understood, len(history) // 2),
            **dict(zip(panel_fields, panel_values(new_state), strict=True)),
        }

    def panel_edited(
        history: list[dict[str, Any]] | None,
        state: dict[str, Any] | None,
        *values: Any,
    ) -> str:
        """The understood line after the user changes a panel field (the next turn uses it)."""
        from assistant.understand import understood_line

        turn = len(history or []) // 2
        try:
            merged = merge_panel(state, *values)
        except InputError as exc:
            current = ConversationState.model_validate(state or {}).understood
            return render.understood_html(current, turn, problem=str(exc))
        return render.understood_html(understood_line(merged, None, NAMES), turn)

    def on_like(answers: dict[str, Any] | None, data: gr.LikeData, request: gr.Request) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer_id = (answers or {}).get(str(index))
        if answer_id is None or data.liked is None or data.liked == "":
            return  # an error message or a retracted vote: nothing to learn from
        verdict = "up" if data.liked is True or str(data.liked).lower() == "like" else "down"
        try:
            desk.vote(answer_id, verdict, client=client_address(request))
        except InputError as exc:  # too many votes, or an answer too old to vote on
            gr.Warning(str(exc))
            return
        gr.Info("Thanks: your vote was saved.")

    def new_chat() -> tuple[Any, ...]:
        return ([], {}, {}, render.EMPTY_SOURCES, gr.update(value="", visible=False), "")

    # -- API-only functions (named endpoints for gradio_client) ------------------------------

    def chat_api(
        question: str,
        jurisdiction: str | None = None,
        workers: float | None = None,
        subcontractors: bool = False,
        public_contracts: bool = False,
        industry: str | None = None,
        premium: float | str | None = None,
    ) -> dict:
        """Answer one question with the side panel's values; the result is `corguide ask
        --json`'s object plus titles, both dates of each source, and the understood state."""
        try:
            code = _jurisdiction_or_none(jurisdiction)
            state = merge_panel(
                {}, code, workers, subcontractors, public_contracts, industry, premium
            )
            if workers not in (None, "") and state.workers is None:
                raise InputError(f"workers must be a whole number of people, got {workers!r}")
            answer = get_assistant().ask(question, state)
        except CorguideError as exc:
            raise _user_error(exc) from None
        return render.answer_payload(answer) | {"answer_id": desk.issue(vote_copy(answer))}

    def vote_api(answer_id: str, vote: str, request: gr.Request) -> dict:
        """Record a thumbs up or down ('up' or 'down') on an answer this server gave, named by
        the ``answer_id`` that came with it; returns the stored record (the server's copy)."""
        try:
            record = desk.vote(answer_id, vote, client=client_address(request))
        except CorguideError as exc:
            raise _user_error(exc) from None
        return record.model_dump(mode="json")

    def eligibility_api(
        jurisdiction: str,
        workers: float,
        subcontractors: bool = False,
        public_contracts: bool = False,
        owner_operator: bool = False,
        payroll_hours: float | None = None,
        industry: str | None = None,
    ) -> dict:
        """Which program fits: eligible ids, the recommendation, reasons, warnings, partners."""
        return _run_tool(
            "check_eligibility",
            jurisdiction=jurisdiction,
            workers=_whole(workers),
            subcontractors=bool(subcontractors),
            public_contracts=bool(public_contracts),
            owner_operator=bool(owner_operator),
            payroll_hours=payroll_hours,
            industry=industry or None,
        )

    def score_api(
        jurisdiction: str,
        element_scores: dict,
        audit_type: str = "certification",
        program: str = "COR",
    ) -> dict:
        """Pass or fail per element and overall for element scores in percent."""
        return _run_tool(
            "score_audit",
            jurisdiction=jurisdiction,
            element_scores=element_scores,
            audit_type=audit_type,
            program=program or "COR",
        )

    def incentive_api(
        jurisdiction: str,
        program: str | None = None,
        payroll: float | None = None,
        base_rate: float | None = None,
        premium: float | None = None,
        assessment: float | None = None,
        first_year: bool | None = None,
    ) -> dict:
        """The WCB incentive estimate with each step of its formula."""
        return _run_tool(
            "estimate_incentive",
            jurisdiction=jurisdiction,
            program=program or None,
            payroll=payroll,
            base_rate=base_rate,
            premium=premium,
            assessment=assessment,
            first_year=first_year,
        )

    def schedule_api(jurisdiction: str, certified_on: str) -> dict:
        """The audits of one certificate cycle from the certification date (YYYY-MM-DD)."""
        return _run_tool("audit_schedule", jurisdiction=jurisdiction, certified_on=certified_on)

    def costs_api(jurisdiction: str, workers: float, sites: float = 1) -> dict:
        """Indicative SECOR and COR costs for a business, from sourced figures only."""
        return _run_tool(
            "compare_costs", jurisdiction=jurisdiction, workers=_whole(workers), sites=_whole(sites)
        )

    # -- tool tabs (the UI side of the same functions) ---------------------------------------

    def eligibility_ui(code, workers, subs, public, owner, hours, industry):
        try:
            result = eligibility_api(
                code or "",
                "" if _blank(workers) else str(workers).strip(),
                subs,
                public,
                owner,
                optional_text(hours),
                optional_text(industry),
            )
        except gr.Error as exc:
            return render.error_card_html(exc.message)
        return render.eligibility_card(result)

    def score_ui(code, table, audit_type, program):
        try:
            scores = _scores_from_table(table)
            result = score_api(code or "", scores, audit_type, program)
        except gr.Error as exc:
            return render.error_card(exc.message), None
        except InputError as exc:
            return render.error_card(str(exc)), None
        import pandas as pd

        rows = render.score_rows(result)
        # Keep the table's order (elements, then Overall) instead of sorting by name.
        plot = gr.update(value=pd.DataFrame(rows), sort=[r["element"] for r in rows])
        return render.score_markdown(result), plot

    def elements_for(code):
        return gr.update(value=[[name, None] for name in _elements(code)])

    def incentive_ui(code, program, payroll, base_rate, premium, first_year):
        first = {"First year": True, "A later year": False}.get(first_year)
        try:
            result = incentive_api(
                code or "",
                program,
                optional_text(payroll),
                optional_text(base_rate),
                optional_text(premium),
                None,
                first,
            )
        except gr.Error as exc:
            return render.error_card(exc.message)
        return render.incentive_markdown(result)

    def schedule_ui(code, certified_on):
        try:
            result = schedule_api(code or "", certified_on or "")
        except gr.Error as exc:
            return render.error_card(exc.message)
        return render.schedule_markdown(result)

    # -- layout -----------------------------------------------------------------------------

    choices = jurisdiction_choices()
    with gr.Blocks(title="corguide: COR and SECOR assistant") as demo:
        # Dropped after SESSION_IDLE_SECONDS without a new answer (server memory, issue 18).
        conv_state = gr.State({}, time_to_live=SESSION_IDLE_SECONDS)
        answer_log = gr.State({}, time_to_live=SESSION_IDLE_SECONDS)
        gr.HTML(
            '<div id="cg-header"><h1>corguide</h1><p>Cited answers on COR and SECOR safety '
            "certification for small Canadian employers. General guidance, not legal advice: "
            "confirm with your certifying partner.</p></div>"
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=240, elem_id="cg-side"):
                gr.Markdown("**Your business**")
                understood = gr.HTML(render.understood_html(None), elem_id="cg-understood")
                panel_jurisdiction = gr.Dropdown(
                    choices=choices,
                    value=None,
                    label="Province or territory",
                    allow_custom_value=False,
                    elem_id="cg-jurisdiction",
                )
                # Text boxes, not gr.Number: Gradio 6's number box shows and sends 0 when
                # empty, and 0 workers (an owner-operator) is a real answer, not "not said".
                panel_workers = gr.Textbox(
                    value="",
                    label="Workers (owners, part-time and casual included)",
                    placeholder="e.g. 8",
                    max_lines=1,
                    elem_id="cg-workers",
                )
                panel_subcontractors = gr.Checkbox(
                    value=False, label="We use subcontractors", elem_id="cg-subs"
                )
                panel_public = gr.Checkbox(
                    value=False, label="We bid on public contracts", elem_id="cg-public"
                )
                panel_industry = gr.Textbox(
                    value="",
                    label="Industry or trade",
                    placeholder="e.g. construction",
                    max_lines=1,
                    elem_id="cg-industry",
                )
                panel_premium = gr.Textbox(
                    value="",
                    label="Annual WCB premium ($)",
                    placeholder="e.g. 55,000",
                    max_lines=1,
                    elem_id="cg-premium",
                )
                panel_fields = [
                    panel_jurisdiction,
                    panel_workers,
                    panel_subcontractors,
                    panel_public,
                    panel_industry,
                    panel_premium,
                ]
                new_chat_button = gr.Button("New chat", variant="secondary", elem_id="cg-new")
                gr.HTML(
                    '<p class="cg-note">The assistant fills these in from what you tell it '
                    "(\u201cwe're a drywall crew of 8 in Edmonton\u201d); if it got something "
                    "wrong, change it here: the next answer uses it.</p>"
                )
            with gr.Column(scale=5), gr.Tabs():
                with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chatbot = gr.Chatbot(
                            label="corguide",
                            show_label=False,
                            height=560,
                            sanitize_html=True,
                            render_markdown=True,
                            allow_tags=False,
                            feedback_options=("Like", "Dislike"),
                            placeholder=(
                                "**Ask about COR or SECOR.** Tell me your province and "
                                "how many workers you have, and I'll say which program "
                                "fits, with the sources."
                            ),
                            buttons=["copy"],
                            elem_id="cg-chat",
                        )
                        with gr.Row():
                            box = gr.Textbox(
                                placeholder="Ask a question about COR or SECOR…",
                                show_label=False,
                                lines=1,
                                max_lines=6,
                                scale=5,
                                autofocus=True,
                                submit_btn=False,
                                elem_id="cg-question",
                            )
                            send = gr.Button(
                                "Send",
                                variant="primary",
                                scale=1,
                                min_width=80,
                                elem_id="cg-send",
                            )
                        gr.Examples(examples=EXAMPLES, inputs=[box], label="Try asking")
                    with gr.Column(scale=2, min_width=300, elem_id="cg-right"):
                        eligibility = gr.HTML("", visible=False, elem_id="cg-eligibility")
                        sources = gr.HTML(render.EMPTY_SOURCES, elem_id="cg-sources")
                with gr.Tab("Which program?", id="eligibility"), gr.Row():
                    with gr.Column(scale=1):
                        e_code = gr.Dropdown(
                            choices=choices,
                            label="Province or territory",
                            elem_id="cg-e-jurisdiction",
                        )
                        e_workers = gr.Textbox(label="Workers", placeholder="e.g. 8", max_lines=1)
                        e_subs = gr.Checkbox(label="We use subcontractors")
                        e_public = gr.Checkbox(label="We bid on public contracts")
                        e_owner = gr.Checkbox(
                            label="Owner-operator (no employees or subcontractors)"
                        )
                        e_hours = gr.Textbox(
                            label="Annual payroll hours (optional; BC counts FTEs)",
                            placeholder="e.g. 16,640",
                            max_lines=1,
                        )
                        e_industry = gr.Textbox(
                            label="Industry (optional)", placeholder="construction"
                        )
                        e_go = gr.Button("Check", variant="primary", elem_id="cg-e-go")
                    with gr.Column(scale=2):
                        e_out = gr.HTML("", elem_id="cg-e-out")
                with gr.Tab("Audit score", id="score"), gr.Row():
                    with gr.Column(scale=2):
                        s_code = gr.Dropdown(
                            choices=choices,
                            label="Province or territory",
                            elem_id="cg-s-jurisdiction",
                        )
                        with gr.Row():
                            s_type = gr.Dropdown(AUDIT_TYPES, value="certification", label="Audit")
                            s_program = gr.Dropdown(["COR", "SECOR"], value="COR", label="Program")
                        s_table = gr.Dataframe(
                            value=[[name, None] for name in GENERIC_ELEMENTS],
                            headers=["Element", "Score (%)"],
                            datatype=["str", "number"],
                            column_count=(2, "fixed"),
                            interactive=True,
                            label="Element scores (blank rows are ignored)",
                            elem_id="cg-s-table",
                        )
                        s_go = gr.Button("Score the audit", variant="primary", elem_id="cg-s-go")
                    with gr.Column(scale=3):
                        s_plot = gr.BarPlot(
                            x="element",
                            y="score",
                            color="result",
                            color_map={
                                "Pass": "#16a34a",
                                "Fail": "#dc2626",
                                "No mark": "#6b7280",
                            },
                            y_lim=[0, 100],
                            x_label_angle=-30,
                            sort=None,
                            label="Scores by element",
                            height=320,
                        )
                        s_out = gr.Markdown("", elem_id="cg-s-out")
                with gr.Tab("Incentive estimate", id="incentive"), gr.Row():
                    with gr.Column(scale=1):
                        i_code = gr.Dropdown(
                            choices=choices,
                            label="Province or territory",
                            elem_id="cg-i-jurisdiction",
                        )
                        i_program = gr.Dropdown(
                            ["COR", "SECOR"], value=None, label="Program (optional)"
                        )
                        i_premium = gr.Textbox(
                            label="Annual WCB premium ($)", placeholder="e.g. 4,000", max_lines=1
                        )
                        i_payroll = gr.Textbox(
                            label="Annual payroll ($)", placeholder="e.g. 2,000,000", max_lines=1
                        )
                        i_rate = gr.Textbox(
                            label="Base rate per $100 of payroll",
                            placeholder="e.g. 2.0",
                            max_lines=1,
                        )
                        i_first = gr.Radio(
                            ["First year", "A later year"],
                            value=None,
                            label="Year of certification (Alberta)",
                        )
                        i_go = gr.Button("Estimate", variant="primary", elem_id="cg-i-go")
                    with gr.Column(scale=2):
                        i_out = gr.Markdown("", elem_id="cg-i-out")
                with gr.Tab("Audit schedule", id="schedule"), gr.Row():
                    with gr.Column(scale=1):
                        d_code = gr.Dropdown(
                            choices=choices,
                            label="Province or territory",
                            elem_id="cg-d-jurisdiction",
                        )
                        d_date = gr.Textbox(
                            label="Certification date (YYYY-MM-DD)",
                            placeholder="2025-03-31",
                        )
                        d_go = gr.Button("Lay out the audits", variant="primary", elem_id="cg-d-go")
                    with gr.Column(scale=2):
                        d_out = gr.Markdown("", elem_id="cg-d-out")
                # Issue 15: the readiness check and the plan, each in its own module.
                readiness_tab.build(panel_fields, settings.data_dir)
                plan_tab.build(panel_fields)

        # -- events ---------------------------------------------------------------------------
        chat_inputs = [box, chatbot, conv_state, answer_log, *panel_fields]
        chat_outputs = [
            chatbot,
            box,
            sources,
            eligibility,
            conv_state,
            answer_log,
            understood,
            *panel_fields,
        ]
        for trigger in (box.submit, send.click):
            trigger(
                respond,
                chat_inputs,
                chat_outputs,
                api_visibility="undocumented",
                show_progress="hidden",
            )
        chatbot.clear(
            new_chat,
            None,
            [chatbot, conv_state, answer_log, sources, eligibility, box],
            api_name="clear_chat",
            api_visibility="undocumented",
            queue=False,
        )
        chatbot.like(on_like, [answer_log], None, api_visibility="undocumented")
        new_chat_button.click(
            new_chat,
            None,
            [chatbot, conv_state, answer_log, sources, eligibility, box],
            api_name="new_chat",
            queue=False,
        )
        # The side panel pre-fills the tool tabs, so a tool is one click away.
        for tab_code in (e_code, s_code, i_code, d_code):
            panel_jurisdiction.change(
                lambda v: v,
                panel_jurisdiction,
                tab_code,
                api_visibility="undocumented",
                queue=False,
            )
        panel_workers.change(
            lambda v: v, panel_workers, e_workers, api_visibility="undocumented", queue=False
        )
        panel_subcontractors.change(
            lambda v: v, panel_subcontractors, e_subs, api_visibility="undocumented", queue=False
        )
        panel_public.change(
            lambda v: v, panel_public, e_public, api_visibility="undocumented", queue=False
        )
        panel_industry.change(
            lambda v: v, panel_industry, e_industry, api_visibility="undocumented", queue=False
        )
        panel_premium.change(
            lambda v: v, panel_premium, i_premium, api_visibility="undocumented", queue=False
        )
        # A change the user makes (not the one an answer makes) shows in the understood line.
        for field in panel_fields:
            field.input(
                panel_edited,
                [chatbot, conv_state, *panel_fields],
                understood,
                api_visibility="undocumented",
                queue=False,
                # No timer over the line while it updates: it would flash on every keystroke.
                show_progress="hidden",
                trigger_mode="always_last",  # typing fast: the last keystroke's line wins
            )
        s_code.change(elements_for, s_code, s_table, api_visibility="undocumented", queue=False)
        panel_jurisdiction.change(
            elements_for, panel_jurisdiction, s_table, api_visibility="undocumented", queue=False
        )

        e_go.click(
            eligibility_ui,
            [e_code, e_workers, e_subs, e_public, e_owner, e_hours, e_industry],
            e_out,
            api_visibility="undocumented",
        )
        s_go.click(
            score_ui,
            [s_code, s_table, s_type, s_program],
            [s_out, s_plot],
            api_visibility="undocumented",
        )
        i_go.click(
            incentive_ui,
            [i_code, i_program, i_payroll, i_rate, i_premium, i_first],
            i_out,
            api_visibility="undocumented",
        )
        d_go.click(schedule_ui, [d_code, d_date], d_out, api_visibility="undocumented")

        gr.api(chat_api, api_name="chat")
        gr.api(vote_api, api_name="vote")
        gr.api(eligibility_api, api_name="check_eligibility")
        gr.api(score_api, api_name="score_audit")
        gr.api(incentive_api, api_name="estimate_incentive")
        gr.api(schedule_api, api_name="audit_schedule")
        gr.api(costs_api, api_name="compare_costs")

    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo


# ---- helpers for the handlers ------------------------------------------------------------


def _jurisdiction_or_none(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    from assistant.jurisdictions import parse_jurisdiction

    return parse_jurisdiction(value)


def _whole(value: Any) -> Any:
    """A float from a number box that is a whole number becomes an int (the tools want ints)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def vote_copy(answer: Answer) -> dict[str, Any]:
    """What a vote on ``answer`` stores: the server's own question, answer and citations."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "citations": [c.contract() | {"n": c.n} for c in answer.citations],
        "province": answer.province,
    }


def client_address(request: gr.Request | None) -> str:
    """The caller's address, the key of the per-client vote limit."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "unknown")


def _user_error(exc: CorguideError) -> gr.Error:
    """The message for the caller; bad input is not a fault, so no traceback on the console."""
    return gr.Error(str(exc), print_exception=False)


def _run_tool(name: str, **kwargs: Any) -> dict:
    """Call a tool and return its result as JSON-able data; bad input becomes a `gr.Error`."""
    from assistant.tools import TOOL_FUNCTIONS

    try:
        result = TOOL_FUNCTIONS[name](**kwargs)
    except CorguideError as exc:
        raise _user_error(exc) from None
    return result.model_dump(mode="json")


def _elements(code: str | None) -> list[str]:
    """The audit elements of a jurisdiction's rules, or a generic list where none are known."""
    if not code:
        return GENERIC_ELEMENTS
    from assistant.rules import rules_for

    try:
        elements = rules_for(code).audit.elements
    except (CorguideError, KeyError):
        return GENERIC_ELEMENTS
    return list(elements.value) if elements else GENERIC_ELEMENTS


def _scores_from_table(table: Any) -> dict[str, Any]:
    """Element scores from the score table (a DataFrame or rows); blank rows are skipped."""
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


# ---- launching -----------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch_options(
    host: str = "127.0.0.1", port: int = 7860, share: bool = False
) -> dict[str, Any]:
    """Keyword arguments for `gr.Blocks.launch`: bind address, auth from the environment,
    the look (theme and CSS, which Gradio 6 takes at launch) and no server-side rendering.

    Raises:
        InputError: ``CORGUIDE_AUTH`` is set but malformed.
    """
    auth = parse_auth(os.environ.get(AUTH_ENV))
    if auth is None and (share or not _is_loopback(host)):
        log.warning(
            "the chat is reachable from other machines without a login; set %s=user:password",
            AUTH_ENV,
        )
    return {
        "server_name": host,
        "server_port": port,
        "share": share,
        # Exact, constant-time credentials; ServerGuard backs off per client after failures.
        "auth": credentials_check(auth) if auth else None,
        "auth_message": "corguide: sign in with the account your administrator gave you."
        if auth
        else None,
        # Gradio's monitoring printed a dashboard key to anyone asking /monitoring (issue 18).
        "enable_monitoring": False,
        # Login back-off and API argument checks; idle sessions swept, at most SESSION_CAPACITY.
        "app_kwargs": {"middleware": [Middleware(ServerGuard)], "lifespan": idle_session_sweeper},
        "state_session_capacity": SESSION_CAPACITY,
        "theme": theme(),
        "css": CSS,
        "ssr_mode": False,
        "footer_links": ["api"],
        "show_error": False,
        # No component takes a file: refuse uploads (Gradio's upload route is always there).
        "max_file_size": 0,
    }


def theme() -> gr.themes.Base:
    """A clean theme with system fonts (no web-font download: the app works offline)."""
    fonts = ["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    return gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=fonts, font_mono=mono).set(
        block_title_background_fill="transparent",
        block_title_text_color="*neutral_700",
        block_title_padding="0",
        block_label_background_fill="transparent",
    )


def launch(host: str = "127.0.0.1", port: int = 7860, share: bool = False) -> None:
    """Load the assistant once and serve the chat page until interrupted (``corguide chat``).

    Raises:
        IndexMissingError: no index yet (run ``corguide ingest``).
        InputError: ``CORGUIDE_AUTH`` is malformed, or the address cannot be served.
    """
    from assistant.chain import Assistant

    settings = get_settings()
    options = launch_options(host, port, share)  # fail on a bad CORGUIDE_AUTH before loading
    keep_gradio_files_in(settings.data_dir)
    assistant = Assistant.load(settings)
    try:
        build_app(assistant, settings).launch(**options)
    except OSError as exc:  # the port is taken, or the host is not an address of this machine
        raise InputError(
            f"cannot serve the chat on {host}:{port} ({exc.strerror or exc}); "
            "choose another --port or --host"
        ) from None
