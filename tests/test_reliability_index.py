"""The index survives what happens to a long-running install (issue 8).

A missing index is named with its fix (the CLI building it on first use is in
test_reliability_network.py, under the socket guard); a damaged one is named with the rebuild
command; an ingest killed midway (SIGKILL, at a random moment after its writes have
begun) leaves an index that still answers, and the next ingest completes it with no duplicate
or missing chunk; a rebuild killed between its two last steps is finished on the next open;
and an assistant that is answering while another process ingests keeps answering.

Everything runs on a copy of a small index (three guidance documents and the rules) made from
the session index by deletion, so no test here embeds the whole corpus.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_index, subprocess_env

from assistant.answering.chain import Assistant
from assistant.errors import IndexCorruptError, IndexMissingError
from assistant.index.ingest import ingest, question_records
from assistant.index.sentence_vectors import load_store, store_path
from assistant.index.store import STAGING_INFIX, ChromaIndex
from assistant.index.vector_memory import load_memory
from assistant.knowledge.corpus import corpus_fingerprint, load_corpus
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORGUIDE = str(Path(sys.executable).parent / "corguide")
SMALL_DOCS = ("alberta.md", "manitoba.md", "choosing-cor-or-secor.md")
KILL_ATTEMPTS = ("", "--rebuild")  # ingest modes, one subprocess each
KILL_BUDGET_SECONDS = 300
QUESTIONS = [
    "What is the SECOR limit in Saskatchewan?",
    "How does COR work in Yukon?",
    "What is the SECOR limit in Alberta?",
    "What does a COR audit involve?",
]


@pytest.fixture(scope="module")
def template(settings, built_index, tmp_path_factory) -> Path:
    """A small corpus and its index, trimmed from the session index (nothing is embedded)."""
    base = tmp_path_factory.mktemp("reliability-index")
    guidance = base / "corpus" / "guidance"
    guidance.mkdir(parents=True)
    for name in SMALL_DOCS:
        shutil.copy(ROOT / "corpus" / "guidance" / name, guidance / name)
    shutil.copytree(ROOT / "corpus" / "rules", base / "corpus" / "rules")
    copy_index(settings, base / "data" / "chroma")
    report = ingest(Settings(data_dir=base / "data", corpus_dir=base / "corpus"))
    assert report.embedded == 0 and report.removed > 100
    return base


def fresh(template: Path, dest: Path) -> Settings:
    """A private copy of the template's corpus and index."""
    shutil.copytree(template / "corpus", dest / "corpus")
    shutil.copytree(template / "data", dest / "data")
    return Settings(data_dir=dest / "data", corpus_dir=dest / "corpus")


def change_corpus(corpus: Path) -> None:
    """Update one document, remove one, add two: every kind of write an ingest makes."""
    alberta = corpus / "guidance" / "alberta.md"
    text = re.sub(r"last_verified: .*", "last_verified: 2026-01-02", alberta.read_text(), count=1)
    alberta.write_text(text)
    (corpus / "guidance" / "manitoba.md").unlink()
    for name in ("saskatchewan.md", "yukon.md"):
        shutil.copy(ROOT / "corpus" / "guidance" / name, corpus / "guidance" / name)


def cli_env(settings: Settings, log: Path) -> dict[str, str]:
    return subprocess_env(
        {
            "CORGUIDE_DATA_DIR": str(settings.data_dir),
            "CORGUIDE_CORPUS_DIR": str(settings.corpus_dir),
        },
        log,
    )


def collection_names(index: ChromaIndex) -> list[str]:
    return sorted(getattr(c, "name", c) for c in index.client.list_collections())


def assert_complete(settings: Settings, embedder) -> None:
    """The index holds exactly the corpus: every chunk once, current, and searchable."""
    chunks = load_corpus(settings.corpus_dir)
    index = ChromaIndex(settings, embedder)
    got = index.collection.get(include=["metadatas"])
    ids = got["ids"]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    assert set(ids) == {c.id for c in chunks}, "missing or extra chunks"
    stored = {i: m["content_hash"] for i, m in zip(ids, got["metadatas"], strict=True)}
    assert stored == {c.id: c.content_hash for c in chunks}, "stale chunks"
    assert index.fingerprint() == corpus_fingerprint(chunks, embedder.model_id)
    # Every stored chunk is found by the search answers use: the exact search over the vectors
    # copy ingest wrote (Chroma's HNSW is approximate: after updates a search for everything
    # can miss live records, which failed this check in a fresh clone with nothing lost).
    memory = load_memory(index, chunks, index.fingerprint())
    assert memory is not None, "no vectors to search"
    found = memory.query(embedder.embed_query("SECOR"), k=len(ids))
    assert {h.chunk.id for h in found} == set(ids), "chunks stored but not searchable"
    # The question vectors and the sentence vectors are complete and current too.
    questions = {rid: chunk.content_hash for rid, (chunk, _) in question_records(chunks).items()}
    assert index.stored_question_hashes() == questions, "missing, extra or stale questions"
    assert index.questions_fingerprint() == index.fingerprint()
    store = load_store(store_path(settings))
    assert all(store.for_chunk(c) is not None for c in chunks), "missing sentence vectors"
    assert collection_names(index) == sorted([settings.collection, index.questions_name]), (
        "a staging copy was left behind"
    )


def assert_answers(settings: Settings) -> None:
    answer = Assistant.load(settings).ask("What is the SECOR limit in Alberta?")
    assert answer.citations, answer.answer


# ---- a missing or damaged index -------------------------------------------------------------


@pytest.mark.parametrize("make", ["no data dir", "empty chroma folder"])
def test_library_names_the_fix_for_a_missing_index(template, tmp_path, make):
    data = tmp_path / "data"
    if make == "empty chroma folder":
        (data / "chroma").mkdir(parents=True)
    settings = Settings(data_dir=data, corpus_dir=template / "corpus")
    with pytest.raises(IndexMissingError, match="corguide ingest"):
        Assistant.load(settings)


@pytest.mark.parametrize("damage", ["sqlite truncated", "sqlite overwritten", "folder is a file"])
def test_a_damaged_index_is_named_with_the_rebuild_fix(template, tmp_path, damage):
    settings = fresh(template, tmp_path)
    db = settings.chroma_dir / "chroma.sqlite3"
    if damage == "sqlite truncated":
        with open(db, "r+b") as f:
            f.truncate(db.stat().st_size // 2)
    elif damage == "sqlite overwritten":
        with open(db, "r+b") as f:
            f.seek(4096)
            f.write(b"\x00garbage" * 2048)
    else:
        shutil.rmtree(settings.chroma_dir)
        settings.chroma_dir.write_text("not an index")
    with pytest.raises(IndexCorruptError, match=r"corguide ingest --rebuild") as info:
        Assistant.load(settings)
    assert "\n" not in str(info.value)


# ---- an ingest killed midway ----------------------------------------------------------------


def _max_seq(db: Path) -> int | None:
    """The last write in Chroma's log: it moves when an ingest starts writing."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as conn:
            return conn.execute("SELECT max(seq_id) FROM embeddings_queue").fetchone()[0]
    except sqlite3.Error:
        return None


def _ingest_and_kill(settings: Settings, mode: str, delay: float, log: Path) -> tuple[bool, int]:
    """Run `corguide ingest [mode]` and SIGKILL it ``delay`` s after its first write."""
    db = settings.chroma_dir / "chroma.sqlite3"
    before = _max_seq(db)
    assert before is not None
    with open(log.with_suffix(".stderr"), "wb") as err:
        proc = subprocess.Popen(
            [CORGUIDE, "ingest", "--quiet", *([mode] if mode else [])],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=cli_env(settings, log),
        )
        killed = False
        deadline = time.monotonic() + 240
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                seq = _max_seq(db)
                if seq is not None and seq > before:
                    time.sleep(delay)
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    break
                time.sleep(0.003)
        finally:
            if proc.poll() is None and not killed:
                proc.kill()
            code = proc.wait(timeout=60)
    return killed and code == -signal.SIGKILL, code


def test_ingest_killed_midway_leaves_an_answering_index_and_the_next_completes(
    template, tmp_path, embedder
):
    rng = random.Random(8)
    started = time.monotonic()
    midway = 0
    for attempt, mode in enumerate(KILL_ATTEMPTS):
        if time.monotonic() - started > KILL_BUDGET_SECONDS:
            break
        settings = fresh(template, tmp_path / f"attempt-{attempt}")
        change_corpus(settings.corpus_dir)
        log = tmp_path / f"attempt-{attempt}.net.log"
        killed, code = _ingest_and_kill(settings, mode, rng.uniform(0.0, 0.03), log)
        assert killed or code == 0, log.with_suffix(".stderr").read_text()
        assert not log.exists(), log.read_text()

        # The index the killed ingest left still answers.
        assert_answers(settings)
        index = ChromaIndex(settings, embedder)
        expected = corpus_fingerprint(load_corpus(settings.corpus_dir), embedder.model_id)
        midway += killed and index.fingerprint() != expected

        # The next ingest completes it: every chunk once, current, searchable; no staging left.
        report = ingest(settings)
        assert report.chunks == len(load_corpus(settings.corpus_dir))
        assert_complete(settings, embedder)
        assert_answers(settings)
    assert midway >= 1, "no attempt was killed while writing: the test proved nothing"


def test_a_rebuild_killed_between_delete_and_rename_is_finished_on_open(
    template, tmp_path, embedder
):
    """`ingest --rebuild` deletes the live collection, then renames the complete staging one;
    a kill between the two leaves only the staging copy. The next open finishes the swap, and
    the next ingest removes incomplete staging copies left by earlier kills."""
    settings = fresh(template, tmp_path)
    index = ChromaIndex(settings, embedder)
    live = index.client.get_collection(settings.collection, embedding_function=index._ef)
    live.modify(name=f"{settings.collection}{STAGING_INFIX}0badf00d")
    index.client.create_collection(
        f"{settings.collection}{STAGING_INFIX}deadbeef",
        embedding_function=index._ef,
        configuration={"hnsw": {"space": "cosine"}},
    )

    assert_answers(settings)
    names = collection_names(ChromaIndex(settings, embedder))
    assert (
        settings.collection in names
        and f"{settings.collection}{STAGING_INFIX}0badf00d" not in names
    )

    report = ingest(settings)
    assert report.embedded == 0
    assert_complete(settings, embedder)


# ---- queries while another process ingests ----------------------------------------------------


def test_queries_during_an_ingest_keep_getting_answers(template, tmp_path):
    """A loaded assistant (the chat app) keeps answering while `corguide ingest` adds, updates
    and removes chunks, and then while `corguide ingest --rebuild` swaps in a new collection."""
    settings = fresh(template, tmp_path)
    assistant = Assistant.load(settings)
    change_corpus(settings.corpus_dir)
    for mode in ("", "--rebuild"):
        log = tmp_path / f"net{mode}.log"
        with open(tmp_path / f"ingest{mode}.stderr", "wb") as err:
            proc = subprocess.Popen(
                [CORGUIDE, "ingest", "--quiet", *([mode] if mode else [])],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=cli_env(settings, log),
            )
            asked, failures = 0, []
            deadline = time.monotonic() + 400
            while (proc.poll() is None or asked < 8) and time.monotonic() < deadline:
                question = QUESTIONS[asked % len(QUESTIONS)]
                asked += 1
                try:
                    answer = assistant.ask(question)
                except Exception as exc:  # noqa: BLE001 - every failure is reported below
                    failures.append(f"{question}: {type(exc).__name__}: {exc}")
                    continue
                if not answer.answer.strip():
                    failures.append(f"{question}: empty answer")
            code = proc.wait(timeout=60)
        assert code == 0, (tmp_path / f"ingest{mode}.stderr").read_text()
        assert not failures, f"{len(failures)} of {asked} failed, e.g. {failures[:3]}"
        assert asked > 8
        assert not log.exists(), log.read_text()
    # After the swap, the same assistant searches the new live collection.
    assert assistant.search.index.count() == len(load_corpus(settings.corpus_dir))
    assert assistant.ask("What is the SECOR limit in Saskatchewan?").citations


# ---- issue 18: the one configured corpus, partial indexes, broken rules, data dirs ------------


def run_cli(argv: list[str], settings: Settings, monkeypatch, capsys) -> tuple[int, str, str]:
    """`corguide <argv>` in this process, with the settings' data and corpus dirs."""
    from assistant.cli.main import main
    from assistant.settings import get_settings

    monkeypatch.setenv("CORGUIDE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CORGUIDE_CORPUS_DIR", str(settings.corpus_dir))
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
    finally:
        get_settings.cache_clear()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_every_reader_takes_the_rules_of_the_configured_corpus(
    template, tmp_path, monkeypatch, capsys
):
    """Alberta's SECOR limit raised to 25 in the copy: the tool, the chain and the passage
    all say 25, none falls back to the packaged rules (which say 10)."""
    settings = fresh(template, tmp_path)
    rules = settings.corpus_dir / "rules" / "ab.yaml"
    text = rules.read_text()
    assert text.count("value: {max: 10, inclusive: true}") == 1
    rules.write_text(text.replace("value: {max: 10, inclusive: true}", "value: {max: 25, "
                                  "inclusive: true}"))  # fmt: skip
    ingest(settings)

    code, out, err = run_cli(["check", "-p", "AB", "--workers", "20", "--json"], settings,
                             monkeypatch, capsys)  # fmt: skip
    assert code == 0, err
    assert "SECOR" in json.loads(out)["eligible"]

    answer = Assistant.load(settings).ask("I have 20 workers in Alberta. Which program fits?")
    [call] = [c for c in answer.tool_calls if c.name == "check_eligibility"]
    assert "SECOR" in call.result["eligible"], answer.answer
    assert "25" in answer.answer


def test_an_index_without_its_completion_marker_is_said_and_completed(
    template, tmp_path, embedder, monkeypatch, capsys
):
    """The first ingest killed after part of its writes: chunks stored, fingerprint never
    written. Loading refuses to answer from it, and the CLI says so and completes it."""
    settings = fresh(template, tmp_path)
    index = ChromaIndex(settings, embedder)
    ids = index.collection.get(include=[])["ids"]
    index.collection.delete(ids=ids[: len(ids) // 3])
    meta = {
        k: v for k, v in (index.collection.metadata or {}).items() if k != "corguide_fingerprint"
    }
    index.collection.modify(metadata=meta or {"note": "killed"})
    assert ChromaIndex(settings, embedder).fingerprint() is None

    from assistant.errors import IndexIncompleteError

    with pytest.raises(IndexIncompleteError, match=r"incomplete .*corguide ingest"):
        Assistant.load(settings)
    code, out, err = run_cli(["ask", "--json", "What is SECOR?"], settings, monkeypatch, capsys)
    assert code == 0, err
    assert "is incomplete" in err and "completing it now" in err
    assert json.loads(out)["citations"]
    assert_complete(settings, embedder)


def _break_rules(settings: Settings) -> Path:
    path = settings.corpus_dir / "rules" / "ab.yaml"
    text = path.read_text()
    broken = re.sub(r"(stated_min_workers:\n\s+value:) 10", r'\1 "ten"', text, count=1)
    assert broken != text
    path.write_text(broken)
    return path


def test_a_broken_rules_file_serves_the_last_good_rules_and_is_named(
    template, tmp_path, monkeypatch, capsys
):
    settings = fresh(template, tmp_path)
    broken = _break_rules(settings)
    from assistant.errors import CorpusError

    with pytest.raises(CorpusError, match="ab.yaml"):
        ingest(settings)  # ingest still refuses, and changes nothing

    answer = Assistant.load(settings).ask("I have 8 workers in Alberta, which program fits?")
    assert not answer.refused and answer.tool_calls
    assert str(broken) in answer.answer and "last good rules" in answer.answer
    [call] = [c for c in answer.tool_calls if c.name == "check_eligibility"]
    assert call.result["recommended"] == "SECOR"
    assert call.result["warnings"][0]["kind"] == "broken_rules"

    code, out, err = run_cli(["check", "-p", "AB", "-w", "8", "--json"], settings,
                             monkeypatch, capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["warnings"][0]["kind"] == "broken_rules"

    code, out, _ = run_cli(["doctor"], settings, monkeypatch, capsys)
    assert code == 1
    assert f"FAIL corpus: {broken}" in out and "last good rules" in out


def test_a_broken_rules_file_with_no_good_copy_says_how_to_fix_it(template, tmp_path):
    settings = fresh(template, tmp_path)
    shutil.rmtree(settings.data_dir / "rules-last-good")
    _break_rules(settings)
    from assistant.errors import CorpusError

    with pytest.raises(CorpusError, match=r"ab\.yaml.*no good copy"):
        Assistant.load(settings)


def _deny(monkeypatch, target: Path, how: str) -> None:
    """Make ``target`` read-only (or its contents unreachable) for this process.

    As root, permission bits do not bind, so the refusal the operating system gives a normal
    user is given by the same call it would come from.
    """
    import os

    if how == "read-only":
        for path in [target, *target.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        if os.geteuid() == 0:
            real = os.access
            monkeypatch.setattr(
                os, "access",
                lambda p, mode, **kw: False if (mode & os.W_OK) and str(p).startswith(str(target))
                else real(p, mode, **kw),
            )  # fmt: skip
    else:
        target.chmod(0)
        if os.geteuid() == 0:
            real_stat = Path.stat

            def stat(self, **kw):
                if str(self).startswith(str(target) + "/"):
                    raise PermissionError(13, "Permission denied", str(self))
                return real_stat(self, **kw)

            monkeypatch.setattr(Path, "stat", stat)


@pytest.mark.parametrize("problem", ["a file in its place", "read-only", "unreadable parent"])
def test_an_unusable_data_dir_gets_one_line_with_the_path_and_the_fix(
    template, tmp_path, monkeypatch, capsys, problem
):
    settings = fresh(template, tmp_path)
    data = settings.data_dir
    if problem == "a file in its place":
        shutil.rmtree(data)
        data.write_text("not a folder")
    elif problem == "read-only":
        _deny(monkeypatch, data, "read-only")
    else:
        data = tmp_path / "locked" / "data"
        shutil.copytree(settings.data_dir, data)
        settings = Settings(data_dir=data, corpus_dir=settings.corpus_dir)
        _deny(monkeypatch, data.parent, "unreadable")
    try:
        for argv in (["ask", "What is SECOR?"], ["ingest", "--rebuild"], ["doctor"]):
            code, out, err = run_cli(argv, settings, monkeypatch, capsys)
            said = err if argv[0] != "doctor" else out
            assert code != 0, (argv, said)
            assert "Traceback" not in err + out and "moved the damaged index" not in err
            assert str(data) in said and "CORGUIDE_DATA_DIR" in said, (argv, said)
            assert "--rebuild" not in said, (argv, said)
            if argv[0] != "doctor":
                assert len(err.strip().splitlines()) == 1, err
    finally:
        monkeypatch.undo()
        for path in (tmp_path / "locked", settings.data_dir):
            if path.is_dir():
                path.chmod(0o755)
    if problem == "a file in its place":
        assert data.read_text() == "not a folder"  # nothing was moved or overwritten


def test_rebuilds_and_killed_rebuilds_leave_no_old_copies(template, tmp_path, embedder):
    """Chroma leaves a deleted collection's vector folder on disk: a killed rebuild's staging
    copy, and the old index after a repair, must not pile up. One damaged copy is kept."""
    settings = fresh(template, tmp_path)
    index = ChromaIndex(settings, embedder)
    staged = index.client.create_collection(
        f"{settings.collection}{STAGING_INFIX}0badf00d",
        embedding_function=index._ef,
        configuration={"hnsw": {"space": "cosine"}},
    )
    chunks = load_corpus(settings.corpus_dir)[:40]
    staged.add(
        ids=[c.id for c in chunks],
        documents=[c.text for c in chunks],
        embeddings=embedder.embed([c.text for c in chunks]),
    )
    del staged, index

    def vector_folders() -> set[str]:
        return {p.name for p in settings.chroma_dir.iterdir() if p.is_dir()}

    def live_segments() -> set[str]:
        with sqlite3.connect(settings.chroma_dir / "chroma.sqlite3") as conn:
            return {row[0] for row in conn.execute("SELECT id FROM segments")}

    assert vector_folders() - live_segments() or len(vector_folders()) == 3
    report = ingest(settings)  # a normal ingest after the killed rebuild
    assert report.embedded == 0
    assert vector_folders() <= live_segments(), "the killed rebuild's copy was left behind"

    old = settings.chroma_dir.with_name("chroma.damaged-20000101-000000")
    old.mkdir()
    db = settings.chroma_dir / "chroma.sqlite3"
    with open(db, "r+b") as f:
        f.truncate(db.stat().st_size // 2)
    report = ingest(settings, rebuild=True)
    kept = sorted(p.name for p in settings.data_dir.glob("chroma.damaged-*"))
    assert len(kept) == 1 and kept[0] != old.name, kept
    assert report.backup and report.backup.endswith(kept[0])
    assert kept[0] in report.summary()
    assert vector_folders() <= live_segments()
    assert_complete(settings, embedder)


# ---- issue 18 item 10: the corpus loader ------------------------------------------------------


@pytest.fixture
def small_copy(tmp_path) -> Path:
    """A corpus of the three small documents and the rules (no index)."""
    guidance = tmp_path / "corpus" / "guidance"
    guidance.mkdir(parents=True)
    for name in SMALL_DOCS:
        shutil.copy(ROOT / "corpus" / "guidance" / name, guidance / name)
    shutil.copytree(ROOT / "corpus" / "rules", tmp_path / "corpus" / "rules")
    return tmp_path / "corpus"


def _load_in_time(corpus: Path) -> object:
    """load_corpus in a thread: a read that blocks (a FIFO) fails the test instead of hanging."""
    import threading

    outcome: list[object] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_outcome(lambda: load_corpus(corpus))), daemon=True
    )
    worker.start()
    worker.join(timeout=60)
    assert outcome, "loading the corpus hung"
    return outcome[0]


def _outcome(call) -> object:
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the test inspects what was raised
        return exc


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("Alberta.md beside alberta.md", "differ only in case"),
        ("rules-ab.md", "reserved for the rules passages"),
        ("a FIFO named x.md", "not a regular file"),
        ("a folder named y.md", "not a regular file"),
        ("a 5 MB guidance file", "over the 262,144-byte limit"),
    ],
)
def test_the_corpus_loader_refuses_what_it_cannot_index_safely(small_copy, make, message):
    import os

    from assistant.errors import CorpusError

    guidance = small_copy / "guidance"
    alberta = (guidance / "alberta.md").read_text()
    if make.startswith("Alberta.md"):
        (guidance / "Alberta.md").write_text(alberta)
    elif make == "rules-ab.md":
        (guidance / "rules-ab.md").write_text(alberta)
    elif make.startswith("a FIFO"):
        os.mkfifo(guidance / "x.md")
    elif make.startswith("a folder"):
        (guidance / "y.md").mkdir()
    else:
        (guidance / "big.md").write_text(alberta + "\n\nfiller text " * 420_000)
    got = _load_in_time(small_copy)
    assert isinstance(got, CorpusError), got
    assert message in str(got) and "\n" not in str(got)


def test_doctor_counts_sections_without_their_own_sources(small_copy, tmp_path, monkeypatch,
                                                          capsys):  # fmt: skip
    path = small_copy / "guidance" / "alberta.md"
    text = path.read_text()
    sections = re.findall(r"\nSources?: [^\n]*", text)
    path.write_text(text.replace(sections[0], "", 1).replace(sections[1], "", 1))
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=small_copy)
    code, out, _ = run_cli(["doctor"], settings, monkeypatch, capsys)
    assert "warn sources: 2 section(s) have no Sources line of their own" in out, out
    assert "alberta.md: " in out
