"""Whether a sentence taken from a passage can stand on its own as a point or a lead.

An intro that only announces a list, a bare list item, or a sentence that leans on the one
before it ("It says ...", "That is true in many places ...") says nothing read alone; the
composer never leads with one, so the first sentence of an answer answers by itself.
"""

from __future__ import annotations

import re

from assistant.search.retrieve import tokenize


def is_fragment(text: str) -> bool:
    """An intro that only announces a list, or a bare list item, says nothing on its own.

    An intro that gives a figure ("IHSA's page currently lists 14 elements:", "Three training
    modules are required by the NSA:") states a fact: it is a sentence, shown with a full stop,
    and a list answer leads with it instead of with the list's first item.

    Example:
        >>> [is_fragment(t) for t in ("Known costs:", "Three training modules are required:",
        ...     "The NSA process has three stages:", "Yukon, from the Government's page:",
        ...     "The four core courses are:")]
        [True, False, False, True, True]
    """
    text = text.rstrip()
    if len(text.split()) < 4:
        return True
    return text.endswith(":") and (not _COUNTED.search(text) or bool(_UNFINISHED.search(text)))


# An intro whose verb still waits for the list ("The four core courses are:"): without the
# items it reads "... are.", even when it counts them.
_UNFINISHED = re.compile(r"\b(?:are|is|were|was|include|includes|including|namely)\s*:$", re.I)


# A figure in an intro: a count of things (in digits, or in words before what is counted),
# money or a percent, not a bare year or a date.
_COUNTED = re.compile(
    r"\$\s?\d|\d+(?:\.\d+)?\s*%|\b(?!(?:19|20)\d\d\b)\d+\s+[a-z]"
    r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen)"
    r"\s+(?:\w+\s+){0,2}?(?:elements|steps|stages|courses|modules|things|obligations|kinds|classes"
    r"|parts|sections|ways|requirements|conditions|options|measures|audits|routes|types)\b",
    re.I,
)


def is_name(text: str) -> bool:
    """A list item that only names something (a course, an element): every word of four
    letters or more capitalized, no colon, no figure ("Principles of Workplace Safety and
    Health Management"). Read alone, outside its list, it answers nothing; "Owners count in
    Alberta (AASP)" has a lower-case word of its own, and says something.

    Example:
        >>> is_name("Safety and Health Leadership."), is_name("Owners count in Alberta (AASP).")
        (True, False)
    """
    if ":" in text or re.search(r"\d", text):
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) >= 4]
    return bool(words) and all(w[0].isupper() for w in words)


# A sentence opening with a word that points back ("It says", "This is", "They cover", "So a
# crew", "But", "Because" answering its heading's "why"), which needs the previous sentence to
# mean anything (issue 13). "It depends",
# "It varies" and "It usually takes 6 to 12 months" stand alone: "it" names nothing there.
_LEANS_BACK = re.compile(
    r"(?:it|its|this|that|these|those|they|their|them|so|but|also|however|instead|such"
    r"|because)\b"
    r"(?!\s+(?:depends|varies|(?:usually |often |typically |generally |normally )?takes)\b)",
    re.I,
)


def leans_back(text: str) -> bool:
    """Whether the sentence opens with a word that refers to the sentence before it.

    Example:
        >>> leans_back("It says the audit takes two days."), leans_back("It depends on the size.")
        (True, False)
    """
    return bool(_LEANS_BACK.match(text.lstrip()))


def near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.6


def as_sentence(text: str) -> str:
    """Capitalized and closed with a full stop (the quote itself stays exact in the citation)."""
    text = text.rstrip(":;,")
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."


# "Yes.", "No.", "Often yes.", "Not directly.", "Sometimes.", "Unknown.": a section's opening
# answer to its yes/no heading (corpus/guidance, 2026-12-02: 15 sections open this way).
SHORT_ANSWER_WORDS = 3
_SHORT_ANSWER = re.compile(
    r"(?:yes|no|not|often|sometimes|usually|mostly|rarely|never|unknown|none)\b", re.I
)


def is_short_answer(text: str) -> bool:
    """A section's short opening yes or no, too short to lead alone but an answer.

    Example:
        >>> is_short_answer("Not automatically."), is_short_answer("Not if you hire 12 people.")
        (True, False)
    """
    return len(text.split()) <= SHORT_ANSWER_WORDS and bool(_SHORT_ANSWER.match(text))
