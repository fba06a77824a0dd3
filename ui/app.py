"""The corguide chat page (Gradio 6): a cited, streaming chat with the decision tools beside it.

Run it with ``corguide chat`` (or ``make chat``); it opens on http://127.0.0.1:7860.

Safe by default:

- It binds 127.0.0.1 only. ``--host 0.0.0.0`` exposes it to the network and ``--share`` makes a
  public Gradio link; both are explicit choices.
- ``CORGUIDE_AUTH="user:password"`` turns on a login for shared deployments (several accounts:
  ``"alice:pw1,bob:pw2"``; a password may contain ``:`` but not ``,``). Set it whenever the
  page is reachable by others; without it a warning is printed for a non-loopback host.
- Questions longer than ``CORGUIDE_MAX_QUESTION_CHARS`` (2,000 by default) get a clear message.
- A queue answers one question per core at once (at least 2), over the chat's Enter, Send and
  ``/chat`` together, and holds up to 64 waiting; each answer is one update to the page.
- What users type is shown as text, never rendered as HTML.

Thumbs up/down on an answer appends a line to ``<data_dir>/feedback.jsonl`` (question, answer,
citations, vote, time) for turning into eval cases. A vote names the ``answer_id`` issued with
the answer; the server stores its own copy of that answer, never text sent with the vote
(``assistant.answering.feedback.VoteDesk``: rate-limited per address, capped sizes, a rotated file).

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

from assistant.answering.chain import Assistant
from assistant.answering.feedback import VoteDesk
from assistant.errors import InputError
from assistant.settings import Settings, get_settings
from ui import (
    api,
    eligibility_tab,
    incentive_tab,
    panel,
    plan_tab,
    readiness_tab,
    schedule_tab,
    score_tab,
)
from ui.chat_tab import ChatTab
from ui.panel import merge_panel, panel_values
from ui.server_guard import (
    SESSION_CAPACITY,
    SESSION_IDLE_SECONDS,
    ServerGuard,
    credentials_check,
    idle_session_sweeper,
)

log = logging.getLogger("corguide.ui")

# The panel's state helpers moved to ui.panel; importable here as before.
__all__ = ["build_app", "launch", "launch_options", "merge_panel", "panel_values", "parse_auth"]

# Answers run at once: one per core (at least 2, so one slow answer, say a chat model's, never
# holds up the rest). Answering is CPU-bound Python, so more threads than cores only
# interleave under the interpreter lock: each answer takes longer and none finishes sooner.
QUEUE_CONCURRENCY = max(2, os.cpu_count() or 1)
QUEUE_MAX_SIZE = 64
AUTH_ENV = "CORGUIDE_AUTH"
# Gradio's queue keeps a record of the last events (for its wait estimates) and by default
# rebuilds a pandas summary of all of them after every event, in a worker thread: with 16
# clients that grew to the largest server cost after the answers themselves (issue 17). Every
# 50 events over the last 1,000 still keeps the estimates current. Read when the queue is made.
QUEUE_ANALYTICS = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "50", "GRADIO_ANALYTICS_MAX_EVENTS": "1000"}
for _name, _value in QUEUE_ANALYTICS.items():
    os.environ.setdefault(_name, _value)

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
#cg-eligibility:not(:has(.cg-card)) { display: none !important; }
#cg-s-out td, #cg-s-out th, #cg-d-out td, #cg-d-out th { word-break: normal !important;
  overflow-wrap: normal !important; }
#cg-side { background: var(--background-fill-secondary); border-radius: 12px; padding: 12px; }
"""


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


HEADER = (
    '<div id="cg-header"><h1>corguide</h1><p>Cited answers on COR and SECOR safety '
    "certification for small Canadian employers. General guidance, not legal advice: "
    "confirm with your certifying partner.</p></div>"
)


def build_app(assistant: Any = None, settings: Settings | None = None) -> gr.Blocks:
    """The chat page as a `gr.Blocks`; ``assistant`` is loaded on first use when not given.

    The side panel, then one module per tab (``ui/*_tab.py``), then the named API endpoints
    (``ui.api``, one per registry tool). The queue is configured here (one answer per core,
    64 waiting), so every launch path gets it.
    """
    settings = settings or (assistant.settings if assistant is not None else get_settings())
    # The index and the models load with the first question when no assistant is given.
    holder: dict[str, Any] = {"assistant": assistant}
    # Votes name an answer this server gave (its id); the desk keeps the server's copy.
    desk = VoteDesk(settings.feedback_path)

    def get_assistant() -> Any:
        if holder["assistant"] is None:
            holder["assistant"] = Assistant.load(settings)
        return holder["assistant"]

    with gr.Blocks(title="corguide: COR and SECOR assistant") as demo:
        # Dropped after SESSION_IDLE_SECONDS without a new answer (server memory, issue 18).
        conv_state = gr.State({}, time_to_live=SESSION_IDLE_SECONDS)
        answer_log = gr.State({}, time_to_live=SESSION_IDLE_SECONDS)
        gr.HTML(HEADER)
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=240, elem_id="cg-side"):
                side = panel.build()
            with gr.Column(scale=5), gr.Tabs():
                with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                    ChatTab(side, conv_state, answer_log, desk, get_assistant)
                eligibility_tab.build(side)
                score_tab.build(side)
                incentive_tab.build(side)
                schedule_tab.build(side)
                # Issue 15: the readiness check and the plan, each in its own module.
                readiness_tab.build(side.fields, settings.data_dir)
                plan_tab.build(side.fields)
        api.register(desk, get_assistant)

    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo


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
