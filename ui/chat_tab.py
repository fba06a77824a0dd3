"""The Ask tab: the cited chat, its sources column and the thumbs up or down.

Built inside the page's ``gr.Tabs`` by ``ui.app``. The chat reads and writes the side panel
(``ui.panel``): each answer's state shows there, and a change there reaches the next answer.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from assistant.answering.answer import Answer, ConversationState
from assistant.answering.feedback import VoteDesk
from assistant.dialogue.understand import understood_line
from assistant.errors import CorguideError, InputError
from assistant.knowledge.jurisdictions import NAMES
from ui import render
from ui.api import ANSWER_GROUP, client_address, vote_copy
from ui.panel import Panel, merge_panel, panel_values

log = logging.getLogger("corguide.ui")

EXAMPLES = [
    "I have 8 workers in Alberta. Which program fits me and what does the audit involve?",
    "What is the difference between COR and SECOR?",
    "We're a roofing crew of 12 in BC and we use subcontractors. Can we get SECOR?",
    "What pass mark do I need on a COR audit in Ontario?",
    "How much WCB rebate can a Manitoba company with a $4,000 premium get?",
]
APOLOGY = "something went wrong while answering; please try again"


class ChatTab:
    """The Ask tab's components and handlers (Gradio calls the bound methods)."""

    def __init__(
        self,
        panel: Panel,
        conv_state: Any,
        answer_log: Any,
        desk: VoteDesk,
        get_assistant: Callable[[], Any],
    ) -> None:
        self.panel = panel
        self.conv_state = conv_state
        self.answer_log = answer_log
        self.desk = desk
        self.get_assistant = get_assistant
        self._layout()
        self._wire()

    def _layout(self) -> None:
        with gr.Column(scale=3, min_width=360):
            self.chatbot = gr.Chatbot(
                label="corguide",
                show_label=False,
                height=560,
                sanitize_html=True,
                render_markdown=True,
                allow_tags=False,
                feedback_options=("Like", "Dislike"),
                placeholder=(
                    "**Ask about COR or SECOR.** Tell me your province and how many workers "
                    "you have, and I'll say which program fits, with the sources."
                ),
                buttons=["copy"],
                elem_id="cg-chat",
            )
            with gr.Row():
                self.box = gr.Textbox(
                    placeholder="Ask a question about COR or SECOR…",
                    show_label=False,
                    lines=1,
                    max_lines=6,
                    scale=5,
                    autofocus=True,
                    submit_btn=False,
                    elem_id="cg-question",
                )
                self.send = gr.Button(
                    "Send", variant="primary", scale=1, min_width=80, elem_id="cg-send"
                )
            gr.Examples(examples=EXAMPLES, inputs=[self.box], label="Try asking")
        with gr.Column(scale=2, min_width=300, elem_id="cg-right"):
            self.eligibility = gr.HTML("", elem_id="cg-eligibility")
            self.sources = gr.HTML(render.EMPTY_SOURCES, elem_id="cg-sources")

    def _wire(self) -> None:
        fields = self.panel.fields
        inputs = [self.box, self.chatbot, self.conv_state, self.answer_log, *fields]
        outputs = [
            self.chatbot,
            self.box,
            self.sources,
            self.eligibility,
            self.conv_state,
            self.answer_log,
            self.panel.understood,
            *fields,
        ]
        # Each component's own pre- and postprocessing, run in the answer's worker thread:
        # Gradio runs each in a thread of its own, 20 hand-offs per answer (issue 17).
        respond = inline_processing(self.respond, inputs)
        for trigger in (self.box.submit, self.send.click):
            trigger(
                respond,
                inputs,
                outputs,
                preprocess=False,
                postprocess=False,
                api_visibility="undocumented",
                # The answer comes in one update: a small timer on the chat says it is coming
                # (drawn by the page from the queue's own messages, no extra update).
                show_progress="minimal",
                show_progress_on=[self.chatbot],
                concurrency_id=ANSWER_GROUP,  # one limit over every answering event
            )
        cleared = [
            self.chatbot,
            self.conv_state,
            self.answer_log,
            self.sources,
            self.eligibility,
            self.box,
        ]
        self.chatbot.clear(
            self.new_chat,
            None,
            cleared,
            api_name="clear_chat",
            api_visibility="undocumented",
            queue=False,
        )
        self.chatbot.like(self.on_like, [self.answer_log], None, api_visibility="undocumented")
        self.panel.new_chat.click(self.new_chat, None, cleared, api_name="new_chat", queue=False)
        # A change the user makes (not the one an answer makes) shows in the understood line.
        for field in fields:
            field.input(
                self.panel_edited,
                [self.chatbot, self.conv_state, *fields],
                self.panel.understood,
                api_visibility="undocumented",
                queue=False,
                # No timer over the line while it updates: it would flash on every keystroke.
                show_progress="hidden",
                trigger_mode="always_last",  # typing fast: the last keystroke's line wins
            )

    def _said(self, history: list[dict[str, Any]], message: str) -> dict[Any, Any]:
        history[-1] = {"role": "assistant", "content": render.error_markdown(message)}
        # The chat and the box only: the rest keeps the last answer's (a rare path).
        return {self.chatbot: history, self.box: ""}

    def respond(
        self,
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
        """The question and its answer, in one update once the answer is ready.

        The default composer answers in about 10 ms, already guarded, so streaming it piece by
        piece only repeated the work: each update re-sent the chat, and each output left out
        of an update costs Gradio a new component (issue 17). A generator still, with one
        step: the page's event and the handler's callers see the same shape as before.
        """
        history = list(history or [])
        text = message if isinstance(message, str) else ""
        history.append({"role": "user", "content": render.user_markdown(text)})
        history.append({"role": "assistant", "content": "…"})
        try:
            conversation = merge_panel(
                state, jurisdiction, workers, subcontractors, public_contracts, industry, premium
            )
            final = self.get_assistant().ask(text, conversation)
        except CorguideError as exc:
            yield self._said(history, str(exc))
            return
        except Exception:  # the user sees a short apology; the log keeps the traceback
            log.exception("answering failed")
            yield self._said(history, APOLOGY)
            return
        yield self._answered(history, dict(answers or {}), final)

    def _answered(
        self, history: list[dict[str, Any]], answers: dict[str, Any], final: Answer
    ) -> dict[Any, Any]:
        """A value for every output: Gradio rebuilds a component for each one left out."""
        history[-1] = {"role": "assistant", "content": render.chat_message(final)}
        # The session keeps only the id: the answer itself is in the desk's bounded log.
        answers[str(len(history) - 1)] = self.desk.issue(vote_copy(final))
        # The panel and the chat read the same state: the answer's (cleared by "start over").
        new_state = final.state
        return {
            self.chatbot: history,
            self.box: "",
            self.sources: render.sources_html(final.citations),
            # Empty when the answer has no decision; the page's CSS hides an empty card (a
            # gr.update(visible=...) would rebuild the component on every answer).
            self.eligibility: render.eligibility_card(render.eligibility_from_answer(final)),
            self.conv_state: new_state.model_dump(mode="json"),
            self.answer_log: answers,
            self.panel.understood: render.understood_html(new_state.understood, len(history) // 2),
            **dict(zip(self.panel.fields, panel_values(new_state), strict=True)),
        }

    def panel_edited(
        self,
        history: list[dict[str, Any]] | None,
        state: dict[str, Any] | None,
        *values: Any,
    ) -> str:
        """The understood line after the user changes a panel field (the next turn uses it)."""
        turn = len(history or []) // 2
        try:
            merged = merge_panel(state, *values)
        except InputError as exc:
            current = ConversationState.model_validate(state or {}).understood
            return render.understood_html(current, turn, problem=str(exc))
        return render.understood_html(understood_line(merged, None, NAMES), turn)

    def on_like(
        self, answers: dict[str, Any] | None, data: gr.LikeData, request: gr.Request
    ) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer_id = (answers or {}).get(str(index))
        if answer_id is None or data.liked is None or data.liked == "":
            return  # an error message or a retracted vote: nothing to learn from
        verdict = "up" if data.liked is True or str(data.liked).lower() == "like" else "down"
        try:
            self.desk.vote(answer_id, verdict, client=client_address(request))
        except InputError as exc:  # too many votes, or an answer too old to vote on
            gr.Warning(str(exc))
            return
        gr.Info("Thanks: your vote was saved.")

    def new_chat(self) -> tuple[Any, ...]:
        return ([], {}, {}, render.EMPTY_SOURCES, "", "")


def inline_processing(
    fn: Callable[..., Iterator[dict[Any, Any]]], inputs: list[Any]
) -> Callable[..., Iterator[dict[Any, Any]]]:
    """``fn`` for an event registered with ``preprocess=False, postprocess=False``: the same
    conversions Gradio makes (validate the payload, each component's ``preprocess``, then its
    ``postprocess`` and serialisation), in the calling thread.

    Gradio runs every input's preprocess and every output's postprocess in a worker thread of
    its own; for the chat's 10 inputs and 13 outputs those hand-offs under the interpreter lock
    cost the served chat more than any one step of the answer. State values pass untouched,
    as Gradio passes them.
    """

    def pre(block: Any, value: Any) -> Any:
        if block.stateful:
            return value
        model = getattr(block, "data_model", None)
        if model is not None and value is not None:
            value = model.model_validate(value, context={"validate_meta": True})
        return block.preprocess(value)

    def post(block: Any, value: Any) -> Any:
        if block.stateful:
            return value
        value = block.postprocess(value)
        return value.model_dump() if hasattr(value, "model_dump") else value

    @functools.wraps(fn)
    def run(*values: Any) -> Iterator[dict[Any, Any]]:
        ready = [pre(block, value) for block, value in zip(inputs, values, strict=True)]
        for update in fn(*ready):
            yield {block: post(block, value) for block, value in update.items()}

    return run
