"""The vector index: Chroma collections, embedded on disk or on a Chroma server.

The same code serves both: `CORGUIDE_CHROMA_URL` switches to `chromadb.HttpClient`. Every
collection is opened with our own embedding function (Chroma's default would try to download a
model), and the corpus fingerprint is kept in the collection's metadata so any client of the
same index can tell whether it is fresh.

Two collections: the chunks themselves, and the owner-style questions each chunk answers
(LangChain's MultiVectorRetriever pattern): a question record carries its parent chunk's id, so
a hit on a question counts for the chunk, and the chunk stays the unit returned and cited.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.errors import DataDirError, IndexCorruptError, IndexMissingError, InputError
from assistant.index.embeddings import Embedder, chroma_embedding_function
from assistant.index.sqlite_check import check_sqlite
from assistant.knowledge.corpus import Chunk
from assistant.settings import Settings, check_data_dir

FINGERPRINT_KEY = "corguide_fingerprint"
MODEL_KEY = "corguide_model"
STAGING_INFIX = "-staging-"
QUESTIONS_SUFFIX = "-questions"  # the question vectors' collection: <collection>-questions
# An ingest in another process can delete chunks, or (with --rebuild) swap in a new collection,
# between two reads of this one; a read that fails is retried on a freshly opened collection.
READ_ATTEMPTS = 4


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
    check_data_dir(settings.data_dir if settings.chroma_path is None else path.parent)
    _check_writable(path)
    check_sqlite(path)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise IndexCorruptError(
            f"the index at {path} cannot be opened ({type(exc).__name__}: {exc}); "
            "run `corguide ingest --rebuild` to build a fresh one"
        ) from exc


def _check_writable(path: Path) -> None:
    """A read-only index is a permissions problem, not damage: say so, never ``--rebuild``."""
    for target in (path, path / "chroma.sqlite3"):
        if path.is_dir() and target.exists() and not os.access(target, os.R_OK | os.W_OK):
            raise DataDirError(
                f"the index at {path} is read-only for this user ({target} cannot be written); "
                "make it writable (chmod -R u+rw) or set CORGUIDE_DATA_DIR to a folder you own"
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
        self._questions: Any = None
        self._questions_missing = False
        # The vectors in memory (`vector_memory`), installed by a HybridSearch with its view:
        # queries are then answered from them, not from a Chroma query each.
        self.memory: Any = None

    @property
    def questions_name(self) -> str:
        return self.settings.collection + QUESTIONS_SUFFIX

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_dir)

    def open(self, *, create: bool = False, name: str | None = None) -> Any:
        name = name or self.settings.collection
        try:
            if name == self.settings.collection:
                self._finish_interrupted_swap()
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

    def _read(self, call: Any, *, questions: bool = False) -> Any:
        """Run one read of the collection, reopening it and retrying when it fails.

        Raises:
            IndexMissingError: the collection is gone (and no rebuilt one took its place).
            IndexCorruptError: the read keeps failing.
        """
        from chromadb.errors import ChromaError

        for attempt in range(READ_ATTEMPTS):
            try:
                return call(self.questions_collection if questions else self.collection)
            except ChromaError as exc:
                if attempt == READ_ATTEMPTS - 1:
                    if _is_not_found(exc):
                        raise IndexMissingError(
                            f"no index at {self.location}: run `corguide ingest` to build it"
                        ) from exc
                    raise IndexCorruptError(
                        f"the index at {self.location} cannot be read ({type(exc).__name__}: "
                        f"{exc}); if an ingest is running, ask again when it ends, otherwise "
                        "run `corguide ingest --rebuild`"
                    ) from exc
                # The live collection may have been swapped by a rebuild in another process.
                self._collection = None
                self._questions = None
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _finish_interrupted_swap(self) -> None:
        """Rename a complete staging collection to the live name when the live one is missing.

        ``ingest --rebuild`` deletes the live collection and then renames the staging one (Chroma
        cannot rename over a name in use); a process killed between the two leaves no live
        collection but a complete staging one (its fingerprint is written before the swap).
        """
        live = self.settings.collection
        names = [getattr(c, "name", c) for c in self.client.list_collections()]
        if live in names:
            return
        for name in sorted(n for n in names if n.startswith(live + STAGING_INFIX)):
            staged = self.client.get_collection(name=name, embedding_function=self._ef)
            if FINGERPRINT_KEY in (staged.metadata or {}):
                staged.modify(name=live)
                return

    def remove_stale_staging(self) -> list[str]:
        """Delete staging collections left by rebuilds that were killed (each is a full copy)."""
        self._finish_interrupted_swap()
        prefixes = (self.settings.collection + STAGING_INFIX, self.questions_name + STAGING_INFIX)
        names = [getattr(c, "name", c) for c in self.client.list_collections()]
        stale = [name for name in names if name.startswith(prefixes)]
        for name in stale:
            self.client.delete_collection(name)
        return stale

    def use(self, collection: Any) -> None:
        self._collection = collection

    # -- the question vectors ---------------------------------------------------------------

    def open_questions(self, *, name: str | None = None) -> Any:
        """The question collection (created when missing), for ingest."""
        return self.client.get_or_create_collection(
            name=name or self.questions_name,
            embedding_function=self._ef,
            configuration={"hnsw": {"space": "cosine"}},
        )

    def use_questions(self, collection: Any) -> None:
        self._questions = collection
        self._questions_missing = False

    @property
    def questions_collection(self) -> Any:
        """The live question collection; raises a Chroma not-found error when there is none."""
        if self._questions is None:
            self._questions = self.client.get_collection(
                name=self.questions_name, embedding_function=self._ef
            )
        return self._questions

    def has_questions(self) -> bool:
        try:
            self.questions_collection  # noqa: B018 - opening is the check
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise
        return True

    def stored_question_hashes(self) -> dict[str, str]:
        """Question record id -> the content hash of the chunk it was written for."""
        got = self.questions_collection.get(include=["metadatas"])
        return {
            i: (m or {}).get("content_hash", "")
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }

    def upsert_questions(
        self, records: list[tuple[str, Chunk, str]], vectors: list[list[float]]
    ) -> None:
        """Write question records ``(record id, parent chunk, question)`` with their vectors."""
        if records:
            self.questions_collection.upsert(
                ids=[rid for rid, _, _ in records],
                documents=[question for _, _, question in records],
                metadatas=[
                    {
                        "parent": chunk.id,
                        "jurisdiction": chunk.jurisdiction,
                        "content_hash": chunk.content_hash,
                    }
                    for _, chunk, _ in records
                ],
                embeddings=vectors,
            )

    def delete_questions(self, ids: list[str]) -> None:
        if ids:
            self.questions_collection.delete(ids=ids)

    def query_questions(
        self, vector: list[float], k: int, jurisdictions: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """Parent chunk ids of the questions closest to ``vector``, each with its best cosine
        similarity, best first. An index built before questions existed answers none."""
        if self.memory is not None:
            return self.memory.query_questions(vector, k, jurisdictions)
        if self._questions_missing or (self._questions is None and not self.has_questions()):
            self._questions_missing = True
            return []
        where = {"jurisdiction": {"$in": jurisdictions}} if jurisdictions else None
        include = ["metadatas", "distances"]

        def search(collection: Any) -> list[tuple[str, float]]:
            from chromadb.errors import ChromaError

            try:
                got = collection.query(
                    query_embeddings=[vector], n_results=k, where=where, include=include
                )
                pairs = _parent_hits(got)
            except ChromaError:
                if where is None:
                    raise
                # As in `query`: a filtered search can fail while another process ingests.
                got = collection.query(
                    query_embeddings=[vector],
                    n_results=max(k, collection.count()),
                    include=include,
                )
                pairs = [(p, s, j) for p, s, j in _parent_hits(got) if j in jurisdictions]
            best: dict[str, float] = {}
            for parent, score, _ in pairs:
                best[parent] = max(score, best.get(parent, -1.0))
            return sorted(best.items(), key=lambda pair: -pair[1])

        try:
            return self._read(search, questions=True)
        except IndexMissingError:
            self._questions_missing = True
            return []

    def stored_hashes(self) -> dict[str, str]:
        got = self.collection.get(include=["metadatas"])
        return {
            i: (m or {}).get("content_hash", "")
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }

    def count(self) -> int:
        return self._read(lambda c: c.count())

    def fingerprint(self) -> str | None:
        return (self.collection.metadata or {}).get(FINGERPRINT_KEY)

    def questions_fingerprint(self) -> str | None:
        if not self.has_questions():
            return None
        return (self.questions_collection.metadata or {}).get(FINGERPRINT_KEY)

    def set_fingerprint(self, fingerprint: str, *, questions: bool = False) -> None:
        collection = self.questions_collection if questions else self.collection
        meta = dict(collection.metadata or {})
        meta.update({FINGERPRINT_KEY: fingerprint, MODEL_KEY: self.embedder.model_id})
        meta.pop("hnsw:space", None)  # configuration owns the space; metadata may not repeat it
        collection.modify(metadata=meta)

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
        got = self._read(lambda c: c.get(include=["documents", "metadatas"]))
        return [
            Chunk.from_stored(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            if d is not None and m  # deleted by a concurrent ingest between two reads
        ]

    def query(
        self, vector: list[float], k: int, jurisdictions: list[str] | None = None
    ) -> list[Hit]:
        if self.memory is not None:
            return self.memory.query(vector, k, jurisdictions)
        where = {"jurisdiction": {"$in": jurisdictions}} if jurisdictions else None
        include = ["documents", "metadatas", "distances"]

        def search(collection: Any) -> list[Hit]:
            from chromadb.errors import ChromaError

            try:
                got = collection.query(
                    query_embeddings=[vector], n_results=k, where=where, include=include
                )
                return _hits(got)
            except ChromaError:
                if where is None:
                    raise
            # Chroma's embedded store is not multi-process safe: while `corguide ingest` adds
            # chunks in another process, a filtered search here fails ("Error finding id") until
            # that process ends. An unfiltered search over every stored vector, filtered here,
            # still answers (a few hundred chunks: milliseconds).
            got = collection.query(
                query_embeddings=[vector], n_results=max(k, collection.count()), include=include
            )
            return [h for h in _hits(got) if h.chunk.jurisdiction in jurisdictions][:k]

        return self._read(search)

    def replace_collection(self, staging_name: str, *, questions: bool = False) -> None:
        """Swap a fully built staging collection in for the live one (used by --rebuild)."""
        live = self.questions_name if questions else self.settings.collection
        try:
            self.client.delete_collection(live)
        except Exception as exc:
            if not _is_not_found(exc):
                raise
        try:
            staged = self.client.get_collection(name=staging_name, embedding_function=self._ef)
            staged.modify(name=live)
        except Exception:
            # A reader that found no live collection in between may have finished the swap.
            names = [getattr(c, "name", c) for c in self.client.list_collections()]
            if live not in names or staging_name in names:
                raise
        if questions:
            self._questions = None
        else:
            self._collection = None


def _hits(got: dict[str, Any]) -> list[Hit]:
    return [
        Hit(Chunk.from_stored(i, d, m), 1.0 - float(dist))
        for i, d, m, dist in zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        )
        if d is not None and m  # deleted by a concurrent ingest after the vector search
    ]


def _parent_hits(got: dict[str, Any]) -> list[tuple[str, float, str]]:
    return [
        (m["parent"], 1.0 - float(dist), m.get("jurisdiction", ""))
        for m, dist in zip(got["metadatas"][0], got["distances"][0], strict=True)
        if m and m.get("parent")
    ]


def _is_not_found(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "notfound" in text.replace(" ", "") or "does not exist" in text or "not found" in text


DAMAGED_INFIX = ".damaged-"
KEPT_BACKUPS = 1  # damaged index folders kept beside the live one (the newest); older are removed
_SEGMENT_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def move_aside(path: Path) -> Path | None:
    """Keep a damaged index folder (renamed) instead of deleting it; only the newest such copy
    is kept, so repeated repairs do not fill the disk. Returns where it was moved."""
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}{DAMAGED_INFIX}{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.move(str(path), str(target))
    for old in backups(path)[KEPT_BACKUPS:]:
        shutil.rmtree(old, ignore_errors=True)
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # Chroma caches one client per path in a process
    return target


def backups(path: Path) -> list[Path]:
    """The damaged copies of the index folder ``path``, newest first."""
    found = [p for p in path.parent.glob(f"{path.name}{DAMAGED_INFIX}*") if p.is_dir()]
    return sorted(found, key=lambda p: p.name, reverse=True)


def remove_orphan_segments(path: Path) -> list[str]:
    """Delete vector folders of collections that no longer exist in the index's database.

    Chroma's ``delete_collection`` removes a collection's records but leaves its vector folder
    on disk, so every ``--rebuild`` (and every killed one) left a full old copy behind that
    nothing can read any more. A folder counts as orphaned only when no segment names it.
    """
    db = path / "chroma.sqlite3"
    if not db.is_file():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            live = {row[0] for row in conn.execute("SELECT id FROM segments")}
    except sqlite3.Error:
        return []  # cannot tell which folders are live: delete nothing
    removed = []
    for folder in path.iterdir():
        if folder.is_dir() and _SEGMENT_DIR.match(folder.name) and folder.name not in live:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
