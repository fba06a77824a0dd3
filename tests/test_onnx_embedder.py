"""The torch-free question path: the ONNX export agrees with sentence-transformers, is rebuilt
when missing or damaged, and `corguide ask` answers without ever importing torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embeddings import Embedder, default_model_path
from assistant.index.onnx_embedder import onnx_file, weights_file
from assistant.index.store import ChromaIndex
from assistant.knowledge.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[1]
CORGUIDE = Path(sys.executable).with_name("corguide")
# The issue's bar: the two engines' vectors for the same text, as cosine similarity.
MIN_AGREEMENT = 0.9999
HEAVY_MODULES = ("torch", "transformers", "sentence_transformers")


def eval_questions() -> list[str]:
    """Every question and every conversation turn in evals/datasets/*.jsonl."""
    texts: list[str] = []
    for path in sorted((ROOT / "evals" / "datasets").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("question"):
                texts.append(item["question"])
            for turn in item.get("turns", []):
                texts.append(turn["say"] if isinstance(turn, dict) else turn)
    return texts


@pytest.fixture(scope="session")
def onnx_embedder(settings, built_index):
    """The embedder the assistant uses: its ONNX file was exported by the session's ingest."""
    from assistant.index.embeddings import load_embedder

    embedder = load_embedder(settings.embedding_model, settings.data_dir / "cache")
    assert embedder.engine == "onnx"
    return embedder


def test_onnx_agrees_with_sentence_transformers_on_every_chunk_and_eval_question(
    settings, embedder, onnx_embedder
):
    chunks = load_corpus(settings.corpus_dir)
    questions = eval_questions()
    assert len(chunks) > 300 and len(questions) > 500  # the whole corpus and every split
    # The session's model with no cache dir is sentence-transformers itself: no second load.
    reference = embedder
    assert reference.engine == "sentence-transformers"
    # The chunks' ONNX vectors are the ones the session's ingest stored (it embedded with
    # `onnx_embedder`, the same text `embedding_text`): the index users search is what is
    # checked, and the chunks are not embedded with ONNX a second time (issue 17).
    index = ChromaIndex(settings, onnx_embedder)
    stored = index.collection.get(include=["embeddings"])
    by_id = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    assert set(by_id) == {c.id for c in chunks}, "the index does not hold every chunk"
    # Every distinct text once, each engine in one batched call: a question asked in several
    # splits is the same input, so the same vector.
    texts = [c.embedding_text() for c in chunks]
    chunk_texts = set(texts)
    asked = [q for q in dict.fromkeys(questions) if q not in chunk_texts]
    ours = np.concatenate(
        [np.asarray([by_id[c.id] for c in chunks]), np.asarray(onnx_embedder.embed(asked))]
    )
    all_texts = texts + asked
    theirs = np.asarray(reference.embed(all_texts))
    cosine = (ours * theirs).sum(axis=1)
    worst = int(np.argmin(cosine))
    assert cosine[worst] >= MIN_AGREEMENT, (all_texts[worst][:80], float(cosine[worst]))
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_one_query_and_a_batch_get_the_same_vector(onnx_embedder):
    """Padding in a batch must not change a short question's vector (the mask is honoured)."""
    alone = np.asarray(onnx_embedder.embed_query("What is SECOR?"))
    batch = ["What is SECOR?", "How often is a COR maintenance audit done in Alberta? " * 20]
    together = np.asarray(onnx_embedder.embed(batch)[0])
    assert float(alone @ together) >= MIN_AGREEMENT


def test_a_damaged_onnx_file_is_rebuilt_and_the_user_is_told(tmp_path, capsys, embedder):
    model = default_model_path()
    target = onnx_file(tmp_path, model)
    target.parent.mkdir(parents=True, exist_ok=True)  # onnx_file already made it for its memo
    target.write_bytes(b"not an onnx model")
    # Left by older exports: a one-file model of an older recipe, another model's pair.
    stale = [target.with_name(n) for n in ("minilm-0123.onnx", "minilm-4567.onnx")]
    stale.append(weights_file(stale[1]))
    for path in stale:
        path.write_bytes(b"an old export")
    rebuilt = Embedder(model, tmp_path)
    vector = rebuilt.embed_query("Which program fits a roofer with 8 workers?")
    assert rebuilt.engine == "onnx"
    assert "damaged" in capsys.readouterr().err
    # The real export replaced the garbage: a small graph, and its weights in their own file.
    assert weights_file(target).stat().st_size > 50_000_000 > target.stat().st_size
    # Writing the new export removed the old ones (90 MB each in a real data dir).
    assert sorted(p.name for p in target.parent.glob("minilm-*")) == sorted(
        [target.name, weights_file(target).name]
    )
    # The session's sentence-transformers model (no cache dir) is the reference.
    assert embedder.engine == "sentence-transformers"
    reference = embedder.embed_query("Which program fits a roofer with 8 workers?")
    assert float(np.dot(vector, reference)) >= MIN_AGREEMENT


def test_an_unwritable_cache_falls_back_to_sentence_transformers_and_says_so(tmp_path, capsys):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    embedder = Embedder(default_model_path(), blocker)
    assert len(embedder.embed_query("What is SECOR?")) == 384
    assert embedder.engine == "sentence-transformers"
    assert "embedding with sentence-transformers" in capsys.readouterr().err


def test_a_changed_model_file_gets_a_new_onnx_file(tmp_path):
    """The export is keyed by the model's files: other weights never reuse an old export."""
    model = tmp_path / "model"
    shutil.copytree(default_model_path(), model)
    before = onnx_file(tmp_path, model)
    config = json.loads((model / "config.json").read_text())
    config["layer_norm_eps"] = 1e-11
    (model / "config.json").write_text(json.dumps(config))
    assert onnx_file(tmp_path, model) != before


def test_a_new_export_recipe_gets_a_new_onnx_file(tmp_path, monkeypatch):
    """The remembered model hash is keyed by the recipe too: a data dir exported by an older
    recipe (one file, weights inside) must not be reused by the new one."""
    model = default_model_path()
    before = onnx_file(tmp_path, model)
    monkeypatch.setattr("assistant.index.onnx_embedder.EXPORT_RECIPE", "some-other-recipe")
    assert onnx_file(tmp_path, model) != before


def test_ask_answers_without_importing_torch(settings, built_index, onnx_embedder, tmp_path):
    """A new `corguide ask` process: a real answer, and torch never in its imports."""
    data = tmp_path / "data"
    shutil.copytree(settings.chroma_dir, data / "chroma")
    shutil.copytree(settings.data_dir / "cache" / "onnx", data / "cache" / "onnx")
    env = {**os.environ, "CORGUIDE_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    env.pop("CORGUIDE_CHROMA_URL", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(CORGUIDE), "ask", "--json", "What is SECOR?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert answer["citations"] and not answer["refused"]
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert imported, "python -X importtime printed nothing"
    assert not imported & set(HEAVY_MODULES), sorted(imported & set(HEAVY_MODULES))
    assert "onnx" not in imported  # the exporter's package; onnxruntime reads the export
    assert "langchain_core" not in imported  # its runnables, retriever and messages: ~40 MB
    assert "exporting" not in done.stderr  # the ingest-time export was reused
