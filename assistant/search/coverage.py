"""Whether the top passages cover a question: by meaning, then by the question's own words.

A place name pulls similarity up even for questions the corpus cannot answer, so the "not
covered" decision also checks the question's content words against the passages it found.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.knowledge.yaml_strict import load_yaml
from assistant.search.retrieve import GENERIC_WORDS, Scored, place_words, tokenize

OWNER_WORDS = Path(__file__).parent / "data" / "owner_words.yaml"

# Below this cosine similarity the best passage is not about the question at all.
MIN_SIMILARITY = 0.30
# A place name pulls similarity up even for questions the corpus cannot answer ("noise limits
# in Alberta" scores 0.5), so coverage is also checked by words: the share (weighted by rarity)
# of the question's own content words found in one of the top passages. Calibrated on the
# eval set: answerable questions score 0.58 and up; six of ten "not covered" ones score under
# 0.25. Re-read 2026-12-03 with one passage's words instead of three pooled, on gold, phrasing
# and dev (wild the check; 475 answered questions): only 5 answered ones have a best passage
# under SURE_SIMILARITY, scoring 0.60 to 1.0 (wild's one 1.0); gold's injury-report question,
# which no passage answers, 0.48 (0.67 pooled); the other nine "not covered" 0.31 and under.
MIN_COVERAGE = 0.5
# ...but a passage this close in meaning is about the question whatever words it uses.
SURE_SIMILARITY = 0.6
# Every retrieved passage is read for the words (top_k): "How is the BC FTE number worked
# out?" has its FTE passages fourth and fifth; with three pooled it passed only because "phone
# number" and "out-of-province" sat in the first two. The figures above hold with all five.
COVERAGE_PASSAGES = 5


def lexical_coverage(
    question: str, passages: list[Scored], idf: dict[str, float], ignore: frozenset[str]
) -> float:
    """Share of the question's content words (rarity-weighted) that one of the top passages
    contains: the best of COVERAGE_PASSAGES, not their words pooled, since words scattered
    over three passages answer nothing ("report a worker injury to the WCB in Saskatchewan"
    found "days" and "report" in the audit-report section and "WCB" in the Saskatchewan ones).

    Words the corpus never uses weigh as much as its rarest word: "asbestos" or "forklift" in
    a question is a strong sign the guidance is about something else.
    """
    # A town the owner names ("corner brook") is not a topic the guidance must cover.
    content = set(tokenize(question)) - ignore - GENERIC_WORDS - place_words(question)
    if not content:
        return 1.0
    rarest = max(idf.values(), default=1.0)
    # An abbreviation of a word the corpus uses ("max" for maximum, "cert" for certificate,
    # "reqs" aside) is the owner's shorthand, not a sign of another topic: it weighs nothing.
    content = {t for t in content if t in idf or not _abbreviates(t, idf)}
    if not content:
        return 1.0
    weight = {t: idf.get(t, rarest) for t in content}
    total = sum(weight.values())
    best = 0.0
    for passage in passages[:COVERAGE_PASSAGES]:
        seen = set(tokenize(passage.chunk.embedding_text()))
        found = sum(w for t, w in weight.items() if t in seen or said_otherwise(t, seen))
        best = max(best, found / total)
    return best


@lru_cache(maxsize=1)
def owner_words() -> dict[str, tuple[tuple[str, ...], ...]]:
    """``{owner's word: the guidance's words for it}``, each as tokens, from owner_words.yaml.

    Example:
        >>> ("worksafebc",) in owner_words()["wcb"]
        True
    """
    data = load_yaml(OWNER_WORDS.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{OWNER_WORDS.name}: a mapping of word to list"
    table: dict[str, tuple[tuple[str, ...], ...]] = {}
    for word, others in data.items():
        (token,) = tokenize(str(word))  # one content word per entry
        table[token] = tuple(tuple(tokenize(str(other))) for other in others)
    return table


def said_otherwise(token: str, seen: set[str] | frozenset[str]) -> bool:
    """Whether the passages hold the guidance's own word for the owner's ``token``."""
    return any(all(t in seen for t in words) for words in owner_words().get(token, ()))


# The shortest shorthand read as an abbreviation: two letters ("co", "pe") prefix too much.
MIN_ABBREVIATION = 3


def _abbreviates(token: str, vocabulary: dict[str, float]) -> bool:
    """Whether a word unknown to the corpus starts a word it knows ("max": "maximum").

    Example:
        >>> _abbreviates("max", {"maximum": 3.1}), _abbreviates("asbestos", {"asbest": 1.0})
        (True, False)
    """
    if len(token) < MIN_ABBREVIATION or not token.isalpha():
        return False
    return any(word.startswith(token) for word in vocabulary)
