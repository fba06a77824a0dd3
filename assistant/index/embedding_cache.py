"""Vectors already computed, looked up by their text, so no ingest embeds the same text twice.

An ingest embeds about 6,700 texts for the real corpus (chunks, doc2query questions, sentence
spans: 70 of its 75 s). A rebuild, an ingest into a new data dir beside an old one's cache, or
an ingest killed and run again used to embed them all again; with this cache they embed only
texts never seen before. The file is ``<data dir>/cache/embeddings.sqlite3``: SQLite, so an
ingest killed mid-write leaves every committed batch and nothing half-written.

Rows are keyed by the engine and the model files (a new model or the other engine never reuses
a vector), and by the SHA-256 of the text. A rebuild prunes rows no current text uses, so the
file holds one corpus's vectors.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

CACHE_FILE = "embeddings.sqlite3"
# Lookups go in groups below SQLite's default limit of 999 bound variables per statement.
LOOKUP_GROUP = 500


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def cache_key(embedder: Any) -> str:
    """What a stored vector was made by: the engine and, for ONNX, the export of these files."""
    if embedder.engine == "onnx":
        from assistant.index.onnx_embedder import onnx_file

        return f"onnx:{onnx_file(embedder.cache_dir, embedder.path).stem}"
    return f"{embedder.engine}:{embedder.model_id}"


class EmbeddingCache:
    """Vectors by text for one engine and model; ``used`` collects every text looked up."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key
        self.used: set[bytes] = set()
        self.hits = 0
        self._db = sqlite3.connect(path, timeout=30)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            "model TEXT NOT NULL, digest BLOB NOT NULL, vector BLOB NOT NULL, "
            "PRIMARY KEY (model, digest))"
        )
        # Vectors of another model or engine can never be reused: drop them.
        self._db.execute("DELETE FROM vectors WHERE model != ?", (key,))
        self._db.commit()

    @classmethod
    def open(cls, cache_dir: Path, embedder: Any) -> EmbeddingCache | None:
        """The data dir's cache, or None (said on stderr) when it cannot be opened, as in a
        read-only data dir: the ingest then embeds everything, as before. A damaged file is
        only a cache of what the model computes, so it is replaced by an empty one."""
        path = cache_dir / CACHE_FILE
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            try:
                return cls(path, cache_key(embedder))
            except sqlite3.DatabaseError as exc:
                if not path.is_file() or isinstance(exc, sqlite3.OperationalError):
                    raise
                print(
                    f"the embedding cache {path} is damaged ({exc}): starting it again",
                    file=sys.stderr,
                )
                path.unlink()
                return cls(path, cache_key(embedder))
        except (OSError, sqlite3.Error) as exc:
            print(f"embedding cache not used ({exc}): embedding every text", file=sys.stderr)
            return None

    def lookup(self, texts: Iterable[str]) -> dict[str, list[float]]:
        """The stored vector of each text that has one."""
        by_digest = {_digest(t): t for t in texts}
        self.used.update(by_digest)
        digests = list(by_digest)
        found: dict[str, list[float]] = {}
        for start in range(0, len(digests), LOOKUP_GROUP):
            group = digests[start : start + LOOKUP_GROUP]
            marks = ",".join("?" * len(group))
            rows = self._db.execute(
                f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})",
                (self.key, *group),
            )
            for digest, blob in rows:
                found[by_digest[digest]] = np.frombuffer(blob, dtype=np.float32).tolist()
        self.hits += len(found)
        return found

    def store(self, texts: list[str], vectors: list[list[float]]) -> None:
        """Keep a batch's vectors, committed at once (a kill after this keeps them)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO vectors (model, digest, vector) VALUES (?, ?, ?)",
            [
                (self.key, _digest(t), np.asarray(v, dtype=np.float32).tobytes())
                for t, v in zip(texts, vectors, strict=True)
            ],
        )
        self._db.commit()

    def prune(self) -> int:
        """Drop the rows no text of this ingest used; returns how many. Only a rebuild looks up
        every text, so only a rebuild may call this."""
        keep = self.used
        stale = [
            (self.key, d)
            for (d,) in self._db.execute("SELECT digest FROM vectors WHERE model = ?", (self.key,))
            if d not in keep
        ]
        self._db.executemany("DELETE FROM vectors WHERE model = ? AND digest = ?", stale)
        self._db.commit()
        return len(stale)

    def close(self) -> None:
        self._db.close()
