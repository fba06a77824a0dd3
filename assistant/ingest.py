"""Build or refresh the index from the corpus, embedding only what changed.

Order matters for "a failed ingest leaves the previous index usable": the corpus is loaded and
validated, and every new or changed chunk is embedded, before the first write. Writes then add
and update before they delete, and the fingerprint is written last, so an ingest killed midway
leaves an index that still answers and that the next ingest completes (ids are stable, upserts
are idempotent, so nothing is duplicated).
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import asdict, dataclass

from assistant.corpus import Chunk, corpus_fingerprint, load_corpus
from assistant.embeddings import load_embedder
from assistant.errors import IndexCorruptError
from assistant.index import STAGING_INFIX, ChromaIndex, move_aside
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

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"indexed {self.chunks} chunks at {self.location} in {self.seconds:.1f} s: "
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged ({self.embedded} embedded)"
        )


def _embed(chunks: list[Chunk], index: ChromaIndex, progress: bool) -> list[list[float]]:
    vectors: list[list[float]] = []
    bar = None
    if progress and len(chunks) > BATCH:
        from tqdm import tqdm

        bar = tqdm(total=len(chunks), desc="embedding", unit="chunk", file=sys.stderr)
    for start in range(0, len(chunks), BATCH):
        batch = chunks[start : start + BATCH]
        vectors.extend(index.embedder.embed([c.embedding_text() for c in batch]))
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    return vectors


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
    embedder = load_embedder(settings.embedding_model)
    fingerprint = corpus_fingerprint(chunks, embedder.model_id)

    if rebuild and not settings.chroma_url:
        try:
            ChromaIndex(settings, embedder)
        except IndexCorruptError:
            moved = move_aside(settings.chroma_dir)
            print(f"moved the damaged index to {moved}", file=sys.stderr)
    index = ChromaIndex(settings, embedder)

    # A rebuild killed midway leaves its staging collection behind: a full copy, every time.
    index.remove_stale_staging()
    if rebuild:
        staging = f"{settings.collection}{STAGING_INFIX}{uuid.uuid4().hex[:8]}"
        index.use(index.open(create=True, name=staging))
        stored: dict[str, str] = {}
    else:
        index.use(index.open(create=True))
        stored = index.stored_hashes()

    current = {c.id: c for c in chunks}
    added = [c for c in chunks if c.id not in stored]
    updated = [c for c in chunks if c.id in stored and stored[c.id] != c.content_hash]
    removed = [i for i in stored if i not in current]
    to_write = added + updated
    vectors = _embed(to_write, index, progress)

    for start in range(0, len(to_write), BATCH):
        index.upsert(to_write[start : start + BATCH], vectors[start : start + BATCH])
    index.delete(removed)
    if rebuild or to_write or removed or index.fingerprint() != fingerprint:
        index.set_fingerprint(fingerprint)
    if rebuild:
        index.replace_collection(staging)

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
    from assistant.errors import IndexMissingError

    settings = settings or get_settings()
    chunks = load_corpus(settings.corpus_dir)
    embedder = load_embedder(settings.embedding_model)
    expected = corpus_fingerprint(chunks, embedder.model_id)
    index = ChromaIndex(settings, embedder)
    try:
        stored = index.fingerprint()
        count = index.count()
    except IndexMissingError:
        return IndexStatus(False, False, 0, expected, None, index.location)
    return IndexStatus(True, stored == expected, count, expected, stored, index.location)
