"""Shared fixtures: the socket guard, one embedding model and one real index per session."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

import assistant.settings  # noqa: F401  (offline switches first, before any test imports gradio)

sys.path.insert(0, str(Path(__file__).parent))
from netguard_core import attempts, install  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NETGUARD_DIR = Path(__file__).parent / "netguard"

install()  # every test, and everything it imports, runs with outbound connections refused


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
    return tmp_path_factory.mktemp("corguide-data")


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


def copy_index(settings, target: Path) -> Path:
    """A private copy of the session index, for tests that damage or change it.

    The ONNX export goes along to the copy's data dir (``target``'s parent): without it a child
    process on the copy would export the model again, importing torch (15 to 20 s).
    """
    shutil.copytree(settings.chroma_dir, target)
    onnx_cache = settings.data_dir / "cache" / "onnx"
    if onnx_cache.is_dir():
        shutil.copytree(onnx_cache, target.parent / "cache" / "onnx", dirs_exist_ok=True)
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
