"""The index's vectors held in memory: exact cosine search without a Chroma query per question.

A warm answer searched Chroma three times (the scope check, the chunks, the questions), 3 to 16
ms each: a call into its Rust core whose cost is mostly fixed overhead and the jurisdiction
filter (issue 17's profile: 16 of 38 ms per answer). The same search over a few thousand
384-dimension vectors is one matrix product of about 0.1 ms. The vectors are read from the
index once per fingerprint (`HybridSearch` loads them with its keyword view), as the float32
Chroma keeps, normalized as Chroma's cosine space normalizes them.

The search is exact where Chroma's HNSW graph is approximate; on this corpus both return the
same neighbours (every eval answer was compared, issue 17).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.sentence_vectors import store_path
from assistant.index.store import ChromaIndex, Hit
from assistant.knowledge.corpus import Chunk
from assistant.settings import Settings

# Chunk ids, their vectors, question parents, their vectors.
_Stored = tuple[list[str], Any, list[str], Any]


# Rows per matrix-vector product. OpenBLAS splits a larger product across threads, and on
# this 2-core machine under load that cost 6 to 16 ms for the 2,490 question vectors (threads
# waiting for a core); blocks of this size stay on one thread and take about 0.1 ms in all.
ROW_BLOCK = 512


def _dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    if len(matrix) <= ROW_BLOCK:
        return matrix @ vector
    return np.concatenate(
        [matrix[i : i + ROW_BLOCK] @ vector for i in range(0, len(matrix), ROW_BLOCK)]
    )


def _unit_rows(vectors: Any, dim: int) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class MemoryVectors:
    """Chunk and question vectors with their jurisdictions, searched by one dot product each.

    Example:
        >>> c = Chunk("d", "t", "s", "x", "AB", (), (), (), "", id="a")
        >>> m = MemoryVectors([c], [[1.0, 0.0]], ["a"], [[0.0, 1.0]])
        >>> [(h.chunk.id, round(h.score, 3)) for h in m.query([1.0, 0.0], 5)]
        [('a', 1.0)]
        >>> m.query([1.0, 0.0], 5, ["BC"]), m.query_questions([0.0, 1.0], 5, ["AB"])
        ([], [('a', 1.0)])
    """

    def __init__(
        self,
        chunks: list[Chunk],
        chunk_vectors: Any,
        question_parents: list[str],
        question_vectors: Any,
    ) -> None:
        dim = np.asarray(chunk_vectors[0] if len(chunk_vectors) else [0.0]).shape[-1]
        self.chunks = chunks
        self.chunk_matrix = _unit_rows(chunk_vectors, dim)
        self.chunk_scopes = [c.jurisdiction for c in chunks]
        by_id = {c.id: c for c in chunks}
        kept = [i for i, p in enumerate(question_parents) if p in by_id]
        self.question_parents = [question_parents[i] for i in kept]
        self.question_matrix = _unit_rows(
            [question_vectors[i] for i in kept] if kept else np.zeros((0, dim)), dim
        )
        # A question record is filtered by its parent's jurisdiction, as in the index.
        self.question_scopes = [by_id[p].jurisdiction for p in self.question_parents]

        # The rows each jurisdiction filter allows, per (chunks or questions, filter): a
        # handful of filters recur, and comparing strings per search costs more than the search.
        self._rows: dict[tuple[str, tuple[str, ...] | None], np.ndarray] = {}

    def _allowed_rows(self, which: str, scopes: list[str], allowed: list[str] | None) -> Any:
        key = (which, tuple(allowed) if allowed is not None else None)
        rows = self._rows.get(key)
        if rows is None:
            keep = set(allowed) if allowed is not None else None
            rows = np.array(
                [i for i, s in enumerate(scopes) if keep is None or s in keep], dtype=np.intp
            )
            self._rows[key] = rows
        return rows

    def _ranked(
        self, which: str, vector: Any, k: int, allowed: list[str] | None
    ) -> list[tuple[int, float]]:
        matrix, scopes = (
            (self.chunk_matrix, self.chunk_scopes)
            if which == "chunks"
            else (self.question_matrix, self.question_scopes)
        )
        if not len(matrix) or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        # Chroma reports the float32 distance 1 - dot; the similarity is 1 - that distance.
        distances = np.float32(1.0) - _dot(matrix, query)
        rows = self._allowed_rows(which, scopes, allowed)
        top = rows[np.argsort(distances[rows], kind="stable")[:k]]
        return [(int(i), 1.0 - float(distances[i])) for i in top]

    def query(self, vector: Any, k: int, jurisdictions: list[str] | None = None) -> list[Hit]:
        """The ``k`` chunks closest to ``vector`` (optionally within ``jurisdictions``)."""
        ranked = self._ranked("chunks", vector, k, jurisdictions or None)
        return [Hit(self.chunks[i], score) for i, score in ranked]

    def query_questions(
        self, vector: Any, k: int, jurisdictions: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """Parent chunk ids of the ``k`` closest questions, each with its best similarity."""
        ranked = self._ranked("questions", vector, k, jurisdictions or None)
        best: dict[str, float] = {}
        for i, score in ranked:
            parent = self.question_parents[i]
            best[parent] = max(score, best.get(parent, -1.0))
        return sorted(best.items(), key=lambda pair: -pair[1])


def vectors_path(settings: Settings) -> Path:
    """The copy of the index's vectors ingest writes, beside the sentence vectors."""
    return store_path(settings).with_name(f"vectors-{settings.collection}.npz")


def _from_index(index: ChromaIndex) -> _Stored:
    got = index._read(lambda c: c.get(include=["embeddings"]))
    ids = list(got["ids"])
    parents: list[str] = []
    question_vectors: list[Any] = []
    if index.has_questions():
        questions = index._read(
            lambda c: c.get(include=["metadatas", "embeddings"]), questions=True
        )
        for meta, vector in zip(questions["metadatas"], questions["embeddings"], strict=True):
            if meta and meta.get("parent"):
                parents.append(meta["parent"])
                question_vectors.append(vector)
    return ids, got["embeddings"], parents, question_vectors


def save_vectors(index: ChromaIndex, path: Path, fingerprint: str) -> None:
    """Write the collection's vectors with the fingerprint they belong to, atomically (ingest,
    before it writes that fingerprint to the index)."""
    ids, vectors, parents, question_vectors = _from_index(index)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                ids=np.array(ids, dtype=str),
                vectors=np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1),
                parents=np.array(parents, dtype=str),
                question_vectors=np.asarray(question_vectors, dtype=np.float32).reshape(
                    len(parents), -1
                ),
                fingerprint=np.array(fingerprint),
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the index's other files are not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint the vectors file at ``path`` was written for (None: no readable file)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return str(data["fingerprint"])
    except (OSError, KeyError, ValueError):
        return None


def _from_file(path: Path, fingerprint: str | None) -> _Stored | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            if fingerprint is None or str(data["fingerprint"]) != fingerprint:
                return None
            return (
                [str(i) for i in data["ids"]],
                data["vectors"],
                [str(p) for p in data["parents"]],
                data["question_vectors"],
            )
    except (OSError, KeyError, ValueError):
        return None


def load_memory(
    index: ChromaIndex, chunks: list[Chunk], fingerprint: str | None = None
) -> MemoryVectors | None:
    """The index's chunk and question vectors, for ``chunks`` (None when the index has none).

    Read from the copy ingest wrote when it carries the index's ``fingerprint``: reading them
    from Chroma costs a query process about 35 MB more at its peak (issue 17). Otherwise (an
    index built before the copy existed, or an ingest still writing) from the index itself,
    by id, so a chunk an ingest deleted between two reads is simply left out.
    """
    stored = _from_file(vectors_path(index.settings), fingerprint) or _from_index(index)
    ids, vectors, parents, question_vectors = stored
    row = {cid: i for i, cid in enumerate(ids)}
    kept = [c for c in chunks if c.id in row]
    if not kept:
        return None
    return MemoryVectors(kept, [vectors[row[c.id]] for c in kept], parents, question_vectors)
