"""Which rules every reader uses: the one configured corpus, or its last good copy.

Every reader of rules (the tools, the chain, the eligibility check, the rules passages) asks
here when it is not handed a folder, so ``CORGUIDE_CORPUS_DIR`` (or the ``Settings`` an
`Assistant` was loaded with) decides for all of them: the packaged rules are never mixed in
when a corpus is configured.

Each successful ingest saves a copy of the rules it validated in the data dir. When a rules file
is later broken (a string where a number belongs), answering goes on from that copy, which is
also what the index was built from, and the broken file is named in `doctor` and in every tool
result that used the copy.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import CorguideError, CorpusError
from assistant.knowledge.rules_loader import DEFAULT_RULES_DIR, load_rules_dir
from assistant.settings import get_settings

LAST_GOOD_DIRNAME = "rules-last-good"  # inside the data dir, written by every good ingest

# (rules folder, last good copy's folder) for the current call, set by `using_corpus`; unset
# means the process settings (``CORGUIDE_CORPUS_DIR`` / ``CORGUIDE_DATA_DIR``).
_ACTIVE: ContextVar[tuple[Path, Path | None] | None] = ContextVar("corguide_rules", default=None)


@dataclass(frozen=True)
class ServedRules:
    """The rules in use, the folder they came from, and why the configured one is not used."""

    rules: dict
    folder: Path
    problem: str | None = None  # the configured folder's error while the last good copy serves


def configured_folders() -> tuple[Path, Path | None]:
    """The configured rules folder and its last good copy's folder."""
    active = _ACTIVE.get()
    if active is not None:
        return active
    try:
        settings = get_settings()
    except CorguideError:
        return DEFAULT_RULES_DIR, None
    return settings.corpus_dir / "rules", settings.data_dir / LAST_GOOD_DIRNAME


@contextmanager
def using_corpus(corpus_dir: Path, data_dir: Path | None) -> Iterator[None]:
    """Within the block, readers without a folder of their own use this corpus's rules."""
    last_good = data_dir / LAST_GOOD_DIRNAME if data_dir is not None else None
    token = _ACTIVE.set((Path(corpus_dir) / "rules", last_good))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def served_rules() -> ServedRules:
    """The configured rules, or the last good copy (with the problem) when they are broken.

    Raises:
        CorpusError: the configured rules are broken and no good copy was saved yet.
    """
    folder, last_good = configured_folders()
    try:
        return ServedRules(load_rules_dir(folder), folder)
    except CorpusError as exc:
        problem = str(exc)
        if last_good is None or not _is_dir(last_good):
            raise CorpusError(
                f"{problem}; fix that file (no good copy of the rules was saved yet: "
                "`corguide ingest` saves one once the rules load)"
            ) from None
        try:
            rules = load_rules_dir(last_good)
        except CorpusError:
            raise exc from None
        return ServedRules(rules, last_good, problem)


def rules_problem_notice(served: ServedRules) -> str | None:
    """One line for an answer or a tool result: which file is broken and what is used instead."""
    if served.problem is None:
        return None
    return (
        f"a rules file is broken ({served.problem}); these results use the last good rules "
        f"saved by `corguide ingest` at {served.folder}. Fix the file and run `corguide ingest`."
    )


def save_last_good(rules_dir: Path, data_dir: Path) -> Path:
    """Copy validated rules into the data dir, replacing the previous copy in one rename."""
    target = data_dir / LAST_GOOD_DIRNAME
    staging = data_dir / f".{LAST_GOOD_DIRNAME}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    for path in sorted(rules_dir.glob("*.yaml")):
        if path.is_file():
            shutil.copy2(path, staging / path.name)
    old = None
    if target.exists():
        old = data_dir / f".{LAST_GOOD_DIRNAME}-old-{uuid.uuid4().hex[:8]}"
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False
