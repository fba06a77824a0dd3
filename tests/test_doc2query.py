"""Owner-style questions as extra vectors (doc2query), and sentence vectors made at ingest.

A section's ``Questions:`` line is data: parsed into the chunk, kept out of the citable text,
indexed as vectors that point to the chunk, and found by a question worded unlike the
section's heading and text. The sentence vectors the composer reads are computed once, at
ingest, never per question.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import seed_caches

from assistant.index.ingest import ingest, question_records
from assistant.index.sentence_vectors import load_store, store_path
from assistant.index.store import ChromaIndex
from assistant.knowledge.corpus import Chunk, load_corpus
from assistant.knowledge.sentences import sentences_of
from assistant.search.retrieve import HybridSearch
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# Heading and text speak of "retention" and "documentation"; the owner asks about shredding.
SECTION = """---
title: Keeping audit documentation
jurisdiction: general
programs: [COR]
topics: [records]
sources: [https://example.ca/records]
last_verified: 2026-11-30
---

# Keeping audit documentation

## What retention period applies to audit documentation?

Retain inspection forms, meeting minutes and training logs for the whole certification cycle.
Auditors sample these files during the review.

Questions: can I shred last year's safety paperwork | is it ok to bin old forms after the audit
Sources: https://example.ca/records
"""
ASKED = "is it ok to shred our old safety paperwork"


@pytest.fixture
def tmp_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "guidance").mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "guidance" / "manitoba.md", corpus / "guidance")
    (corpus / "guidance" / "records-test.md").write_text(SECTION)
    shutil.copytree(ROOT / "corpus" / "rules", corpus / "rules")
    # The rules' questions file is written by hand; these tests write their own.
    (corpus / "rules" / "questions.yaml").unlink(missing_ok=True)
    return corpus


def _section(chunks: list[Chunk]) -> Chunk:
    return next(c for c in chunks if c.doc_id == "records-test")


def test_questions_line_is_data_not_citable_text(tmp_corpus):
    chunk = _section(load_corpus(tmp_corpus))
    assert chunk.questions == (
        "can I shred last year's safety paperwork",
        "is it ok to bin old forms after the audit",
    )
    assert "Questions" not in chunk.text and "shred" not in chunk.text
    assert "Sources" not in chunk.text
    restored = Chunk.from_stored(chunk.id, chunk.text, chunk.metadata())
    assert restored.questions == chunk.questions
    # The hash covers the questions: a changed question re-indexes the chunk.
    doc = tmp_corpus / "guidance" / "records-test.md"
    doc.write_text(SECTION.replace("bin old forms", "toss old forms"))
    assert _section(load_corpus(tmp_corpus)).content_hash != chunk.content_hash


def test_rules_passages_read_their_questions_from_the_data_file(tmp_corpus):
    chunks = load_corpus(tmp_corpus)
    rule = next(c for c in chunks if c.kind == "rules")
    (tmp_corpus / "rules" / "questions.yaml").write_text(
        f"{rule.doc_id}:\n  {rule.section!r}:\n    - is there a worker cap for SECOR here\n"
    )
    again = next(c for c in load_corpus(tmp_corpus) if c.id == rule.id)
    assert again.questions == ("is there a worker cap for SECOR here",)
    assert all(not c.questions for c in chunks if c.kind == "rules" and c.id != rule.id)


def test_a_question_worded_unlike_the_heading_finds_its_section(
    tmp_corpus, tmp_path, settings, built_index, embedder
):
    # The session's ONNX export, copied: the new data dir does not export the model again.
    settings = Settings(data_dir=seed_caches(settings, tmp_path / "data"), corpus_dir=tmp_corpus)
    report = ingest(settings)
    chunks = load_corpus(tmp_corpus)
    assert report.questions == len(question_records(chunks)) > len(chunks)
    index = ChromaIndex(settings, embedder)
    section = _section(chunks)

    vector = embedder.embed_query(ASKED)
    own = {h.chunk.id: h.score for h in index.query(vector, 50)}.get(section.id, 0.0)
    parents = dict(index.query_questions(vector, 50))
    assert parents[section.id] > own + 0.1, "the owner's question is closer than the text"

    search = HybridSearch(index)
    found = search.search(ASKED, k=5)
    assert section.id in [p.chunk.id for p in found], [p.chunk.id for p in found]
    top = next(p for p in found if p.chunk.id == section.id)
    assert top.similarity == pytest.approx(parents[section.id])
    assert "shred" not in top.chunk.text  # found by its question, cited by its text
    # Without its question vectors the same search does not find it.
    search.index.query_questions = lambda *args, **kwargs: []
    assert section.id not in [p.chunk.id for p in search.search(ASKED, k=5)]

    # Removing the section removes its question vectors.
    (tmp_corpus / "guidance" / "records-test.md").unlink()
    ingest(settings)
    stored = ChromaIndex(settings, embedder).stored_question_hashes()
    assert not [rid for rid in stored if rid.startswith(section.id + "#")]


def test_sentence_vectors_are_made_at_ingest_once_with_the_fake_embedder(
    tmp_corpus, tmp_path, fake_embedder
):
    """Bookkeeping (which sentences are embedded, and when), so the fake embedder serves."""
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_corpus)
    first = ingest(settings)
    chunks = load_corpus(tmp_corpus)
    spans = sum(len(sentences_of(c.text)) for c in chunks)
    assert first.sentences == first.sentences_embedded == spans
    store = load_store(store_path(settings))
    for chunk in chunks:
        assert store.for_chunk(chunk).shape == (len(sentences_of(chunk.text)), 384)
    # Unchanged corpus: nothing embedded. A changed date only: the sentences are reused.
    assert ingest(settings).sentences_embedded == 0
    doc = tmp_corpus / "guidance" / "records-test.md"
    doc.write_text(SECTION.replace("2026-11-30", "2026-12-01"))
    again = ingest(settings)
    assert again.updated == 1 and again.sentences_embedded == 0


def test_no_sentence_is_embedded_per_question(assistant, monkeypatch):
    """Answering embeds the question once; the sentences' vectors come from the index."""
    embedder = assistant.search.index.embedder
    seen: list[int] = []
    real = type(embedder).embed

    def counting(self, texts, batch_size=32):
        seen.append(len(texts))
        return real(self, texts, batch_size)

    monkeypatch.setattr(type(embedder), "embed", counting)
    for question in (
        "what does an external COR audit cost?",
        "how long does it take to get SECOR",
        "What pass mark does a COR audit need in Manitoba?",
    ):
        answer = assistant.ask(question)
        assert answer.citations, answer.answer
    assert sum(seen) <= 3, f"embedded {seen} texts for 3 questions"
    passages = assistant.search.search("What is SECOR?", k=3)
    assert all(p.sentence_vectors is not None for p in passages)
