"""Read the rules files of one folder: parse, validate against the schema, cache by folder.

A broken file is reported with its name and the field path, and a folder that failed is not
parsed again until one of its files changes. Which folder the tools read when they are not
handed one is decided by ``assistant.knowledge.rules_store`` (see
``assistant.knowledge.rules_lookup``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from assistant.errors import CorpusError
from assistant.knowledge.jurisdictions import JURISDICTIONS, NATIONAL
from assistant.knowledge.rules_schema import JurisdictionRules
from assistant.knowledge.yaml_strict import YAMLError, load_yaml

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "corpus" / "rules"
RULE_FILES: tuple[str, ...] = (*(code.lower() for code in JURISDICTIONS), NATIONAL)


def _format_error(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    msg = first["msg"]
    if first["type"] == "missing" and str(first["loc"][-1]) in {
        "sources",
        "last_verified",
        "confidence",
    }:
        msg += " (every rule value needs sources, last_verified and confidence)"
    elif first["type"] == "model_type":
        msg += " (a rule value is a mapping with value, sources, last_verified, confidence)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{path}: {loc}: {msg}{more}"


def load_rules_file(path: Path) -> JurisdictionRules:
    """Load and validate one rules file.

    Raises:
        CorpusError: the file is missing, is not YAML, or breaks the schema; the message names
            the file and the field path.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read rules file ({exc.strerror})") from None
    try:
        # Only true/false are booleans, so an unquoted ``ON`` stays the string "ON".
        data = load_yaml(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise CorpusError(f"{path}:{where} is not valid YAML") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: a rules file must be a mapping at the top level")
    try:
        rules = JurisdictionRules.model_validate(data)
    except ValidationError as exc:
        raise CorpusError(_format_error(path, exc)) from None
    if rules.code.lower() != path.stem.lower():
        raise CorpusError(f"{path}: code {rules.code!r} does not match the file name")
    return rules


def _folder_signature(rules_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of each rules file: an edited file is read again."""
    signature = []
    for stem in RULE_FILES:
        try:
            info = (rules_dir / f"{stem}.yaml").stat()
        except OSError:
            signature.append((stem, -1, -1))
            continue
        signature.append((stem, info.st_size, info.st_mtime_ns))
    return tuple(signature)


# Folders (with their file signature) that failed to load, and why.
_BROKEN: dict[tuple[Path, tuple[tuple[str, int, int], ...]], str] = {}


@lru_cache(maxsize=8)
def _load_dir(
    rules_dir: Path, signature: tuple[tuple[str, int, int], ...]
) -> dict[str, JurisdictionRules]:
    del signature  # part of the cache key only
    loaded: dict[str, JurisdictionRules] = {}
    for stem in RULE_FILES:
        path = rules_dir / f"{stem}.yaml"
        if not path.exists():
            raise CorpusError(f"{path}: rules file missing")
        rules = load_rules_file(path)
        loaded[rules.code] = rules
    return loaded


def load_rules_dir(rules_dir: Path | str) -> dict[str, JurisdictionRules]:
    """Load every rules file of a folder (13 jurisdictions and ``national``), validated, cached.

    Returns:
        Rules keyed by code (``"AB"`` ... ``"NU"``, ``"national"``), in ``JURISDICTIONS`` order.

    Raises:
        CorpusError: a file is missing or invalid (the message names the file and field).
    """
    folder = Path(rules_dir).resolve()
    key = (folder, _folder_signature(folder))
    if key in _BROKEN:  # a broken folder is not parsed again on every tool call
        raise CorpusError(_BROKEN[key])
    try:
        return dict(_load_dir(*key))
    except CorpusError as exc:
        _BROKEN[key] = str(exc)
        raise
