"""The guard every answer passes, from the composer or from a language model.

Two checks, after `instructor`'s habit of verifying citations against their source:
- each citation's quote must be an exact span of the passage it points to (others are dropped);
- every number in the answer must appear in a cited passage or in a tool call's arguments or
  result. Numbers inside web addresses and citation markers are not claims, so they are skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from assistant.answering.answer import Citation, ToolCall

_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:ca|com|org|net)\S*")
_MARKER = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?")


def normalize_number(token: str) -> str:
    """One spelling per number: no dollar sign, no thousands commas, no trailing zeros.

    Example:
        >>> normalize_number("$3,000.00"), normalize_number("15"), normalize_number("2.50")
        ('3000', '15', '2.5')
    """
    token = token.lstrip("$").replace(",", "").rstrip(".")
    if "." in token:
        token = token.rstrip("0").rstrip(".")
    return token or "0"


def numbers_in(text: str) -> set[str]:
    """The numbers a text states, normalized (web addresses and [n] markers left out)."""
    text = _MARKER.sub(" ", _URL.sub(" ", text))
    return {normalize_number(m.group(0)) for m in _NUMBER.finditer(text)}


def _tool_numbers(tool_calls: list[ToolCall]) -> set[str]:
    found: set[str] = set()
    for call in tool_calls:
        blob = json.dumps({"args": call.args, "result": call.result}, ensure_ascii=False)
        found |= numbers_in(blob)
        # JSON writes 3000.0 as 3000.0 and percents as 0.1: add the plain spellings too.
        for value in re.findall(r"-?\d+(?:\.\d+)?", blob):
            number = float(value)
            found.add(normalize_number(f"{number:.2f}"))
            if 0 < number < 1:
                found.add(normalize_number(f"{number * 100:.2f}"))
    return found


@dataclass
class GuardReport:
    citations: list[Citation]
    dropped_citations: list[Citation] = field(default_factory=list)
    ungrounded_numbers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.dropped_citations and not self.ungrounded_numbers


def check(
    answer_text: str,
    citations: list[Citation],
    tool_calls: list[ToolCall],
    echoed: str = "",
) -> GuardReport:
    """Verify quotes and numbers.

    Example:
        >>> c = Citation(n=1, source="d", section="s", quote="80% overall", url="u",
        ...              passage="Pass with 80% overall and 50% per element.")
        >>> check("You need 80% overall [1].", [c], []).ok
        True
        >>> check("You need 90% overall [1].", [c], []).ungrounded_numbers
        ['90']
    """
    kept = [c for c in citations if c.quote and c.quote in c.passage]
    dropped = [c for c in citations if c not in kept]
    grounded = _tool_numbers(tool_calls) | numbers_in(echoed)  # the user's own numbers, echoed
    for citation in kept:
        grounded |= numbers_in(citation.passage)
    ungrounded = sorted(numbers_in(answer_text) - grounded, key=lambda n: (len(n), n))
    return GuardReport(kept, dropped, ungrounded)
