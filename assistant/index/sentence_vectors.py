"""Sentence vectors: every citable span of every chunk, embedded once at ingest.

The composer scores sentences by meaning; embedding them per question would cost a batch of
dozens of sentences on every answer, so ingest embeds them and keeps them beside the index in
one ``.npz`` file, keyed by chunk content hash. The file is rewritten whole and atomically
(write a temporary file, then rename), so a reader never sees half a file and an ingest killed
midway leaves the previous file in place.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.knowledge.corpus import Chunk
from assistant.knowledge.sentences import sentences_of, spans_digest
from assistant.settings import Settings

# float16 halves the file; cosine similarities change by less than 0.001 (checked on the corpus).
STORE_DTYPE = np.float16


def store_path(settings: Settings) -> Path:
    """Where the sentence vectors live: inside the embedded index folder, or in the data folder
    when the index is on a Chroma server."""
    folder = settings.data_dir if settings.chroma_url else settings.chroma_dir
    return folder / f"sentence-vectors-{settings.collection}.npz"


@dataclass
class SentenceStore:
    """Sentence vectors per chunk content hash, with the digest of the spans they were made of."""

    entries: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)
    fingerprint: str = ""

    def for_chunk(self, chunk: Chunk) -> np.ndarray | None:
        """The chunk's sentence vectors (one row per span of ``sentences_of``), or None when
        they are missing or were cut from a different text."""
        entry = self.entries.get(chunk.content_hash)
        if entry is None or entry[0] != spans_digest(sentences_of(chunk.text)):
            return None
        return entry[1]

    def by_digest(self) -> dict[str, np.ndarray]:
        return {digest: vectors for digest, vectors in self.entries.values()}

    @property
    def rows(self) -> int:
        return sum(len(v) for _, v in self.entries.values())


def load_store(path: Path) -> SentenceStore:
    """Read the store; a missing or unreadable file is an empty store (ingest refills it)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            hashes = [str(h) for h in data["hashes"]]
            digests = [str(d) for d in data["digests"]]
            counts = data["counts"].astype(int)
            vectors = data["vectors"]
            fingerprint = str(data["fingerprint"])
    except (OSError, KeyError, ValueError):
        return SentenceStore()
    entries: dict[str, tuple[str, np.ndarray]] = {}
    start = 0
    for content_hash, digest, count in zip(hashes, digests, counts, strict=True):
        entries[content_hash] = (digest, vectors[start : start + count])
        start += count
    return SentenceStore(entries, fingerprint)


def save_store(path: Path, store: SentenceStore) -> None:
    """Write the whole store atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = sorted(store.entries)
    matrices = [store.entries[k][1] for k in keys]
    dim = next((m.shape[1] for m in matrices if m.ndim == 2 and len(m)), 0)
    vectors = (
        np.concatenate([m.reshape(-1, dim) for m in matrices]).astype(STORE_DTYPE)
        if matrices and dim
        else np.zeros((0, 0), dtype=STORE_DTYPE)
    )
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                hashes=np.array(keys, dtype=str),
                digests=np.array([store.entries[k][0] for k in keys], dtype=str),
                counts=np.array([len(m) for m in matrices], dtype=np.int32),
                vectors=vectors,
                fingerprint=np.array(store.fingerprint),
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the index's other files are not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
