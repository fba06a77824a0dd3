"""Intent by nearest neighbour: the label of the closest labelled example in meaning.

The examples live in ``data/intents.yaml``; their vectors come from the same packaged MiniLM
model that embeds the corpus, computed once and cached in the data dir (keyed by the file's
hash and the model), so a new example needs no code change and no retraining step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.knowledge.yaml_strict import load_yaml

DATA = Path(__file__).parent / "data" / "intents.yaml"
# Whether a question's answer depends on the province: the same nearest-example reading.
PROVINCE_NEED = Path(__file__).parent / "data" / "province_need.yaml"
SMALLTALK = ("greet", "thanks", "ok")


@dataclass(frozen=True)
class Intent:
    """The nearest example's label and how close it is (cosine similarity, -1 to 1)."""

    label: str
    similarity: float
    example: str


def load_examples(path: Path = DATA) -> list[tuple[str, str]]:
    """(label, example) pairs in file order.

    Example:
        >>> ("thanks", "thanks, that helps") in load_examples()
        True
    """
    data = load_yaml(path.read_text(encoding="utf-8"))
    return [(label, str(text)) for label, texts in data.items() for text in texts]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class IntentClassifier:
    """1-nearest-neighbour over the labelled examples' sentence embeddings."""

    def __init__(self, examples: list[tuple[str, str]], vectors: np.ndarray) -> None:
        self.labels = [label for label, _ in examples]
        self.texts = [text for _, text in examples]
        self.vectors = _unit(np.asarray(vectors, dtype=np.float32))

    @classmethod
    def load(cls, embedder: Any, cache_dir: Path | None = None, path: Path = DATA):
        """Embed the examples (or read the cached vectors) with ``embedder``."""
        examples = load_examples(path)
        key = hashlib.sha256(
            (path.read_text(encoding="utf-8") + getattr(embedder, "model_id", "")).encode()
        ).hexdigest()[:16]
        cached = cache_dir / f"{path.stem}-{key}.npy" if cache_dir else None
        if cached is not None and cached.is_file():
            try:
                vectors = np.load(cached)
                if vectors.shape[0] == len(examples):
                    return cls(examples, vectors)
            except (OSError, ValueError):
                pass  # a damaged cache is rebuilt below
        vectors = np.asarray(embedder.embed([t for _, t in examples]), dtype=np.float32)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp.npy")
                np.save(tmp, vectors)
                tmp.replace(cached)
                _remove_stale(cached, path.stem)
            except OSError:
                pass  # read-only data dir: embed again next time
        return cls(examples, vectors)

    def left_out_mistakes(self) -> list[str]:
        """Examples that, left out, land on another label: the check every examples file must
        pass (tests/test_dialogue_parts.py, tests/test_province_need.py)."""
        wrong = []
        for i, (label, text) in enumerate(zip(self.labels, self.texts, strict=True)):
            got = self.classify(self.vectors[i], exclude=i)
            if got.label != label:
                wrong.append(f"{text!r}: {label} -> {got.label} (nearest {got.example!r})")
        return wrong

    def classify(self, vector: Any, *, exclude: int | None = None) -> Intent:
        """The nearest example's label; ``exclude`` leaves one example out (for the test)."""
        query = np.asarray(vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        sims = self.vectors @ query
        if exclude is not None:
            sims[exclude] = -2.0
        best = int(np.argmax(sims))
        return Intent(self.labels[best], float(sims[best]), self.texts[best])


def _remove_stale(current: Path, examples: str) -> None:
    """Delete the caches of other versions of the ``examples`` file (or other models) beside
    ``current``: a new one is written whenever the examples change, and nothing reads an old
    one again (issue 17). The caches of other example files stay."""
    for path in current.parent.glob(f"{examples}-*.npy"):
        if not path.name.startswith(current.stem):  # this cache, or its copy being written
            path.unlink(missing_ok=True)
