"""Hybrid retrieval: Chroma vector search plus BM25 (and a heading match), fused by reciprocal rank.

The vector search runs twice: over the chunks' own text and over the owner-style questions each
chunk answers (doc2query, LangChain's MultiVectorRetriever pattern). A question hit counts for
its parent chunk, as one more ranked list in the fusion; the chunk is what is returned and cited.

Results are filtered to the user's jurisdiction plus national and general documents, near
duplicates are removed, and a relevance floor (calibrated on the eval set, see
`evals/README.md`) decides when the corpus does not cover a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict
from rank_bm25 import BM25Okapi

from assistant.corpus import Chunk
from assistant.index import ChromaIndex

SHARED_SCOPES = ("national", "general")
RRF_K = 60  # the constant from Cormack et al.; large enough that one list cannot dominate
CANDIDATES = 24
# Question records fetched per search: a chunk has 3 to 6 questions, so this many records still
# name about CANDIDATES distinct chunks.
QUESTION_CANDIDATES = 3 * CANDIDATES
# Votes of the question-vector list in the fusion, relative to each other list's one vote.
# Calibrated on gold and phrasing with every section's questions (fact recall gold/phrasing):
# no question list 0.946/0.806, weight 1.0 0.959/0.885, weight 2.0 0.966/0.873.
QUESTION_WEIGHT = 1.0
OWN_JURISDICTION_PRIOR = 0.5 / (RRF_K + 1)
DUPLICATE_JACCARD = 0.8
# Below this cosine similarity the best passage is not about the question at all.
MIN_SIMILARITY = 0.30
# A place name pulls similarity up even for questions the corpus cannot answer ("noise limits
# in Alberta" scores 0.5), so coverage is also checked by words: the share (weighted by rarity)
# of the question's own content words found in the top passages. Calibrated on the eval set:
# answerable questions score 0.58 and up; six of ten "not covered" ones score under 0.25.
MIN_COVERAGE = 0.5
# ...but a passage this close in meaning is about the question whatever words it uses.
SURE_SIMILARITY = 0.6
COVERAGE_PASSAGES = 3
_GENERIC = (
    "cor secor certificate recognition safety program employer business company need required "
    "require get my our workers crew province territory rules rule much many often here there "
    "involve involves involved mean means happen happens work works apply applies take takes "
    "look like kind type way ways thing things tell know explain"
)

_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "us",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def stem(word: str) -> str:
    """A light suffix stripper, so "passes", "passed" and "pass" meet.

    Example:
        >>> [stem(w) for w in ["passes", "audits", "training", "employees", "bus"]]
        ['pass', 'audit', 'train', 'employee', 'bus']
    """
    if len(word) <= 4 or word[0].isdigit():
        return word
    if word.endswith("ing") or word.endswith("ed"):
        return word[: -3 if word.endswith("ing") else -2]
    if re.search(r"(?:ss|x|z|ch|sh)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case, lightly stemmed word tokens without stopwords (BM25 and the composer).

    Example:
        >>> tokenize("What are the SECOR limits in Alberta?")
        ['secor', 'limit', 'alberta']
    """
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


GENERIC_WORDS = frozenset(tokenize(_GENERIC))


def place_words(question: str) -> set[str]:
    """The tokens of the places a question names: "kelowna", "corner brook", "saskatchewen".

    A place locates the passage (search filters on it); it is not what the question asks.
    """
    from assistant.dialogue.places import find_places

    return {token for place in find_places(question) for token in tokenize(place.matched)}


@dataclass
class Scored:
    chunk: Chunk
    score: float  # fused rank score
    # The best cosine similarity of the chunk's own vector and its questions' vectors (0 when
    # only BM25 or the heading match found it).
    similarity: float
    # The chunk's sentence vectors (one row per span of `sentences_of`), from ingest; None when
    # the index has none for it. The composer scores sentences by meaning with them.
    sentence_vectors: Any = None
    # The query vector the search used, so the composer need not embed the question again.
    query_vector: list[float] | None = None


def scopes_for(jurisdiction: str | None) -> list[str] | None:
    """The jurisdictions a search may return: the user's own plus the shared documents."""
    return [jurisdiction, *SHARED_SCOPES] if jurisdiction else None


class HybridSearch:
    """Loads every chunk once for BM25, and the sentence vectors once for the composer; vector
    search goes to Chroma on each query."""

    def __init__(self, index: ChromaIndex) -> None:
        from assistant.sentence_vectors import load_store, store_path

        self.index = index
        self.chunks = index.all_chunks()
        self._by_id = {c.id: c for c in self.chunks}
        store = load_store(store_path(index.settings))
        self.sentence_vectors: dict[str, Any] = {}
        for chunk in self.chunks:
            vectors = store.for_chunk(chunk)
            if vectors is not None:
                self.sentence_vectors[chunk.id] = vectors
        self._tokens = [tokenize(c.embedding_text()) for c in self.chunks]
        self._bm25 = BM25Okapi(self._tokens) if self.chunks else None
        self._headings = [set(tokenize(c.section)) for c in self.chunks]
        from assistant.understand import find_jurisdictions

        # A topic document's section about one province ("What elements does a Manitoba COR
        # audit have?") is that province's passage as much as the province document's are.
        self._about = {
            c.id: c.jurisdiction if c.jurisdiction not in SHARED_SCOPES else None
            for c in self.chunks
        }
        for c in self.chunks:
            named = find_jurisdictions(c.section)
            if self._about[c.id] is None and len(named) == 1:
                self._about[c.id] = next(iter(named))

    def _bm25_ranked(self, query: str, allowed: list[str] | None) -> list[int]:
        if not self._bm25:
            return []
        scores = self._bm25.get_scores(tokenize(query))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [
            i
            for i in order
            if scores[i] > 0 and (allowed is None or self.chunks[i].jurisdiction in allowed)
        ][:CANDIDATES]

    def _heading_ranked(self, query: str, allowed: list[str] | None) -> list[int]:
        """Chunks whose heading asks the same question: every section heading in the corpus is
        phrased as the question it answers, so a close match there is strong evidence that a
        long passage's body would otherwise dilute."""
        wanted = set(tokenize(query))
        if not wanted:
            return []
        scored = []
        for i, heading in enumerate(self._headings):
            if allowed is not None and self.chunks[i].jurisdiction not in allowed:
                continue
            overlap = len(wanted & heading)
            if overlap:
                scored.append((overlap / len(wanted | heading), i))
        scored.sort(key=lambda pair: -pair[0])
        return [i for _, i in scored[:CANDIDATES]]

    def search(
        self,
        query: str,
        *,
        jurisdiction: str | None = None,
        k: int = 5,
        vector: list[float] | None = None,
    ) -> list[Scored]:
        """The top ``k`` passages for a question, best first.

        Args:
            query: the standalone question.
            jurisdiction: a code such as "AB"; None searches every document.
            k: how many passages to return.
            vector: the query's embedding when the caller already has it.
        """
        allowed = scopes_for(jurisdiction)
        vector = vector or self.index.embedder.embed_query(query)
        fused: dict[str, float] = {}
        similarity: dict[str, float] = {}
        by_id: dict[str, Chunk] = {}
        for rank, hit in enumerate(self.index.query(vector, CANDIDATES, allowed)):
            fused[hit.chunk.id] = fused.get(hit.chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            similarity[hit.chunk.id] = hit.score
            by_id[hit.chunk.id] = hit.chunk
        question_hits = self.index.query_questions(vector, QUESTION_CANDIDATES, allowed)
        for rank, (cid, score) in enumerate(question_hits[:CANDIDATES]):
            chunk = by_id.get(cid) or self._by_id.get(cid)
            if chunk is None:  # added by an ingest after this search was loaded
                continue
            fused[cid] = fused.get(cid, 0.0) + QUESTION_WEIGHT / (RRF_K + rank + 1)
            similarity[cid] = max(score, similarity.get(cid, 0.0))
            by_id[cid] = chunk
        for ranking in (self._bm25_ranked(query, allowed), self._heading_ranked(query, allowed)):
            for rank, i in enumerate(ranking):
                chunk = self.chunks[i]
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
                by_id.setdefault(chunk.id, chunk)
        if jurisdiction:
            # A user's own jurisdiction's documents answer "in my province" better than a topic
            # document's survey of all of them: half a first-place vote as a prior.
            for cid, chunk in by_id.items():
                if self._about.get(cid, chunk.jurisdiction) == jurisdiction:
                    fused[cid] += OWN_JURISDICTION_PRIOR
        ranked = sorted(fused, key=lambda cid: -fused[cid])
        results: list[Scored] = []
        kept_tokens: list[set[str]] = []
        for cid in ranked:
            tokens = set(tokenize(by_id[cid].text))
            if any(_jaccard(tokens, seen) >= DUPLICATE_JACCARD for seen in kept_tokens):
                continue  # near-duplicate of a better passage (the NT and NU documents, say)
            kept_tokens.append(tokens)
            results.append(
                Scored(
                    by_id[cid],
                    fused[cid],
                    similarity.get(cid, 0.0),
                    self.sentence_vectors.get(cid),
                    list(vector),
                )
            )
            if len(results) == k:
                break
        return results


def lexical_coverage(
    question: str, passages: list[Scored], idf: dict[str, float], ignore: frozenset[str]
) -> float:
    """Share of the question's content words (rarity-weighted) that the top passages contain.

    Words the corpus never uses weigh as much as its rarest word: "asbestos" or "forklift" in
    a question is a strong sign the guidance is about something else.
    """
    # A town the owner names ("corner brook") is not a topic the guidance must cover.
    content = set(tokenize(question)) - ignore - GENERIC_WORDS - place_words(question)
    if not content:
        return 1.0
    seen: set[str] = set()
    for passage in passages[:COVERAGE_PASSAGES]:
        seen |= set(tokenize(passage.chunk.embedding_text()))
    rarest = max(idf.values(), default=1.0)
    weight = {t: idf.get(t, rarest) for t in content}
    return sum(w for t, w in weight.items() if t in seen) / sum(weight.values())


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class CorpusRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever, for use in any LangChain chain."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: HybridSearch
    jurisdiction: str | None = None
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=s.chunk.text,
                metadata={**s.chunk.metadata(), "id": s.chunk.id, "similarity": s.similarity},
            )
            for s in self.search.search(query, jurisdiction=self.jurisdiction, k=self.k)
        ]
