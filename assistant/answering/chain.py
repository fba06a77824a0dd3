"""The answer chain: understand -> tools and retrieval -> compose (or LLM) -> guard.

The stages can run as one LangChain runnable (`Assistant.chain`) to trace or swap one; `ask`
calls them directly, so a question needs no LangChain import. The default path needs no
language model and is deterministic. `Assistant.ask` returns the one `Answer` type that every
front end reads; `Assistant.stream` yields the same answer in pieces for the chat UI.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.answering.answer import Answer, Citation, ConversationState, ToolCall
from assistant.answering.compose import SLOT_WORDS, Composer
from assistant.answering.definitions import with_definition
from assistant.answering.guard import check
from assistant.answering.llm import llm_answer, load_chat_model
from assistant.dialogue.intents import PROVINCE_NEED, IntentClassifier
from assistant.dialogue.understand import Plan, plan_question, understood_line
from assistant.errors import (
    CorguideError,
    IndexIncompleteError,
    IndexMissingError,
    InputError,
    MissingInputError,
)
from assistant.index.embeddings import load_embedder
from assistant.index.store import ChromaIndex
from assistant.knowledge.jurisdictions import NAMES
from assistant.knowledge.rules import partners_for
from assistant.knowledge.rules_store import rules_problem_notice, served_rules, using_corpus
from assistant.search.coverage import (
    MIN_COVERAGE,
    MIN_SIMILARITY,
    SURE_SIMILARITY,
    lexical_coverage,
)
from assistant.search.retrieve import HybridSearch, Scored
from assistant.settings import Settings, get_settings
from assistant.tools.registry import describe_tool_call, run_tool, run_when_missing

REFUSAL = (
    "I can only help with workplace safety certification in Canada: the Certificate of "
    "Recognition (COR) and Small Employer COR (SECOR), who can use them, what a safety program "
    "must contain, audits, training, WCB incentives and the contracts that require them. "
    "Ask me about one of those."
)
ASK_JURISDICTION = (
    "Which province or territory is your business in? The rules differ by jurisdiction."
)
ASK_WORKERS = "How many workers do you have (counting owners, part-time and casual staff)?"
# Streamed pieces per answer. The answer is whole (and guarded) before the first one, so they
# are only for the eye, and each costs a re-render and a send (issue 17 found the queue and the
# old dozen re-renders per answer dominating the chat's time under 16 clients).
STREAM_UPDATES = 3
STREAM_MIN_WORDS = 24  # a short answer arrives in one piece
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A trademark sign after COR or SECOR, as partners' pages print it, or as it reads when such a
# page is copied as plain text ("What is CORTM Certification?"): the mark is not a word.
_TRADEMARK = re.compile(r"\b((?:SE)?COR)(?:\u00ae|\u2122|\((?:R|TM)\)|TM)(?![A-Za-z0-9])", re.I)


def clean_question(text: object, max_chars: int) -> str:
    """A question fit to answer: text, printable, not blank, not too long.

    Raises:
        InputError: empty or blank, or longer than ``max_chars``.

    Example:
        >>> clean_question("  Which program?\\x00 ", 100)
        'Which program?'
        >>> clean_question("What is CORTM Certification? Is SECOR\u00ae cheaper?", 100)
        'What is COR Certification? Is SECOR cheaper?'
    """
    if not isinstance(text, str):
        raise InputError("the question must be text")
    # Lone surrogates (undecodable bytes on the command line) become "?"; U+FFFD a space.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text.replace("\ufffd", " ")))
    # Invisible format characters (zero-width space, BOM, direction marks) are not content.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(_TRADEMARK.sub(r"\1", text).split())
    if not text:
        raise InputError("the question is empty: type a question about COR or SECOR")
    if len(text) > max_chars:
        raise InputError(
            f"the question is too long ({len(text):,} characters; the limit is {max_chars:,}): "
            "shorten it to the part you want answered"
        )
    return text


@dataclass
class Gathered:
    plan: Plan
    tool_calls: list[ToolCall] = field(default_factory=list)
    passages: list[Scored] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Assistant:
    """Answers questions over one index; load once, ask many times."""

    def __init__(self, settings: Settings, search: HybridSearch, llm: Any = None) -> None:
        self.settings = settings
        self.search = search
        # The rules of this assistant's corpus (its last good copy when a file is broken); the
        # tools read the same ones, because `ask` runs inside `using_corpus`.
        with using_corpus(settings.corpus_dir, settings.data_dir):
            self.rules = served_rules().rules
        bm25 = search._bm25
        self.composer = Composer(dict(bm25.idf) if bm25 else None)
        self.llm = llm
        # Derived caches (intent vectors, the gazetteer) live in one folder of the data dir.
        cache = settings.data_dir / "cache"
        self.intents = IntentClassifier.load(search.index.embedder, cache)
        self.province_need = IntentClassifier.load(search.index.embedder, cache, PROVINCE_NEED)
        self._runnable: Any = None

    @classmethod
    def load(cls, settings: Settings | None = None, *, llm: Any = None) -> Assistant:
        """Open the index and, when ``CORGUIDE_LLM`` (or ``llm``) names one, the chat model.

        Raises:
            IndexMissingError: no index yet (run ``corguide ingest``).
            IndexCorruptError: the index cannot be read.
            ModelError: the embedding or chat model cannot be loaded.
        """
        settings = settings or get_settings()
        index = ChromaIndex(
            settings, load_embedder(settings.embedding_model, settings.data_dir / "cache")
        )
        stored = index.count()
        if stored == 0:
            raise IndexMissingError(
                f"the index at {index.location} is empty: run `corguide ingest`"
            )
        if index.fingerprint() is None:
            # The fingerprint is written last: without it the first ingest never finished,
            # and an answer from part of the corpus would look complete.
            raise IndexIncompleteError(
                f"the index at {index.location} is incomplete ({stored} chunks stored; the "
                "ingest that built it stopped before the end): run `corguide ingest` to complete it"
            )
        if llm is None and settings.llm:
            llm = load_chat_model(settings.llm)
        return cls(settings, HybridSearch(index), llm)

    @property
    def chain(self) -> Any:
        """The three stages as a LangChain runnable, to trace them or swap one; built on first
        use, since importing LangChain's runnables and their tracers cost every question
        process about 40 MB (issue 17). `ask` runs the same stages without it."""
        if self._runnable is None:
            from langchain_core.runnables import RunnableLambda

            self._runnable = (
                RunnableLambda(self._plan, name="understand")
                | RunnableLambda(self._gather, name="tools_and_retrieval")
                | RunnableLambda(self._respond, name="compose_and_guard")
            )
        return self._runnable

    # -- public API -------------------------------------------------------------------------

    def ask(self, question: str, state: ConversationState | None = None) -> Answer:
        """Answer one question, given the conversation state so far.

        Raises:
            InputError: the question is empty or too long.
        """
        started = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        with using_corpus(self.settings.corpus_dir, self.settings.data_dir):
            inputs = {"question": text, "state": state or ConversationState()}
            answer: Answer = self._respond(self._gather(self._plan(inputs)))
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return answer

    def converse(
        self, messages: Iterator[str] | list[str], state: ConversationState | None = None
    ) -> Iterator[Answer]:
        """Answer a conversation turn by turn, carrying the state as the chat does.

        The CLI's ``ask --conversation`` and the conversation split of the evals both read
        this, so what the evals measure is what a user's own script gets.

        Raises:
            InputError: a turn is empty or too long (earlier answers were already yielded).
        """
        state = state or ConversationState()
        for message in messages:
            answer = self.ask(message, state)
            state = answer.state
            yield answer

    def stream(
        self, question: str, state: ConversationState | None = None
    ) -> Iterator[str | Answer]:
        """Yield the answer text in growing pieces, then the final `Answer`.

        The guard runs before anything is shown, so streamed text is always checked text.
        """
        answer = self.ask(question, state)
        words = re.split(r"(\s+)", answer.answer)
        step = max(STREAM_MIN_WORDS, len(words) // STREAM_UPDATES + 1)
        for end in range(step, len(words) + step, step):
            yield "".join(words[:end])
        yield answer

    # -- chain stages -----------------------------------------------------------------------

    def _plan(self, inputs: dict) -> Plan:
        question = inputs["question"]
        # One embedding per turn: the intent, the scope check and the search all read it.
        vector = self.search.index.embedder.embed_query(question)
        intent = self.intents.classify(vector)
        hits = self.search.index.query(vector, 1, None)
        corpus_similarity = hits[0].score if hits else 0.0
        plan = plan_question(
            question,
            inputs["state"],
            NAMES,
            intent=intent,
            corpus_similarity=corpus_similarity,
            province_need=self.province_need.classify(vector),
        )
        if plan.focus == question:
            plan.vector = vector
        elif plan.focus.startswith(question):
            plan.typed_vector = vector
        return plan

    def _gather(self, plan: Plan) -> Gathered:
        gathered = Gathered(plan)
        if not plan.in_scope or plan.act in ("smalltalk", "reset", "ask"):
            return gathered
        for name, args in plan.tools:
            try:
                result = run_tool(name, args)
            except MissingInputError as exc:
                # "What rebate do I get?" with no premium: the rate the rules hold, then the
                # figure that would turn it into dollars; a tool with no such answer refuses.
                partial = run_when_missing(name, args)
                if partial is None:
                    gathered.notes.append(f"{name}: {exc}")
                    continue
                result = partial
                plan.retrieve = True  # the terms only: the guidance explains the rest
            except CorguideError as exc:
                gathered.notes.append(f"{name}: {exc}")
                continue
            gathered.tool_calls.append(
                ToolCall(name=name, args=args, result=result.model_dump(mode="json"))
            )
        if gathered.tool_calls:
            broken = rules_problem_notice(served_rules())
            if broken:  # the tools answered from the last good rules: say which file is broken
                plan.notes.append(broken[0].upper() + broken[1:])
        if plan.tools and not gathered.tool_calls:
            plan.retrieve = True  # every tool refused its input: answer from the guidance
        if plan.retrieve:
            # With no province yet, the national and topic documents answer first: one
            # province's passage is never presented as the answer ("What is COR?").
            where = (
                plan.search_in
                or plan.state.jurisdiction
                or ("national" if plan.general_first else None)
            )
            gathered.passages = self.search.search(
                plan.focus,
                jurisdiction=where,
                k=self.settings.top_k,
                vector=plan.vector,
                typed_vector=plan.typed_vector,
            )
            gathered.passages = with_definition(plan.focus, gathered.passages, self.search, where)
        return gathered

    def _respond(self, gathered: Gathered) -> Answer:
        plan = gathered.plan
        plan.state = plan.state.model_copy(
            update={"understood": understood_line(plan.state, None, NAMES) or None}
        )
        asked_for = plan.state.asked_for if plan.state.pending else None
        base = {
            "question": plan.question,
            "province": plan.state.jurisdiction,
            "state": plan.state,
            "route": plan.route,
            "standalone_question": plan.standalone,
            "retrieved": [p.chunk.id for p in gathered.passages],
            "notes": list(gathered.notes),
            "asked_for": asked_for,
        }
        if not plan.in_scope:
            return Answer(answer=REFUSAL, refused=True, **base)
        if plan.act in ("smalltalk", "reset", "ask"):
            return Answer(answer=plan.reply, asked_back=plan.act == "ask", **base)
        if plan.act == "context":
            return self._context_answer(gathered, base)
        covered = self._covered(gathered)
        if not covered and (plan.ask_for_jurisdiction or plan.ask_for_workers):
            # Nothing general answers it: the province or the head count is what is missing,
            # so ask for it ("can we do Small COR?" in Vancouver needs the count).
            base["route"] = "ask"
            ask = ASK_JURISDICTION if plan.ask_for_jurisdiction else ASK_WORKERS
            return Answer(answer=ask, asked_back=True, **base)
        if not covered:
            text = " ".join(
                [
                    *_tool_refusals(gathered),
                    "The guidance I have does not cover that question.",
                    self._partner_line(plan.state, ask=True),
                ]
            )
            base["route"] = "not_covered"
            return Answer(answer=text, not_covered=True, **base)
        text, citations = self._compose(plan, gathered)
        if not text:  # nothing in the passages relates to the words of the question
            text = (
                "The guidance I have does not cover that question. "
                f"{self._partner_line(plan.state, ask=True)}"
            )
            base["route"] = "not_covered"
            return Answer(answer=text, not_covered=True, **base)
        if self.llm is not None:
            text, citations = self._llm_or(text, citations, gathered, base["notes"])
        report = check(text, citations, gathered.tool_calls, echoed=plan.question)
        if not report.ok:  # the composer quotes exactly; this only trips on a bug, so be loud
            base["notes"].append(f"guard: {_guard_reason(report)}")
        if base["notes"] and self.llm is not None:
            # The details (with the rejected numbers) stay in `notes`; the user sees no number
            # that failed the guard, not even inside the note.
            text += (
                "\n\n_Note: the language model's answer did not pass the grounding check or "
                "failed, so the extractive answer from the cited passages is shown._"
            )
        text += "\n\n" + self._partner_line(plan.state)
        return Answer(
            answer=text,
            citations=report.citations,
            tool_calls=gathered.tool_calls,
            asked_back=plan.ask_for_jurisdiction or plan.ask_for_workers,
            **base,
        )

    # -- helpers ----------------------------------------------------------------------------

    def _context_answer(self, gathered: Gathered, base: dict[str, Any]) -> Answer:
        """A statement of facts: what was understood, the tools' decisions, what is missing."""
        plan = gathered.plan
        parts = [plan.reply, *plan.notes, *_tool_refusals(gathered)]
        parts += [describe_tool_call(call) for call in gathered.tool_calls]
        if plan.ask_for_jurisdiction:
            parts.append(ASK_JURISDICTION)
        elif plan.ask_for_workers:
            parts.append(ASK_WORKERS)
        elif gathered.tool_calls:
            parts.append(self._partner_line(plan.state))
        return Answer(
            answer="\n\n".join(parts),
            tool_calls=gathered.tool_calls,
            asked_back=bool(base["asked_for"]),
            **base,
        )

    def _covered(self, gathered: Gathered) -> bool:
        """A tool decided, or a passage is close enough in meaning and words to answer."""
        # The closest passage among those retrieved, not only the first: fusion may rank a
        # keyword match first while a passage below it is much closer in meaning.
        best = max((p.similarity for p in gathered.passages), default=0.0)
        return bool(gathered.tool_calls) or (
            best >= MIN_SIMILARITY
            and (
                best >= SURE_SIMILARITY
                or lexical_coverage(
                    gathered.plan.focus, gathered.passages, self.composer.idf, SLOT_WORDS
                )
                >= MIN_COVERAGE
            )
        )

    def _llm_or(
        self, text: str, citations: list[Citation], gathered: Gathered, notes: list[str]
    ) -> tuple[str, list[Citation]]:
        """The chat model's answer when it passes the guard, else the composer's (``text``)."""
        try:
            llm_text, llm_citations, llm_calls = llm_answer(
                self.llm, gathered.plan, gathered.passages, gathered.tool_calls
            )
        except Exception as exc:  # any provider failure falls back to the composer
            notes.append(
                f"the language model failed ({type(exc).__name__}); the extractive answer is shown"
            )
            return text, citations
        report = check(llm_text, llm_citations, llm_calls)
        # An answer must rest on something: a cited passage or a tool result. SmolLM2
        # was seen echoing the question with no citation, which has no number to catch.
        grounded = bool(report.citations) or bool(llm_calls)
        if report.ok and llm_text.strip() and grounded:
            gathered.tool_calls = llm_calls
            return llm_text, report.citations
        if report.ok:
            notes.append(
                "the language model's answer cited no passage or tool result, "
                "so the extractive answer is shown"
            )
        else:
            notes.append(
                "the language model's answer failed the grounding check "
                f"({_guard_reason(report)}), so the extractive answer is shown"
            )
        return text, citations

    def _compose(self, plan: Plan, gathered: Gathered) -> tuple[str, list[Citation]]:
        parts: list[str] = []
        # A tool that refused its input says why, first: "2025-02-30 is not a real date".
        parts.extend(_tool_refusals(gathered))
        parts.extend(plan.notes)  # how a slot was read: the owner counted, London as Ontario
        # Asked with no province, the general answer comes first and the question for the
        # province after it ("... The rules differ by jurisdiction."): an opening "It depends"
        # was a first sentence that answered nothing.
        for call in gathered.tool_calls:
            parts.append(describe_tool_call(call))
        citations: list[Citation] = []
        if gathered.passages:
            lead, points, citations = self.composer.compose(
                plan.focus, gathered.passages, jurisdiction=plan.state.jurisdiction
            )
            if lead:
                if gathered.tool_calls:
                    parts.append("From the guidance:")
                parts.append(lead + ("\n\n" + points if points else ""))
        if plan.ask_for_jurisdiction:
            parts.append(ASK_JURISDICTION)
        elif plan.ask_for_workers:
            parts.append(ASK_WORKERS)
        return "\n\n".join(p for p in parts if p), citations

    def _partner_line(self, state: ConversationState, *, ask: bool = False) -> str:
        partner = None
        if state.jurisdiction:
            found = partners_for(state.jurisdiction, state.industry)
            partner = found[0] if found else None
        if partner is not None:
            who = f"{partner.name} ({partner.url})"
        elif state.jurisdiction:
            who = "the certifying partner in the province or territory where you plan to work"
        else:
            who = "the certifying partner (safety association) in your province or territory"
        if ask:
            return f"Ask {who}: they can answer it for your business."
        return (
            f"Confirm with your certifying partner, {who}. "
            "This is general guidance, not legal advice."
        )


def _tool_refusals(gathered: Gathered) -> list[str]:
    """Why a tool could not run, in the user's words first ("2025-02-30 is not a real date")."""
    return [f"I could not use that: {note.split(': ', 1)[-1]}." for note in gathered.notes]


def _guard_reason(report: Any) -> str:
    reasons = []
    if report.dropped_citations:
        reasons.append(f"{len(report.dropped_citations)} quote(s) not found in their passage")
    if report.ungrounded_numbers:
        reasons.append(
            "numbers not in any cited passage or tool result: "
            + ", ".join(report.ungrounded_numbers)
        )
    return "; ".join(reasons)
