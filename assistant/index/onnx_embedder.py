"""The question path's embedder: the packaged MiniLM exported to ONNX, run with onnxruntime.

Importing torch and sentence-transformers costs seconds and hundreds of MB; one question needs
one forward pass of a 6-layer model over a dozen tokens. So the model is exported once (at
ingest, or on first use when the file is missing) with ``torch.onnx.export`` into the data dir,
keyed by a hash of the model's weights and configuration, and questions are embedded with
onnxruntime and the model's own ``tokenizer.json``: the same token ids, the same mean pooling
over the attention mask and the same L2 normalisation as sentence-transformers.

The weights go to a file of their own beside the graph (ONNX "external data"): onnxruntime
maps that file into memory instead of parsing a 90 MB protobuf and copying its tensors out of
it, which left a question process about 75 MB higher at its peak (issue 17; the vectors are
bit-for-bit the same).

Nothing here imports torch, transformers or sentence-transformers except `export_onnx`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

# The files whose bytes decide the vectors: weights, architecture, tokenizer, pooling, length.
HASHED_FILES = (
    "model.safetensors",
    "config.json",
    "tokenizer.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
)
# sentence-transformers' own default when the model folder does not set max_seq_length.
DEFAULT_MAX_SEQ_LENGTH = 256
HASH_MEMO = "model-hash.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# Tensors at least this big go to the weights file; the rest (shapes, small constants) stay
# in the graph. onnx's own default threshold.
EXTERNAL_MIN_BYTES = 1024
# Version of the export recipe below: a change to it must not reuse an older file.
EXPORT_RECIPE = "torch.onnx-legacy-opset17-external-data-v2"
OPSET = 17
# Tokens per forward pass (texts times the batch's longest, padding included), texts sorted by
# length first so a batch pads to similar lengths. A budget rather than a count: long passages
# run fastest in small batches, whose tensors stay in the CPU caches, and short questions in
# large ones, where each pass's fixed cost is shared. Measured on this 2-core machine
# (2026-12-03, two threads, memory arena on): 300 corpus chunks of about 200 tokens, batches of
# 8 texts 14-17 s at a 420 MB process peak, 16 15 s and 612 MB, 32 16 s and 1071 MB, 64 18 s
# and 1986 MB; 1,500 section questions of about 22 tokens, 8 texts 6.0 s, 32 4.5 s, 64 4.4 s.
TOKEN_BUDGET = 2048
MAX_BATCH = 64
# A short query runs on one thread: on the shared 2-core machine two threads fighting another
# process were measured 10 times slower per query than one (see embeddings.py); a batch of
# passages at ingest uses every core.
QUERY_TEXTS = 4


def model_hash(model_path: Path) -> str:
    """A short hash of the model files that decide its vectors, and of the export recipe.

    Example:
        >>> from assistant.index.embeddings import default_model_path
        >>> len(model_hash(default_model_path()))
        16
    """
    digest = hashlib.sha256(EXPORT_RECIPE.encode())
    for name in HASHED_FILES:
        file = model_path / name
        digest.update(name.encode())
        if file.is_file():
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _stat_key(model_path: Path) -> list[list[int]]:
    """Size and modification time of each hashed file: what a changed model file changes."""
    key = []
    for name in HASHED_FILES:
        try:
            st = (model_path / name).stat()
            key.append([st.st_size, st.st_mtime_ns])
        except OSError:
            key.append([-1, -1])
    return key


def cached_model_hash(cache_dir: Path, model_path: Path) -> str:
    """`model_hash`, remembered in ``cache_dir`` beside the exports while the files' sizes and
    times are unchanged: hashing the 90 MB of weights on every start would cost a second."""
    memo = cache_dir / "onnx" / HASH_MEMO
    # The recipe is part of the key: a new export recipe must not reuse the old recipe's hash.
    key = {
        "path": str(model_path.resolve()),
        "stat": _stat_key(model_path),
        "recipe": EXPORT_RECIPE,
    }
    try:
        saved = json.loads(memo.read_text(encoding="utf-8"))
        if {k: saved.get(k) for k in key} == key and isinstance(saved.get("hash"), str):
            return saved["hash"]
    except (OSError, ValueError, AttributeError):
        pass  # no memo yet, or a damaged one: hash again below
    digest = model_hash(model_path)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_suffix(".tmp")
        tmp.write_text(json.dumps({**key, "hash": digest}), encoding="utf-8")
        tmp.replace(memo)
    except OSError:
        pass  # a read-only data dir: hash again next time
    return digest


def onnx_file(cache_dir: Path, model_path: Path) -> Path:
    """Where the exported model's graph for ``model_path`` lives inside ``cache_dir`` (its
    weights are in `weights_file` beside it)."""
    return cache_dir / "onnx" / f"minilm-{cached_model_hash(cache_dir, model_path)}.onnx"


def weights_file(graph: Path) -> Path:
    """The external-data file the graph at ``graph`` names for its weights."""
    return graph.with_name(graph.name + ".data")


def max_seq_length(model_path: Path) -> int:
    """The token limit sentence-transformers applies (its config, not the tokenizer's 128)."""
    try:
        config = json.loads((model_path / "sentence_bert_config.json").read_text("utf-8"))
        return int(config.get("max_seq_length") or DEFAULT_MAX_SEQ_LENGTH)
    except (OSError, ValueError):
        return DEFAULT_MAX_SEQ_LENGTH


def export_onnx(model_path: Path, target: Path) -> Path:
    """Export the transformer of ``model_path`` to ``target`` (atomically); imports torch.

    The graph returns the token embeddings; pooling and normalisation run in numpy, so the
    exported file is the plain BERT encoder with dynamic batch and sequence axes.

    Raises:
        OSError: the data dir cannot be written.
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    bert = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

    class TokenEmbeddings(torch.nn.Module):
        """The encoder with positional inputs (the tracer cannot pass keywords) and one output."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    # Two rows, one padded: a trace of an all-ones mask could let the library drop the mask.
    dummy = (
        torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long),
        torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long),
        torch.zeros((2, 4), dtype=torch.long),
    )
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    axes["token_embeddings"] = {0: "batch", 1: "sequence"}
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent))
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about constants the encoder never varies
            torch.onnx.export(
                TokenEmbeddings().eval(),
                dummy,
                str(staging / "single.onnx"),
                input_names=list(INPUT_NAMES),
                output_names=["token_embeddings"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,  # the dynamo exporter needs onnxscript, which is not installed
            )
        _split_weights(staging / "single.onnx", staging / target.name)
        # The weights first, then the graph that names them: a reader who finds the graph
        # finds its weights.
        for name in (weights_file(target).name, target.name):
            os.chmod(staging / name, 0o644)
            os.replace(staging / name, target.parent / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    remove_stale_exports(target)
    return target


def remove_stale_exports(current: Path) -> list[Path]:
    """Delete the other exports beside ``current`` (older recipes' one-file models, other model
    hashes, their weights): each is 90 MB and nothing reads it again (issue 17). A process that
    still has one open keeps its copy in memory; one that wants it back exports it again."""
    keep = {current.name, weights_file(current).name}
    removed = []
    for path in sorted(current.parent.glob("minilm-*.onnx*")):
        if path.name not in keep and path.is_file():
            try:
                path.unlink()
            except OSError:
                continue  # a read-only cache: left as it was
            removed.append(path)
    return removed


def _split_weights(single: Path, graph: Path) -> None:
    """Rewrite the one-file model at ``single`` as ``graph`` plus `weights_file(graph)`."""
    import onnx  # the export's own dependency; the question path never imports it

    model = onnx.load(str(single))
    onnx.save_model(
        model,
        str(graph),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=weights_file(graph).name,  # relative: the two files move together
        size_threshold=EXTERNAL_MIN_BYTES,
    )


def mean_pool(token_embeddings: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling then L2 normalisation, in float32.

    Example:
        >>> tokens = np.array([[[1.0, 0.0], [3.0, 4.0], [9.0, 9.0]]], dtype=np.float32)
        >>> pooled = mean_pool(tokens, np.array([[1, 1, 0]]))
        >>> pooled.dtype, [round(x, 3) for x in pooled[0].tolist()]
        (dtype('float32'), [0.707, 0.707])
    """
    mask = attention_mask[..., None].astype(np.float32)
    summed = (token_embeddings * mask).sum(axis=1)
    pooled = summed / np.clip(mask.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.clip(norms, 1e-12, None)


class OnnxEmbedder:
    """The exported MiniLM with its own tokenizer: normalized 384-d vectors, no torch."""

    def __init__(self, onnx_path: Path, model_path: Path) -> None:
        from tokenizers import Tokenizer

        self.onnx_path = onnx_path
        self.model_path = model_path
        self._tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_seq_length(model_path))
        # No padding here (the file asks for a fixed 128): `embed` pads each batch to its
        # own longest text.
        self._tokenizer.no_padding()
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._session(1)  # a damaged file fails here, where the caller can rebuild it

    def _session(self, threads: int) -> Any:
        """One onnxruntime session per thread count (run() is thread-safe, so no lock)."""
        with self._lock:
            session = self._sessions.get(threads)
            if session is None:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3  # warnings about unused initializers are noise
                # The memory arena stays on. Turning it off for ingest (as this did with
                # batches of 32) was measured slower and no smaller: 300 chunks in 28-34 s at a
                # 1.2 GB process peak, against 14-17 s at 420 MB in batches of 8 with the arena.
                session = ort.InferenceSession(
                    str(self.onnx_path), options, providers=["CPUExecutionProvider"]
                )
                self._sessions[threads] = session
            return session

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalized vectors, one row per text, in the order given."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        threads = 1 if len(texts) <= QUERY_TEXTS else (os.cpu_count() or 1)
        session = self._session(threads)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for batch in _batches(order, [len(e.ids) for e in encodings]):
            width = len(encodings[batch[0]].ids)  # the longest: the order is longest first
            feeds = {name: np.zeros((len(batch), width), dtype=np.int64) for name in INPUT_NAMES}
            for row, i in enumerate(batch):
                e = encodings[i]
                feeds["input_ids"][row, : len(e.ids)] = e.ids
                feeds["attention_mask"][row, : len(e.ids)] = e.attention_mask
                feeds["token_type_ids"][row, : len(e.ids)] = e.type_ids
            (tokens,) = session.run(None, feeds)
            for row, i in zip(mean_pool(tokens, feeds["attention_mask"]), batch, strict=True):
                out[i] = row
        return np.stack(out).astype(np.float32)


def _batches(order: list[int], lengths: list[int]) -> list[list[int]]:
    """``order`` (longest first) cut into batches of at most TOKEN_BUDGET padded tokens.

    Example:
        >>> _batches([0, 1, 2, 3], [1500, 900, 20, 10])
        [[0], [1, 2], [3]]
    """
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < MAX_BATCH:
            width = lengths[batches[-1][0]]
            if width * (len(batches[-1]) + 1) <= TOKEN_BUDGET:
                batches[-1].append(i)
                continue
        batches.append([i])
    return batches
