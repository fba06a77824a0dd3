"""Health checks for `corguide doctor`: each names the fix when it fails."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.errors import CorguideError, DataDirError
from assistant.index.embeddings import load_embedder, resolve_model_path
from assistant.index.ingest import index_status
from assistant.knowledge.corpus import load_corpus, unsourced_sections
from assistant.knowledge.rules_store import served_rules, using_corpus
from assistant.settings import Settings, check_data_dir, get_settings

# How many unsourced sections `doctor` names before "and N more".
SHOWN_UNSOURCED = 3


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False  # passes, but something should be fixed (shown as "warn")


def run_checks() -> list[Check]:
    """Settings, model, corpus, index: stop at the first check the others depend on."""
    checks: list[Check] = []
    try:
        settings = get_settings()
    except CorguideError as exc:
        return [Check("settings", False, str(exc), "fix or unset that CORGUIDE_ variable")]
    try:
        check_data_dir(settings.data_dir)
    except CorguideError as exc:
        return [Check("data dir", False, str(exc), "see the line above: it names the path")]
    where = settings.chroma_url or str(settings.chroma_dir)
    checks.append(Check("settings", True, f"data dir {settings.data_dir}; index at {where}"))

    try:
        path = resolve_model_path(settings.embedding_model)
        embedder = load_embedder(settings.embedding_model)
        dims = len(embedder.embed_query("test"))
        checks.append(Check("model", True, f"{embedder.model_id} from {path} ({dims} dimensions)"))
    except CorguideError as exc:
        checks.append(
            Check("model", False, str(exc), "run `make install` or fix CORGUIDE_EMBEDDING_MODEL")
        )
        return checks

    try:
        chunks = load_corpus(settings.corpus_dir)
        checks.append(Check("corpus", True, f"{len(chunks)} chunks from {settings.corpus_dir}"))
    except CorguideError as exc:
        checks.append(Check("corpus", False, str(exc), _corpus_fix(settings)))
        return checks
    checks.append(_sources_check(settings.corpus_dir))
    checks.append(_index_check(settings))
    return checks


def _corpus_fix(settings: Settings) -> str:
    """The fix for a broken corpus, and what answers use meanwhile when a rules file broke."""
    try:
        with using_corpus(settings.corpus_dir, settings.data_dir):
            served = served_rules()
    except CorguideError:
        return "fix the file named above"
    if served.problem is None:
        return "fix the file named above"
    return (
        "fix the file named above and run `corguide ingest`; until then answers and tools use "
        f"the last good rules saved at {served.folder}"
    )


def _sources_check(corpus_dir: Path) -> Check:
    """Sections with no Sources line of their own cite the whole document's list: count them."""
    missing = unsourced_sections(corpus_dir)
    if not missing:
        return Check("sources", True, "every guidance section has its own Sources line")
    shown = "; ".join(missing[:SHOWN_UNSOURCED])
    more = f" and {len(missing) - SHOWN_UNSOURCED} more" if len(missing) > SHOWN_UNSOURCED else ""
    return Check(
        "sources",
        True,
        f"{len(missing)} section(s) have no Sources line of their own and cite the whole "
        f"document's list: {shown}{more}",
        "add a 'Sources:' line to each section named",
        warn=True,
    )


def _index_check(settings: Settings) -> Check:
    try:
        status = index_status(settings)
    except DataDirError as exc:  # permissions: a rebuild would fail the same way
        return Check("index", False, str(exc), "see the line above: it names the path")
    except CorguideError as exc:
        return Check("index", False, str(exc), "run `corguide ingest --rebuild`")
    if status.exists and status.chunks and status.stored_fingerprint is None:
        return Check(
            "index",
            False,
            f"the index at {status.location} is incomplete ({status.chunks} chunks; the "
            "ingest that built it stopped before the end)",
            "run `corguide ingest` to complete it",
        )
    if not status.exists or status.chunks == 0:
        return Check("index", False, f"no index at {status.location}", "run `corguide ingest`")
    if not status.fresh:
        return Check(
            "index",
            False,
            f"the index at {status.location} is stale (the corpus changed)",
            "run `corguide ingest`",
        )
    return Check("index", True, f"{status.chunks} chunks, fresh, at {status.location}")
