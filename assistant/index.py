"""The vector index: one Chroma collection, embedded on disk or on a Chroma server.

The same code serves both: `CORGUIDE_CHROMA_URL` switches to `chromadb.HttpClient`. Every
collection is opened with our own embedding function (Chroma's default would try to download a
model), and the corpus fingerprint is kept in the collection's metadata so any client of the
same index can tell whether it is fresh.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.corpus import Chunk
from assistant.embeddings import Embedder, chroma_embedding_function
from assistant.errors import IndexCorruptError, IndexMissingError, InputError
from assistant.settings import Settings

FINGERPRINT_KEY = "corguide_fingerprint"
MODEL_KEY = "corguide_model"


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise InputError(
                f"CORGUIDE_CHROMA_URL must look like http://host:port (got {settings.chroma_url!r})"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexMissingError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({exc}); "
                "start it or unset CORGUIDE_CHROMA_URL"
            ) from exc
    path = settings.chroma_dir
    _check_sqlite(path)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise IndexCorruptError(
            f"the index at {path} cannot be opened ({type(exc).__name__}: {exc}); "
            "run `corguide ingest --rebuild` to build a fresh one"
        ) from exc


def _check_sqlite(path: Path) -> None:
    """Chroma's own error for a damaged folder is a panic deep in its Rust core; check first."""
    db = path / "chroma.sqlite3"
    if not db.exists():
        return
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            ok = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        ok = (str(exc),)
    if not ok or ok[0] != "ok":
        raise IndexCorruptError(
            f"the index at {path} is damaged ({ok[0] if ok else 'unreadable'}); "
            "run `corguide ingest --rebuild` to build a fresh one"
        )


@dataclass
class Hit:
    chunk: Chunk
    score: float  # cosine similarity, 1 is identical


class ChromaIndex:
    """A thin wrapper over one collection; every call goes through our embedding function."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = _client(settings)
        self._ef = chroma_embedding_function(embedder)
        self._collection: Any = None

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_dir)

    def open(self, *, create: bool = False, name: str | None = None) -> Any:
        name = name or self.settings.collection
        try:
            if create:
                return self.client.get_or_create_collection(
                    name=name,
                    embedding_function=self._ef,
                    configuration={"hnsw": {"space": "cosine"}},
                )
            return self.client.get_collection(name=name, embedding_function=self._ef)
        except (IndexMissingError, IndexCorruptError):
            raise
        except Exception as exc:
            if _is_not_found(exc):
                raise IndexMissingError(
                    f"no index at {self.location}: run `corguide ingest` to build it"
                ) from exc
            raise IndexCorruptError(
                f"the index at {self.location} cannot be read ({type(exc).__name__}: {exc}); "
                "run `corguide ingest --rebuild`"
            ) from exc

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self.open()
        return self._collection

    def use(self, collection: Any) -> None:
        self._collection = collection

    def stored_hashes(self) -> dict[str, str]:
        got = self.collection.get(include=["metadatas"])
        return {
            i: (m or {}).get("content_hash", "")
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }

    def count(self) -> int:
        return self.collection.count()

    def fingerprint(self) -> str | None:
        return (self.collection.metadata or {}).get(FINGERPRINT_KEY)

    def set_fingerprint(self, fingerprint: str) -> None:
        meta = dict(self.collection.metadata or {})
        meta.update({FINGERPRINT_KEY: fingerprint, MODEL_KEY: self.embedder.model_id})
        meta.pop("hnsw:space", None)  # configuration owns the space; metadata may not repeat it
        self.collection.modify(metadata=meta)

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        if chunks:
            self.collection.upsert(
                ids=[c.id for c in chunks],
                documents=[c.text for c in chunks],
                metadatas=[c.metadata() for c in chunks],
                embeddings=vectors,
            )

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.collection.delete(ids=ids)

    def all_chunks(self) -> list[Chunk]:
        got = self.collection.get(include=["documents", "metadatas"])
        return [
            Chunk.from_stored(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def query(
        self, vector: list[float], k: int, jurisdictions: list[str] | None = None
    ) -> list[Hit]:
        where = {"jurisdiction": {"$in": jurisdictions}} if jurisdictions else None
        got = self.collection.query(
            query_embeddings=[vector],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            Hit(Chunk.from_stored(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(
                got["ids"][0],
                got["documents"][0],
                got["metadatas"][0],
                got["distances"][0],
                strict=True,
            )
        ]

    def replace_collection(self, staging_name: str) -> None:
        """Swap a fully built staging collection in for the live one (used by --rebuild)."""
        live = self.settings.collection
        try:
            self.client.delete_collection(live)
        except Exception as exc:
            if not _is_not_found(exc):
                raise
        staged = self.client.get_collection(name=staging_name, embedding_function=self._ef)
        staged.modify(name=live)
        self._collection = None


def _is_not_found(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "notfound" in text.replace(" ", "") or "does not exist" in text or "not found" in text


def move_aside(path: Path) -> Path | None:
    """Keep a damaged index folder (renamed) instead of deleting it: nothing is ever lost."""
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.move(str(path), str(target))
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # Chroma caches one client per path in a process
    return target
