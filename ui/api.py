"""The named API endpoints of the chat page (for ``gradio_client``), and the tool calls of the tabs.

One endpoint per registry tool, made from its arguments model (``tool_endpoint``): the
parameter names, types and defaults are the model's fields, in order. ``/chat`` answers a
question with the side panel's values; ``/vote`` records a thumbs up or down.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant.answering.answer import Answer
from assistant.answering.feedback import VoteDesk
from assistant.errors import CorguideError, InputError
from assistant.knowledge.jurisdictions import parse_jurisdiction
from assistant.tools.registry import PUBLIC, ToolSpec, run_tool
from ui import render
from ui.panel import merge_panel

# The queue's group for every event that answers a question (the chat tab's send and Enter,
# and /chat): Gradio otherwise gives each event its own limit, so the three together ran up to
# three times the answers at once that the two cores can serve (issue 17).
ANSWER_GROUP = "answer"


def _whole(value: Any) -> Any:
    """A float from a number box that is a whole number becomes an int (the tools want ints)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def user_error(exc: CorguideError) -> gr.Error:
    """The message for the caller; bad input is not a fault, so no traceback on the console."""
    return gr.Error(str(exc), print_exception=False)


def prepared(spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the tool wants them: whole floats as ints, ticks as booleans, and a
    blank optional value as the field's default (a blank program is "COR" for the score).

    Example:
        >>> from assistant.tools.registry import SPECS
        >>> prepared(SPECS["score_audit"], {"jurisdiction": "AB", "element_scores": {},
        ...                                 "program": ""})["program"]
        'COR'
    """
    fields = spec.args.model_fields
    out = {}
    for name, value in args.items():
        value = _whole(value)
        info = fields.get(name)
        if info is not None and info.annotation is bool:
            value = bool(value)
        elif info is not None and not info.is_required() and value in (None, ""):
            value = info.default
        out[name] = value
    return out


def call_tool(name: str, **args: Any) -> dict[str, Any]:
    """Call a tool and return its result as JSON-able data; bad input becomes a `gr.Error`."""
    spec = PUBLIC[name]
    try:
        result = run_tool(name, prepared(spec, args))
    except CorguideError as exc:
        raise user_error(exc) from None
    return result.model_dump(mode="json")


def tool_endpoint(spec: ToolSpec) -> Callable[..., dict[str, Any]]:
    """The API function of a tool: one parameter per field of its arguments model."""
    fields = spec.args.model_fields

    def endpoint(*values: Any) -> dict[str, Any]:
        return call_tool(spec.name, **dict(zip(fields, values, strict=False)))

    params = [
        inspect.Parameter(
            name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=inspect.Parameter.empty if info.is_required() else info.default,
            annotation=info.annotation,
        )
        for name, info in fields.items()
    ]
    endpoint.__signature__ = inspect.Signature(params, return_annotation=dict)  # type: ignore[attr-defined]
    endpoint.__annotations__ = {p.name: p.annotation for p in params} | {"return": dict}
    endpoint.__name__ = f"{spec.name}_api"
    endpoint.__doc__ = spec.title
    return endpoint


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


def _jurisdiction_or_none(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    return parse_jurisdiction(value)


def register(desk: VoteDesk, get_assistant: Callable[[], Any]) -> None:
    """Add ``/chat``, ``/vote`` and one endpoint per registry tool to the open Blocks."""

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
            raise user_error(exc) from None
        return render.answer_payload(answer) | {"answer_id": desk.issue(vote_copy(answer))}

    def vote_api(answer_id: str, vote: str, request: gr.Request) -> dict:
        """Record a thumbs up or down ('up' or 'down') on an answer this server gave, named by
        the ``answer_id`` that came with it; returns the stored record (the server's copy)."""
        try:
            record = desk.vote(answer_id, vote, client=client_address(request))
        except CorguideError as exc:
            raise user_error(exc) from None
        return record.model_dump(mode="json")

    gr.api(chat_api, api_name="chat", concurrency_id=ANSWER_GROUP)
    gr.api(vote_api, api_name="vote")
    for spec in PUBLIC.values():
        gr.api(tool_endpoint(spec), api_name=spec.name)
