"""Is the index's SQLite file sound? Checked before Chroma opens it.

Chroma's own error for a damaged folder is a panic deep in its Rust core, so the store asks
SQLite first and raises `IndexCorruptError`, whose message names the rebuild.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.errors import IndexCorruptError


def _quick_check(uri: str) -> tuple | None:
    with sqlite3.connect(uri, uri=True) as conn:
        return conn.execute("PRAGMA quick_check").fetchone()


def _recovered_check(db: Path, exc: sqlite3.OperationalError) -> tuple | None:
    if "readonly" not in str(exc):
        return (str(exc),)
    try:
        return _quick_check(f"file:{db}?mode=rw")
    except sqlite3.DatabaseError as again:
        return (str(again),)


def check_sqlite(path: Path) -> None:
    """Chroma's own error for a damaged folder is a panic deep in its Rust core; check first."""
    db = path / "chroma.sqlite3"
    if not db.exists():
        return
    try:
        ok = _quick_check(f"file:{db}?mode=ro")
    except sqlite3.OperationalError as exc:
        # A process killed mid-write leaves a hot journal that read-only cannot roll back
        # ("attempt to write a readonly database"); read-write recovers it, as Chroma would.
        ok = _recovered_check(db, exc)
    except sqlite3.DatabaseError as exc:
        ok = (str(exc),)
    if not ok or ok[0] != "ok":
        raise IndexCorruptError(
            f"the index at {path} is damaged ({ok[0] if ok else 'unreadable'}); "
            "run `corguide ingest --rebuild` to build a fresh one"
        )
