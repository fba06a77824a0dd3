"""One readable passage rendered from the rules, and the builder that assembles them.

A passage is a question-headed paragraph: plain sentences stating the values with their
numbers, then a ``Sources:`` line made of every source of the values it states.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from assistant.knowledge.jurisdictions import NATIONAL
from assistant.knowledge.rules_schema import JurisdictionRules, Sourced, Topic, dedupe


class RulePassage(BaseModel):
    """One readable paragraph rendered from the rules, ingested into the search index."""

    doc_id: str
    title: str
    jurisdiction: str
    section: str
    text: str
    sources: list[str]
    last_verified: str
    programs: list[str]
    topics: list[Topic]


class PassageBuilder:
    """Collects one jurisdiction's passages; ``place`` is how the passages name it."""

    def __init__(self, rules: JurisdictionRules) -> None:
        self.rules = rules
        self.place = "Canada (national level)" if rules.code == NATIONAL else rules.name
        self.passages: list[RulePassage] = []

    def add(
        self,
        section: str,
        sentences: list[str],
        values: list[Sourced[Any]],
        topics: list[str],
        programs: list[str],
    ) -> None:
        """Add a passage: the non-empty sentences, then the values' sources, newest date."""
        sources = dedupe([s for v in values for s in v.all_sources()])
        verified = max(v.last_verified for v in values).isoformat()
        body = " ".join(s.strip() for s in sentences if s and s.strip())
        text = f"{body}\nSources: {', '.join(sources)}"
        code = self.rules.code.lower()
        self.passages.append(
            RulePassage(
                doc_id=f"rules-{code}",
                title=f"{self.place} rules (machine-readable)",
                jurisdiction=self.rules.code if self.rules.code != NATIONAL else NATIONAL,
                section=section,
                text=text,
                sources=sources,
                last_verified=verified,
                programs=programs,
                topics=topics,  # type: ignore[arg-type]
            )
        )
