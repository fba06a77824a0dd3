"""The side panel ("Your business"): its fields, and how they merge with the conversation state.

The panel shows the state after every answer and is the latest word on its slots: what the
user changes here, the next answer uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.answering.answer import ConversationState
from assistant.knowledge.jurisdictions import JURISDICTIONS, NAMES, parse_amount, parse_workers
from assistant.presentation.format import amount
from ui import render


def jurisdiction_choices() -> list[tuple[str, str]]:
    """Dropdown choices: "Alberta (AB)" shown, the code as the value."""
    return [(f"{NAMES[code]} ({code})", code) for code in JURISDICTIONS]


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def optional_text(value: Any) -> Any:
    """A text box's value, or None when it is blank (tools treat None as "not given")."""
    return None if is_blank(value) else value


def _workers_value(value: Any) -> int | None:
    """The worker count from the panel: blank is "not said yet"; anything else must be valid.

    Raises:
        InputError: not a whole number from 0 up (the message says so).
    """
    if is_blank(value):
        return None
    return parse_workers(value.strip() if isinstance(value, str) else value)


def _premium_value(value: Any) -> float | None:
    """The annual WCB premium from the panel ("55,000", "$55,000"); blank is "not said yet".

    Raises:
        InputError: not an amount from 0 up (the message says so).
    """
    if is_blank(value):
        return None
    return parse_amount(value.strip() if isinstance(value, str) else value, name="the premium")


def premium_text(value: float | None) -> str:
    """A premium as the panel shows it.

    Example:
        >>> premium_text(55000.0), premium_text(1234.5), premium_text(None)
        ('55,000', '1,234.50', '')
    """
    return "" if value is None else amount(value)


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
        update["industry"] = None if is_blank(industry) else " ".join(str(industry).split())
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


@dataclass
class Panel:
    """The side panel's components; ``fields`` in the order ``merge_panel`` takes them."""

    understood: Any
    jurisdiction: Any
    workers: Any
    subcontractors: Any
    public_contracts: Any
    industry: Any
    premium: Any
    new_chat: Any

    @property
    def fields(self) -> list[Any]:
        return [
            self.jurisdiction,
            self.workers,
            self.subcontractors,
            self.public_contracts,
            self.industry,
            self.premium,
        ]


def build() -> Panel:
    """Lay out the side panel inside the open column."""
    gr.Markdown("**Your business**")
    understood = gr.HTML(render.understood_html(None), elem_id="cg-understood")
    jurisdiction = gr.Dropdown(
        choices=jurisdiction_choices(),
        value=None,
        label="Province or territory",
        allow_custom_value=False,
        elem_id="cg-jurisdiction",
    )
    # Text boxes, not gr.Number: Gradio 6's number box shows and sends 0 when
    # empty, and 0 workers (an owner-operator) is a real answer, not "not said".
    workers = gr.Textbox(
        value="",
        label="Workers (owners, part-time and casual included)",
        placeholder="e.g. 8",
        max_lines=1,
        elem_id="cg-workers",
    )
    subcontractors = gr.Checkbox(value=False, label="We use subcontractors", elem_id="cg-subs")
    public_contracts = gr.Checkbox(
        value=False, label="We bid on public contracts", elem_id="cg-public"
    )
    industry = gr.Textbox(
        value="",
        label="Industry or trade",
        placeholder="e.g. construction",
        max_lines=1,
        elem_id="cg-industry",
    )
    premium = gr.Textbox(
        value="",
        label="Annual WCB premium ($)",
        placeholder="e.g. 55,000",
        max_lines=1,
        elem_id="cg-premium",
    )
    new_chat = gr.Button("New chat", variant="secondary", elem_id="cg-new")
    gr.HTML(
        '<p class="cg-note">The assistant fills these in from what you tell it '
        "(\u201cwe're a drywall crew of 8 in Edmonton\u201d); if it got something "
        "wrong, change it here: the next answer uses it.</p>"
    )
    return Panel(
        understood,
        jurisdiction,
        workers,
        subcontractors,
        public_contracts,
        industry,
        premium,
        new_chat,
    )


def follow(source: Any, target: Any) -> None:
    """``target`` (a tool tab's field) takes ``source``'s value (the panel's) when it changes."""
    source.change(lambda v: v, source, target, api_visibility="undocumented", queue=False)
