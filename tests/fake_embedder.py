"""A fake embedder for tests of the wiring: a hashed bag of words, no model, no torch.

Tests that check plumbing (ingest bookkeeping, the store, the CLI's error paths) need vectors
of the right shape that are the same for the same text, not vectors that mean anything. This
one gives each lower-cased word a signed slot in a 384-dimensional vector (the real model's
width, so the stores have their real shape), sums them and normalises: texts that share words
are near, the same text is always the same vector, in every process. Embedding the whole
corpus takes milliseconds instead of a model load and minutes of forward passes.

Tests that use it say so in their name or docstring; the behaviour users see (what a question
finds, what an answer says) is tested with the real model.
"""

from __future__ import annotations

import hashlib
import math
import re

# all-MiniLM-L6-v2's output width: the sentence store and Chroma keep the shapes they have in
# production.
DIMENSIONS = 384
FAKE_MODEL_ID = "fake-hashed-bag-of-words"
_WORD = re.compile(r"\w+")


def _slot(word: str) -> tuple[int, float]:
    """The slot and sign of one word: from a stable hash, not Python's per-process ``hash``."""
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
    number = int.from_bytes(digest, "big")
    return number % DIMENSIONS, 1.0 if number >> 63 else -1.0


def fake_vector(text: str) -> list[float]:
    """The normalised hashed bag of words of ``text`` (a fixed unit vector when it has none).

    >>> fake_vector("SECOR in Alberta") == fake_vector("secor  in ALBERTA")
    True
    >>> round(sum(x * x for x in fake_vector("What is COR?")), 6), len(fake_vector(""))
    (1.0, 384)
    """
    vector = [0.0] * DIMENSIONS
    for word in _WORD.findall(text.lower()):
        slot, sign = _slot(word)
        vector[slot] += sign
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        vector[0] = 1.0
        return vector
    return [x / norm for x in vector]


class FakeEmbedder:
    """The interface of `assistant.index.embeddings.Embedder` the pipeline reads: `fake_vector`."""

    model_id = FAKE_MODEL_ID
    engine = "fake"

    def __init__(self) -> None:
        self.calls: list[int] = []  # texts per `embed` call, for tests that count the work

    def embed(self, texts: list[str], batch_size: int = 32) -> list[list[float]]:
        self.calls.append(len(texts))
        return [fake_vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]

    def prepare(self) -> str:
        """Nothing to open or export: the fake has no model files (ingest calls this)."""
        return self.engine
