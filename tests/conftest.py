"""Shared fixtures: the socket guard, one embedding model and one real index per session, the
fake embedder for tests of the wiring, and the served chat app and Chroma server."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

import assistant.settings  # noqa: F401  (offline switches first, before any test imports gradio)

sys.path.insert(0, str(Path(__file__).parent))
from fake_embedder import FakeEmbedder  # noqa: E402
from netguard_core import attempts, install  # noqa: E402

from assistant.index.embedding_cache import CACHE_FILE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NETGUARD_DIR = Path(__file__).parent / "netguard"

# Hypothesis properties check results, never speed: its 200 ms deadline per example failed a
# correct property in a fresh clone on a loaded machine (the house rule: no timed tests).
hypothesis_settings.register_profile("corguide", deadline=None)
hypothesis_settings.load_profile("corguide")

install()  # every test, and everything it imports, runs with outbound connections refused

# --doctest-modules (pyproject.toml) imports every module it collects: netguard's
# sitecustomize would install the guard a second time, and it holds no examples.
collect_ignore = ["netguard"]


# Fixtures that load the real model or ingest the real corpus: a test that uses one is marked
# `model`, so `make check` (pytest -m "not model ...") runs the fast rest in under a minute.
MODEL_FIXTURES = frozenset({"embedder", "built_index", "assistant", "cli_env"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(autouse=True)
def _no_network_attempts():
    """Fail any test whose code tried to reach the network, even if it swallowed the error."""
    before = len(attempts)
    yield
    new = attempts[before:]
    assert not new, f"test tried to reach the network: {new}"


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new data dir, with a copy of the project's embedding cache when it has one.

    `make test` ingests the project's own data dir first (`corguide eval` needs it), so the
    session index finds most of its 6,700 texts already embedded instead of spending a minute
    on them. The cache only holds what the model computes for a text, keyed by the model's
    files: a vector from it is the vector the model would give. A copy, so no test writes to
    the project's cache.
    """
    data = tmp_path_factory.mktemp("corguide-data")
    seed = ROOT / "data" / "cache" / CACHE_FILE
    if seed.is_file():
        (data / "cache").mkdir()
        shutil.copy(seed, data / "cache" / CACHE_FILE)
    return data


@pytest.fixture(scope="session")
def settings(session_data_dir: Path):
    """Settings pointing at a session-wide temporary data dir (the real corpus, real model)."""
    from assistant.settings import Settings

    return Settings(data_dir=session_data_dir, corpus_dir=ROOT / "corpus")


@pytest.fixture(scope="session")
def embedder(settings):
    from assistant.index.embeddings import load_embedder

    return load_embedder(settings.embedding_model)


@pytest.fixture(scope="session")
def built_index(settings, embedder):
    """The real corpus ingested once into a real embedded Chroma for the whole session."""
    from assistant.index.ingest import ingest

    return ingest(settings)


@pytest.fixture(scope="session")
def assistant(settings, built_index):
    from assistant.answering.chain import Assistant

    return Assistant.load(settings)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Environment for one test with its own data dir; returns a helper to run the CLI."""
    from assistant.settings import get_settings

    monkeypatch.setenv("CORGUIDE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def seed_caches(settings, data_dir: Path) -> Path:
    """Give a new data dir the session's caches: the ONNX export, so its first embed does not
    export the model again (importing torch and tracing it: 15 to 20 s per data dir), and the
    embedding cache, so its ingests embed only texts the session never embedded (the whole
    corpus: about 65 s), with the intent and place caches ingest writes beside them."""
    shutil.copytree(settings.data_dir / "cache", data_dir / "cache", dirs_exist_ok=True)
    return data_dir


def copy_index(settings, target: Path) -> Path:
    """A private copy of the session index, for tests that damage or change it.

    The ONNX export and the embedding cache go along to the copy's data dir (``target``'s
    parent): without them a child process on the copy would export the model again, importing
    torch (15 to 20 s), and a rebuild of the copy would embed every text again.
    """
    shutil.copytree(settings.chroma_dir, target)
    seed_caches(settings, target.parent)
    return target


def subprocess_env(extra: dict[str, str] | None = None, log: Path | None = None) -> dict[str, str]:
    """Environment for a child process held to the same no-network rule."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD_DIR), env.get("PYTHONPATH", "")]).strip(
        os.pathsep
    )
    if log is not None:
        env["CORGUIDE_NETGUARD_LOG"] = str(log)
    env.update(extra or {})
    return env


# ---- the fake embedder: tests of the wiring, in milliseconds ----------------------------------


@pytest.fixture
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    """Every `load_embedder` in this process returns a `FakeEmbedder` for this test.

    For tests of plumbing (what ingest adds, updates and removes, what the store holds, how the
    CLI fails): no model load, no ONNX export, the corpus embedded in milliseconds. Child
    processes are not affected. The modules that bound the name at import are patched too.
    """
    import assistant.answering.chain  # noqa: F401  (imported so its bound name is patched)
    import assistant.index.embeddings
    import assistant.index.ingest  # noqa: F401  (likewise)

    fake = FakeEmbedder()
    real = assistant.index.embeddings.load_embedder
    for module in list(sys.modules.values()):
        if getattr(module, "load_embedder", None) is real:
            monkeypatch.setattr(module, "load_embedder", lambda *args, **kwargs: fake)
    return fake


# ---- served apps: the chat on a loopback port, a real `chroma run` server ---------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(demo, host: str = "127.0.0.1") -> Iterator[str]:
    """``demo`` served as `corguide chat` serves it (`ui.app.launch_options`), on a free port;
    its address while the block runs, closed after."""
    from ui.app import launch_options  # imports gradio (seconds): only tests that serve pay

    port = free_port()
    demo.launch(**launch_options(host, port), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://{host}:{port}/"
    finally:
        demo.close()


@pytest.fixture(scope="module")
def chat_app(assistant, settings):
    """The chat app `corguide chat` builds around the session's assistant, one per module (so
    one module's votes and sessions never count against another's limits)."""
    from ui.app import build_app  # imports gradio (seconds): only tests that serve pay

    return build_app(assistant, settings)


@pytest.fixture(scope="module")
def served(chat_app) -> Iterator[tuple[str, object]]:
    """`chat_app` served on loopback: its address and the app."""
    with serve(chat_app) as url:
        yield url, chat_app


@pytest.fixture(scope="module")
def client(served):
    """A `gradio_client` on `served`, as another program would call the chat's API."""
    from gradio_client import Client

    return Client(served[0], verbose=False, analytics_enabled=False)


@contextmanager
def chroma_server(path: Path, ready_seconds: float = 60.0) -> Iterator[str]:
    """A real `chroma run` server from the installed package, storing in ``path``; its address
    once it accepts connections (polled every 0.1 s), stopped after."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    argv = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline and server.poll() is None:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def first_sentence(text: str) -> str:
    """The answer's lead: the first line that quotes a passage (it carries a [n] marker)."""
    return next(line for line in text.splitlines() if re.search(r"\[\d+\]", line))


def lead_of(answer) -> str:
    """The words of an answer's lead, without its citation marker."""
    return first_sentence(answer.answer).split("[")[0].strip()
