"""Hybrid retrieval: Chroma vector search plus BM25 (and a heading match), fused by reciprocal rank.

The vector search runs twice: over the chunks' own text and over the owner-style questions each
chunk answers (doc2query, LangChain's MultiVectorRetriever pattern). A question hit counts for
its parent chunk, as one more ranked list in the fusion; the chunk is what is returned and cited.

Results are filtered to the user's jurisdiction plus national and general documents and near
duplicates are removed; `coverage.py` decides when the corpus does not cover a question.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from assistant.errors import IndexCorruptError, IndexMissingError
from assistant.index.store import FINGERPRINT_KEY, ChromaIndex
from assistant.index.vector_memory import load_memory
from assistant.knowledge.corpus import Chunk

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
# A question with the conversation's context added ("... (in Alberta)") leans to the province's
# overview passages, whose section questions all name it: the section questions are matched on
# the owner's own words, and the question with context keeps this share of a vote. Calibrated
# 2026-12-03 (fact recall gold/phrasing/dev, conversation turns; wild the check): context only
# 0.993/0.970/0.688/0.995, wild 0.297; 0 0.993/0.958/0.731/0.995, wild 0.305; 0.5
# 0.993/0.964/0.731/0.995, wild 0.312; 1.0 0.993/0.958/0.742/0.995, wild 0.305.
CONTEXT_QUESTION_WEIGHT = 0.5
OWN_JURISDICTION_PRIOR = 0.5 / (RRF_K + 1)
# A question record this close in meaning (MiniLM cosine) asks the same question in other words
# ("How do we register for COR?" and a section's "how do we sign up for cor"): the fusion of
# four lists would otherwise bury that one hit under passages the other lists agree on, so it
# gets SAME_QUESTION_VOTES more first-place votes. Calibrated on gold, phrasing, conversation
# and dev (issue 13, 2026-12-02; fact recall gold/phrasing/dev, phrasing MRR) with the owner
# questions of tests/test_owner_questions.py: 1 vote 0.993/0.964/0.132, MRR 0.923, one of the
# four no-province leads fixed; 1.5 the same figures (MRR 0.917), two fixed; 2 0.993/0.958/
# 0.132, MRR 0.917, all four fixed, one phrasing item lost ("is my cor good in other
# provinces" keeps its lead but loses a detail point). Wild did not move (0.195) at any.
# Below SAME_QUESTION the votes ramp down to none at SAME_QUESTION_FROM: a step at 0.9 gave a
# 0.89 match ("What happens if a company fails a COR audit?" and "What happens if we fail our
# COR audit?") nothing. Calibrated 2026-12-03 (gold/phrasing/dev fact recall; wild the check):
# step 0.993/0.964/0.731, wild 0.312; from 0.8 0.993/0.970/0.688; 0.75 0.993/0.988/0.688; 0.7
# 0.993/0.994/0.731; 0.65 0.993/0.988/0.753, wild 0.320; 0.6 0.993/0.982/0.742; 0.5 0.980/
# 0.970/0.742. 0.65 is the middle of the band 0.6 to 0.7 (phrasing and dev items passing 291
# to 293). With the ramp, 1 vote 0.993/0.976/0.742 and 3 votes 0.993/0.994/0.720.
SAME_QUESTION = 0.9
SAME_QUESTION_FROM = 0.65
SAME_QUESTION_VOTES = 2.0
DUPLICATE_JACCARD = 0.8
# How often a search asks the index whether an ingest changed it: one metadata read (about a
# millisecond) every 2 s costs nothing under load and a chat sees a new corpus within 2 s.
FINGERPRINT_CHECK_SECONDS = 2.0
_GENERIC = (
    "cor secor certificate recognition safety program employer business company need required "
    "require get my our workers crew province territory rules rule much many often here there "
    "involve involves involved mean means happen happens work works apply applies take takes "
    "look like kind type way ways thing things tell know explain out"
)

_WORD = re.compile(r"[^\W_]+(?:[.'][^\W_]+)*")  # Unicode letters: "adhérer" stays whole
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


@functools.lru_cache(maxsize=65536)
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
        >>> tokenize("Pourquoi adhérer à une mutuelle de prévention ?")[:2]
        ['pourquoi', 'adhérer']
        >>> tokenize("what's IHSA's fee"), tokenize("WorkSafeBC’s rebate")
        (['ihsa', 'fee'], ['worksafebc', 'rebate'])
    """
    return list(_tokens(text))


# Every answer tokenizes the same passages' sentences, headings and texts again (about 50 texts
# and 550 stems per answer, a tenth of its time in issue 17's profile): both are cached. The
# bounds keep a long-running chat's memory flat whatever its users type.
@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    # "IHSA's" is IHSA and "what's" is "what": without this the stemmer made "ihsa'" and
    # "what'", which matched nothing ("what's the pass mark" found no section asking it).
    words = (_POSSESSIVE.sub("", w) for w in _WORD.findall(text.lower().replace("\u2019", "'")))
    stems = (stem(w) for w in words if w not in STOPWORDS)
    return tuple(t for t in stems if t not in STOPWORDS)  # "whats" is "what" once stemmed


_POSSESSIVE = re.compile(r"'s$")


GENERIC_WORDS = frozenset(tokenize(_GENERIC))


def place_words(question: str) -> set[str]:
    """The tokens of the places a question names: "kelowna", "corner brook", "saskatchewen".

    A place locates the passage (search filters on it); it is not what the question asks.
    """
    from assistant.dialogue.places import place_mentions

    return {token for place in place_mentions(question) for token in tokenize(place.matched)}


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


def same_question_votes(similarity: float) -> float:
    """Extra first-place votes for a section question this close to the owner's question.

    Example:
        >>> [same_question_votes(s) for s in (0.95, 0.9, 0.775, 0.65, 0.5)]
        [2.0, 2.0, 1.0, 0.0, 0.0]
    """
    share = (similarity - SAME_QUESTION_FROM) / (SAME_QUESTION - SAME_QUESTION_FROM)
    return SAME_QUESTION_VOTES * min(1.0, max(0.0, share))


def scopes_for(jurisdiction: str | None) -> list[str] | None:
    """The jurisdictions a search may return: the user's own plus the shared documents."""
    return [jurisdiction, *SHARED_SCOPES] if jurisdiction else None


class _Postings:
    """BM25Okapi's scores from each term's postings, equal to ``get_scores`` to the bit.

    ``rank_bm25`` reads every document's frequency dict once per query term (a Python loop of
    421 lookups per term); here each term's documents and frequencies are arrays built once,
    and the same float operations run on those documents alone (the others add exactly 0).
    """

    def __init__(self, bm25: BM25Okapi) -> None:
        self.bm25 = bm25
        doc_len = np.array(bm25.doc_len)
        self.norm = bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl)
        rows: dict[str, list[int]] = {}
        freqs: dict[str, list[int]] = {}
        for i, document in enumerate(bm25.doc_freqs):
            for word, freq in document.items():
                rows.setdefault(word, []).append(i)
                freqs.setdefault(word, []).append(freq)
        self.postings = {w: (np.array(rows[w], dtype=np.intp), np.array(freqs[w])) for w in rows}

    def scores(self, query: list[str]) -> np.ndarray:
        score = np.zeros(self.bm25.corpus_size)
        k1 = self.bm25.k1
        for term in query:
            found = self.postings.get(term)
            if found is None:
                continue
            rows, freq = found
            idf = self.bm25.idf.get(term) or 0
            score[rows] += idf * (freq * (k1 + 1) / (freq + self.norm[rows]))
        return score


@dataclass(frozen=True)
class _View:
    """What a search reads besides Chroma: the chunks, their keyword index and their vectors."""

    chunks: list[Chunk]
    by_id: dict[str, Chunk]
    sentence_vectors: dict[str, Any]
    bm25: _Postings | None
    headings: list[set[str]]
    about: dict[str, str | None]
    # Each chunk's word set, for the near-duplicate check (tokenized once, not per search).
    words: dict[str, frozenset[str]]


class HybridSearch:
    """Loads every chunk once for BM25, the sentence vectors once for the composer, and the
    chunk and question vectors once for the vector search (answered in memory, not by Chroma).

    An ingest by another process changes the index's fingerprint; a search notices (checking at
    most every `FINGERPRINT_CHECK_SECONDS`) and reloads the keyword view, so a running chat
    never keyword-matches the old corpus.
    """

    def __init__(self, index: ChromaIndex) -> None:
        self.index = index
        self._reload_lock = threading.Lock()
        self._checked_at = time.monotonic()
        self.fingerprint = self._stored_fingerprint()
        self._load(self.fingerprint)

    def _load(self, fingerprint: str | None) -> None:
        from assistant.dialogue.understand import find_jurisdictions
        from assistant.index.sentence_vectors import load_store, store_path

        chunks = self.index.all_chunks()
        store = load_store(store_path(self.index.settings))
        sentence_vectors: dict[str, Any] = {}
        for chunk in chunks:
            vectors = store.for_chunk(chunk)
            if vectors is not None:
                sentence_vectors[chunk.id] = vectors
        tokens = [tokenize(c.embedding_text()) for c in chunks]
        # A topic document's section about one province ("What elements does a Manitoba COR
        # audit have?") is that province's passage as much as the province document's are.
        about = {
            c.id: c.jurisdiction if c.jurisdiction not in SHARED_SCOPES else None for c in chunks
        }
        for c in chunks:
            named = find_jurisdictions(c.section)
            if about[c.id] is None and len(named) == 1:
                about[c.id] = next(iter(named))
        # The vectors go in memory with the view: the index answers queries from them.
        memory = load_memory(self.index, chunks, fingerprint)
        # One object swapped in whole: a search running meanwhile reads the old view, all of it.
        self.index.memory = memory
        self._view = _View(
            chunks,
            {c.id: c for c in chunks},
            sentence_vectors,
            _Postings(BM25Okapi(tokens)) if chunks else None,
            [set(tokenize(c.section)) for c in chunks],
            about,
            {c.id: frozenset(tokenize(c.text)) for c in chunks},
        )

    @property
    def chunks(self) -> list[Chunk]:
        return self._view.chunks

    @property
    def sentence_vectors(self) -> dict[str, Any]:
        return self._view.sentence_vectors

    def passage(self, chunk: Chunk, vector: list[float]) -> Scored:
        """A chunk found by other means than the search (a term's defining section), scored
        as a passage: its sentence vectors from ingest and the question's vector."""
        return Scored(chunk, 0.0, 0.0, self._view.sentence_vectors.get(chunk.id), list(vector))

    @property
    def _bm25(self) -> BM25Okapi | None:
        return self._view.bm25.bm25 if self._view.bm25 else None

    def _stored_fingerprint(self) -> str | None:
        """The fingerprint in the index now (a fresh read: the open collection's is cached).

        Read directly, not through ``index.open()``, which would finish a rebuild's swap: a
        check every 2 s must never race the ingest process that is doing that swap.
        """
        try:
            live = self.index.client.get_collection(
                name=self.index.settings.collection, embedding_function=self.index._ef
            )
            return (live.metadata or {}).get(FINGERPRINT_KEY)
        except Exception:  # noqa: BLE001 - mid-swap or unreadable: the next check sees the result
            return getattr(self, "fingerprint", None)

    def refresh(self, *, force: bool = False) -> bool:
        """Reload the keyword view when the index changed since it was loaded; True if it did."""
        now = time.monotonic()
        if not force and now - self._checked_at < FINGERPRINT_CHECK_SECONDS:
            return False
        with self._reload_lock:
            self._checked_at = now
            current = self._stored_fingerprint()
            if current == self.fingerprint and not force:
                return False
            try:
                self._load(current)
            except (IndexCorruptError, IndexMissingError):
                if force:
                    raise
                # The ingest that wrote the new fingerprint may still be flushing its vectors
                # (Chroma's embedded store then fails a read with "Error finding id"): keep
                # answering from the loaded view and try again at the next check.
                return False
            self.fingerprint = current
            return True

    @staticmethod
    def _bm25_ranked(view: _View, query: str, allowed: list[str] | None) -> list[Chunk]:
        if not view.bm25:
            return []
        scores = view.bm25.scores(tokenize(query))
        # A stable sort on the negated scores: the order Python's sorted() gave.
        order = np.argsort(-scores, kind="stable").tolist()
        return [
            view.chunks[i]
            for i in order
            if scores[i] > 0 and (allowed is None or view.chunks[i].jurisdiction in allowed)
        ][:CANDIDATES]

    @staticmethod
    def _heading_ranked(view: _View, query: str, allowed: list[str] | None) -> list[Chunk]:
        """Chunks whose heading asks the same question: every section heading in the corpus is
        phrased as the question it answers, so a close match there is strong evidence that a
        long passage's body would otherwise dilute."""
        wanted = set(tokenize(query))
        if not wanted:
            return []
        scored = []
        for i, heading in enumerate(view.headings):
            if allowed is not None and view.chunks[i].jurisdiction not in allowed:
                continue
            overlap = len(wanted & heading)
            if overlap:
                scored.append((overlap / len(wanted | heading), i))
        scored.sort(key=lambda pair: -pair[0])
        return [view.chunks[i] for _, i in scored[:CANDIDATES]]

    def search(
        self,
        query: str,
        *,
        jurisdiction: str | None = None,
        k: int = 5,
        vector: list[float] | None = None,
        typed_vector: list[float] | None = None,
    ) -> list[Scored]:
        """The top ``k`` passages for a question, best first.

        Args:
            query: the standalone question.
            jurisdiction: a code such as "AB"; None searches every document.
            k: how many passages to return.
            vector: the query's embedding when the caller already has it.
            typed_vector: the embedding of the message as typed, when ``query`` adds the
                conversation's context to it.
        """
        self.refresh()
        view = self._view
        allowed = scopes_for(jurisdiction)
        vector = vector or self.index.embedder.embed_query(query)
        fused: dict[str, float] = {}
        similarity: dict[str, float] = {}
        by_id: dict[str, Chunk] = {}
        for rank, hit in enumerate(self.index.query(vector, CANDIDATES, allowed)):
            fused[hit.chunk.id] = fused.get(hit.chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            similarity[hit.chunk.id] = hit.score
            by_id[hit.chunk.id] = hit.chunk
        question_lists = [(vector, QUESTION_WEIGHT)]
        if typed_vector is not None:
            question_lists = [(typed_vector, QUESTION_WEIGHT), (vector, CONTEXT_QUESTION_WEIGHT)]
        for question_vector, weight in question_lists:
            hits = self.index.query_questions(question_vector, QUESTION_CANDIDATES, allowed)
            for rank, (cid, score) in enumerate(hits[:CANDIDATES]):
                chunk = by_id.get(cid) or view.by_id.get(cid)
                if chunk is None:  # added by an ingest after this search was loaded
                    continue
                fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank + 1)
                fused[cid] += weight * same_question_votes(score) / (RRF_K + 1)
                similarity[cid] = max(score, similarity.get(cid, 0.0))
                by_id[cid] = chunk
        keyword = (
            self._bm25_ranked(view, query, allowed),
            self._heading_ranked(view, query, allowed),
        )
        for ranking in keyword:
            for rank, chunk in enumerate(ranking):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
                by_id.setdefault(chunk.id, chunk)
        if jurisdiction:
            # A user's own jurisdiction's documents answer "in my province" better than a topic
            # document's survey of all of them: half a first-place vote as a prior.
            for cid, chunk in by_id.items():
                if view.about.get(cid, chunk.jurisdiction) == jurisdiction:
                    fused[cid] += OWN_JURISDICTION_PRIOR
        ranked = sorted(fused, key=lambda cid: -fused[cid])
        results: list[Scored] = []
        kept_tokens: list[frozenset[str]] = []
        for cid in ranked:
            tokens = view.words.get(cid) or frozenset(tokenize(by_id[cid].text))
            if any(_jaccard(tokens, seen) >= DUPLICATE_JACCARD for seen in kept_tokens):
                continue  # near-duplicate of a better passage (the NT and NU documents, say)
            kept_tokens.append(tokens)
            results.append(
                Scored(
                    by_id[cid],
                    fused[cid],
                    similarity.get(cid, 0.0),
                    view.sentence_vectors.get(cid),
                    list(vector),
                )
            )
            if len(results) == k:
                break
        return results


def _jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
