"""The embedding cache: a rebuild or an ingest into a new data dir embeds only texts it has never
seen, stores the very vectors the model gave, and a damaged or unusable cache costs only time."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import seed_caches
from fake_embedder import FakeEmbedder, fake_vector

from assistant.index.embedding_cache import CACHE_FILE, EmbeddingCache
from assistant.index.embeddings import Embedder
from assistant.index.ingest import _embed, ingest
from assistant.index.store import ChromaIndex
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "guidance").mkdir(parents=True)
    for name in ("alberta.md", "manitoba.md", "choosing-cor-or-secor.md"):
        shutil.copy(ROOT / "corpus" / "guidance" / name, corpus / "guidance" / name)
    shutil.copytree(ROOT / "corpus" / "rules", corpus / "rules")
    return corpus


def count_model_texts(monkeypatch) -> list[int]:
    """Texts per call of the real model's `embed`, for every Embedder in this process."""
    calls: list[int] = []
    real = Embedder.embed

    def counting(self, texts, batch_size=32):
        calls.append(len(texts))
        return real(self, texts, batch_size)

    monkeypatch.setattr(Embedder, "embed", counting)
    return calls


def test_embed_with_a_cache_asks_the_fake_embedder_only_for_new_texts(tmp_path):
    fake = FakeEmbedder()
    index = SimpleNamespace(embedder=fake)
    texts = [f"what is the SECOR limit number {n % 40}" for n in range(100)]
    cache = EmbeddingCache(tmp_path / CACHE_FILE, "fake:test")
    first = _embed(texts, index, progress=False, cache=cache)
    assert sum(fake.calls) == 40 and cache.hits == 0
    fake.calls.clear()
    again = _embed(texts + ["a new question"], index, progress=False, cache=cache)
    assert sum(fake.calls) == 1 and cache.hits == 40
    assert np.allclose(again[:-1], first, atol=1e-7)
    assert np.allclose(again[-1], fake_vector("a new question"), atol=1e-7)


def test_vectors_of_another_model_or_engine_are_never_reused(tmp_path):
    path = tmp_path / CACHE_FILE
    EmbeddingCache(path, "onnx:minilm-aaaa").store(["What is COR?"], [[0.5] * 384])
    other = EmbeddingCache(path, "onnx:minilm-bbbb")
    assert other.lookup(["What is COR?"]) == {}
    assert EmbeddingCache(path, "onnx:minilm-aaaa").lookup(["What is COR?"]) == {}  # dropped


def test_a_new_data_dir_beside_the_sessions_cache_embeds_nothing_and_stores_the_same_vectors(
    settings, built_index, embedder, small_corpus, tmp_path, monkeypatch
):
    calls = count_model_texts(monkeypatch)
    mine = Settings(data_dir=seed_caches(settings, tmp_path / "data"), corpus_dir=small_corpus)
    report = ingest(mine)
    assert report.chunks > 50 and report.vectors_reused > report.chunks
    assert calls == [], "the model embedded texts the cache holds"
    assert "from the embedding cache" in report.summary()

    ids = ChromaIndex(mine, embedder).collection.get()["ids"][:40]
    got = ChromaIndex(mine, embedder).collection.get(ids=ids, include=["embeddings"])
    want = ChromaIndex(settings, embedder).collection.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(want["ids"], want["embeddings"], strict=True))
    for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
        assert np.array_equal(np.asarray(vector), np.asarray(by_id[chunk_id])), chunk_id


def test_a_rebuild_after_an_edit_embeds_only_the_edited_text_and_prunes_the_rest(
    settings, built_index, small_corpus, tmp_path, monkeypatch
):
    mine = Settings(data_dir=seed_caches(settings, tmp_path / "data"), corpus_dir=small_corpus)
    ingest(mine)
    db = mine.data_dir / "cache" / CACHE_FILE
    rows_before = sqlite3.connect(db).execute("SELECT count(*) FROM vectors").fetchone()[0]
    doc = small_corpus / "guidance" / "manitoba.md"
    doc.write_text(
        doc.read_text().replace(
            "## ", "## Hail and roofs?\n\nRoofers in Manitoba plan for hail.\n\n"
            "Sources: https://www.constructionsafety.ca/cor-program/\n\n## ", 1
        )
    )
    calls = count_model_texts(monkeypatch)
    report = ingest(mine, rebuild=True)
    assert 0 < sum(calls) <= 10, calls  # the new chunk and its sentences, nothing else
    assert report.vectors_reused > report.chunks
    rows_after = sqlite3.connect(db).execute("SELECT count(*) FROM vectors").fetchone()[0]
    assert rows_after < rows_before  # the session corpus's other texts were pruned


def test_a_damaged_cache_is_started_again_and_an_unusable_one_is_skipped(
    tmp_path, small_corpus, fake_embedder, capsys
):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=small_corpus)
    (settings.data_dir / "cache").mkdir(parents=True)
    (settings.data_dir / "cache" / CACHE_FILE).write_bytes(b"not a database" * 100)
    first = ingest(settings)
    err = capsys.readouterr().err
    assert "embedding cache" in err and "damaged" in err and "starting it again" in err
    assert sqlite3.connect(settings.data_dir / "cache" / CACHE_FILE).execute(
        "SELECT count(*) FROM vectors"
    ).fetchone()[0] > 0

    (settings.data_dir / "cache" / CACHE_FILE).unlink()
    (settings.data_dir / "cache" / CACHE_FILE).mkdir()  # cannot be opened as a file at all
    again = ingest(settings, rebuild=True)
    assert again.chunks == first.chunks and again.vectors_reused == 0
    assert "embedding cache not used" in capsys.readouterr().err
