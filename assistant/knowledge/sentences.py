"""Citable spans of a passage: its sentences and its list items, each an exact substring.

Ingest embeds these spans once (the sentence vectors kept with the index) and the composer
picks among the same spans, so both must cut a passage the same way: they share this module.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

_SPAN = re.compile(
    r"(?m)^[ \t]*(?:[-*]|\d+[.)])[ \t]+(?P<item>[^\n]+)$"
    r"|(?P<sentence>[^\n]+?(?:[.!?](?=\s|$)|$))"
)


@dataclass(frozen=True)
class Span:
    text: str  # an exact substring of the passage
    is_item: bool  # a line of a bulleted or numbered list


def spans_of(text: str) -> list[Span]:
    """The passage's citable spans in order, each marked as a list item or a sentence.

    Example:
        >>> [(s.text, s.is_item) for s in spans_of("It has 2 steps:\\n- train\\n- audit")]
        [('It has 2 steps:', False), ('train', True), ('audit', True)]
    """
    return list(_spans(text))


# Cached: every answer cuts its passages again, and a chat reads the same few hundred.
@functools.lru_cache(maxsize=4096)
def _spans(text: str) -> tuple[Span, ...]:
    spans = []
    for match in _SPAN.finditer(text):
        item = match.group("item")
        span = (item or match.group("sentence") or "").strip()
        if len(span) >= 3 and re.search(r"[A-Za-z]", span):
            spans.append(Span(span, item is not None))
    return tuple(spans)


def sentences_of(text: str) -> list[str]:
    """Citable spans of a passage: its sentences and its list items, each an exact substring.

    Example:
        >>> sentences_of("SECOR is for small firms. It has 2 steps:\\n- train\\n- audit")
        ['SECOR is for small firms.', 'It has 2 steps:', 'train', 'audit']
    """
    return [span.text for span in spans_of(text)]


def spans_digest(spans: list[str]) -> str:
    """A short hash of a passage's spans: stored sentence vectors are reused only when it matches.

    Example:
        >>> spans_digest(["a.", "b."]) == spans_digest(["a.", "b."]) != spans_digest(["a.b."])
        True
    """
    return hashlib.sha256("\x1f".join(spans).encode("utf-8")).hexdigest()[:16]
