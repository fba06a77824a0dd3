"""The one `Answer` type every front end reads: CLI JSON, the Gradio UI and the evals."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Citation(BaseModel):
    """A numbered source: ``quote`` is an exact span of the passage ``passage``."""

    n: int
    source: str  # document id, e.g. "alberta" or "rules-ab"
    section: str
    quote: str
    url: str
    title: str = ""
    last_verified: str = ""
    chunk_id: str = ""
    # The source as the corpus names it, when the passage has no web address ("industry
    # article: Cor vs Se-Cor (consultancy explainer of 2023-08-13)"): shown in place of a link.
    reference: str = ""
    passage: str = ""

    def dates(self) -> str:
        """Both dates of the source, for people: its own date and the day the corpus checked it.

        ``last_verified`` is the day the corpus was checked against the source, not the date of
        the source page; the page's own date comes from ``corpus/sources.yaml``.

        Example:
            >>> Citation(n=1, source="ontario", section="COR", quote="q",
            ...          url="https://www.ihsa.ca/COR/COR-FAQ-s.aspx",
            ...          last_verified="2026-11-30").dates()
            'source date unknown; checked 2026-11-30'
        """
        from assistant.knowledge.sources import date_line, source_date

        if self.last_verified.strip():
            return date_line(self.url, self.last_verified)
        own = source_date(self.url)
        return f"source dated {own}" if own else "source date unknown"

    def contract(self) -> dict[str, str]:
        return {
            "source": self.source,
            "section": self.section,
            "quote": self.quote,
            "url": self.url,
        }


class ToolCall(BaseModel):
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


class ConversationState(BaseModel):
    """What the conversation has established so far (the UI's side panel shows the same).

    ``pending`` is the question the assistant could not answer yet because it asked for a slot
    (``asked_for``); a reply that fills that slot answers it (Rasa's form pattern).
    ``understood`` says in words what was understood and where from, for the user to correct.
    """

    jurisdiction: str | None = None
    province_from: str | None = None  # the town the province was read from, if any
    workers: int | None = None
    subcontractors: bool | None = None
    public_contracts: bool | None = None
    owner_operator: bool | None = None
    partners: bool | None = None  # a partner or co-owner (a spouse counts)
    industry: str | None = None
    premium: float | None = None
    payroll: float | None = None
    base_rate: float | None = None  # the WCB base rate per $100 of payroll (BC's formula)
    certified_on: str | None = None  # the date of the certificate, for the audit schedule
    work_in: str | None = None  # the province of a job outside the business's own
    last_question: str | None = None
    pending: str | None = None
    asked_for: str | None = None
    understood: str | None = None

    def slots(self) -> dict[str, Any]:
        """The business facts, keyed as `ask --conversation` prints them (``province``).

        Example:
            >>> ConversationState(jurisdiction="AB", workers=7).slots()["province"]
            'AB'
        """
        return {
            "province": self.jurisdiction,
            "workers": self.workers,
            "subcontractors": self.subcontractors,
            "public_contracts": self.public_contracts,
            "owner_operator": self.owner_operator,
            "partners": self.partners,
            "industry": self.industry,
            "premium": self.premium,
            "payroll": self.payroll,
            "base_rate": self.base_rate,
            "certified_on": self.certified_on,
        }


class Answer(BaseModel):
    question: str
    province: str | None = None
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    refused: bool = False
    not_covered: bool = False
    asked_back: bool = False
    asked_for: str | None = None  # the slot the answer asks the user for, if any
    route: str = "retrieval"
    notes: list[str] = Field(default_factory=list)
    retrieved: list[str] = Field(default_factory=list)  # chunk ids, best first (for the evals)
    state: ConversationState = Field(default_factory=ConversationState)
    standalone_question: str = ""
    latency_ms: float = 0.0

    def contract(self) -> dict[str, Any]:
        """The JSON object `corguide ask --json` prints (the design notes' contract)."""
        return {
            "question": self.question,
            "province": self.province,
            "answer": self.answer,
            "citations": [c.contract() for c in self.citations],
            "tool_calls": [t.model_dump(mode="json") for t in self.tool_calls],
            "refused": self.refused,
        }

    def turn_contract(self) -> dict[str, Any]:
        """One turn of `corguide ask --json --conversation`: the contract plus the dialogue."""
        return {
            **self.contract(),
            "state": {**self.state.slots(), "understood": self.state.understood},
            "route": self.route,
            "not_covered": self.not_covered,
        }
