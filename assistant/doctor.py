"""Health checks for `corguide doctor`: each names the fix when it fails."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.errors import CorguideError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks() -> list[Check]:
    """Settings, model, corpus, index: stop at the first check the others depend on."""
    from assistant.settings import get_settings

    checks: list[Check] = []
    try:
        settings = get_settings()
    except CorguideError as exc:
        return [Check("settings", False, str(exc), "fix or unset that CORGUIDE_ variable")]
    where = settings.chroma_url or str(settings.chroma_dir)
    checks.append(Check("settings", True, f"data dir {settings.data_dir}; index at {where}"))

    from assistant.embeddings import load_embedder, resolve_model_path

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

    from assistant.corpus import load_corpus

    try:
        chunks = load_corpus(settings.corpus_dir)
        checks.append(Check("corpus", True, f"{len(chunks)} chunks from {settings.corpus_dir}"))
    except CorguideError as exc:
        checks.append(Check("corpus", False, str(exc), "fix the file named above"))
        return checks

    from assistant.ingest import index_status

    try:
        status = index_status(settings)
    except CorguideError as exc:
        checks.append(Check("index", False, str(exc), "run `corguide ingest --rebuild`"))
        return checks
    if not status.exists or status.chunks == 0:
        checks.append(
            Check("index", False, f"no index at {status.location}", "run `corguide ingest`")
        )
    elif not status.fresh:
        checks.append(
            Check(
                "index",
                False,
                f"the index at {status.location} is stale (the corpus changed)",
                "run `corguide ingest`",
            )
        )
    else:
        checks.append(Check("index", True, f"{status.chunks} chunks, fresh, at {status.location}"))
    return checks
