"""The source's own date, next to the date the corpus was checked.

Every passage carries ``last_verified`` (the day the corpus was checked against its sources), but
that is not the date of the source page, and the pages date from 2006 to 2024. This module reads
``corpus/sources.yaml``, which gives, for each source the corpus cites, the source's own date
(``YYYY`` or ``YYYY-MM-DD``) where the reference compilation or the page gives one, else null,
so a citation can say both: "source dated 2017; checked 2026-11-30".

Run ``python -m assistant.knowledge.sources`` to list the corpus sources that ``sources.yaml``
lacks.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from assistant.errors import CorpusError
from assistant.knowledge.corpus import parse_document
from assistant.knowledge.rules import Partner, Sourced, load_rules
from assistant.knowledge.source_refs import NAMED_SOURCES
from assistant.knowledge.yaml_strict import load_yaml

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
SOURCES_FILE = CORPUS_DIR / "sources.yaml"
_DATE = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")
_URL = re.compile(r"https?://[^\s,;]+")


def _check_date(path: Path, url: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise CorpusError(
            f"{path}: the date of {url} must be a quoted 'YYYY' or 'YYYY-MM-DD' or null, "
            f"got {value!r}"
        )
    if len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise CorpusError(f"{path}: the date of {url} is not a real date ({value})") from None
    return value


def load_sources(path: Path | str | None = None) -> dict[str, str | None]:
    """Read ``sources.yaml``: source (address or named source) -> its own date or None.

    Raises:
        CorpusError: the file is missing, is not YAML, or holds a key that is not an address or
            named source, or a date that is not a quoted ``YYYY`` or ``YYYY-MM-DD``.
    """
    file = Path(path) if path is not None else SOURCES_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CorpusError(f"{file}: cannot read the sources file ({exc.strerror})") from None
    try:
        data = load_yaml(text)
    except Exception:  # noqa: BLE001 - any YAML error becomes one message with the file name
        raise CorpusError(f"{file}: is not valid YAML") from None
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, dict):
        raise CorpusError(f"{file}: needs a 'sources' mapping of source -> date or null")
    out: dict[str, str | None] = {}
    for key, value in sources.items():
        if not isinstance(key, str) or not (
            key.startswith(("https://", "http://")) or key in NAMED_SOURCES
        ):
            raise CorpusError(f"{file}: {key!r} is not a web address or a named source")
        out[key] = _check_date(file, key, value)
    return out


@lru_cache(maxsize=1)
def _default_sources() -> dict[str, str | None]:
    return load_sources()


def _normalise(url: str) -> str:
    return url.strip().rstrip(".")


def source_date(url: str) -> str | None:
    """The source's own date (``YYYY`` or ``YYYY-MM-DD``), or None where it is not known.

    An address cut short at a bracket (as a ``Sources:`` line parser may do) is matched to the
    one full address it begins.

    Example:
        >>> source_date("https://www.safetydriven.ca/2017/04/07/the-audit-cycle-keeping-your-cor/")
        '2017-04-07'
        >>> source_date("https://www.ihsa.ca/COR/COR-FAQ-s.aspx") is None
        True
        >>> source_date("https://example.org/not-in-the-corpus") is None
        True
    """
    table = _default_sources()
    key = _normalise(url)
    if key in table:
        return table[key]
    if key.endswith("(") or "(" in key and ")" not in key:
        longer = [k for k in table if k.startswith(key)]
        if len(longer) == 1:
            return table[longer[0]]
    return None


def date_line(url: str, checked: str | date) -> str:
    """The date note for a citation: the source's own date and the day the corpus checked it.

    Example:
        >>> date_line("http://businessdocbox.com/Human_Resources/100579353-Prevention-rebate-what-s-new.html", "2026-11-30")
        'source dated 2017; checked 2026-11-30'
        >>> date_line("https://www.ihsa.ca/COR/COR-FAQ-s.aspx", "2026-11-30")
        'source date unknown; checked 2026-11-30'
    """  # noqa: E501
    day = checked.isoformat() if isinstance(checked, date) else str(checked).strip()
    own = source_date(url)
    lead = f"source dated {own}" if own else "source date unknown"
    return f"{lead}; checked {day}"


def corpus_sources(corpus_dir: Path | str | None = None) -> list[str]:
    """Every source the corpus cites: the guidance front matter and Sources lines, and the rules.

    Example:
        >>> "https://www.ihsa.ca/COR/COR-FAQ-s.aspx" in corpus_sources()
        True
    """
    folder = Path(corpus_dir) if corpus_dir is not None else CORPUS_DIR
    found: list[str] = []
    for path in sorted((folder / "guidance").glob("*.md")):
        doc = parse_document(path)
        found += [str(s) for s in doc.meta["sources"]]
        for line in doc.body.splitlines():
            if line.startswith(("Sources:", "Source:")):
                for url in _URL.findall(line):
                    found.append(_balance(url.rstrip(".")))
                found += [name for name in NAMED_SOURCES if name in line]
    rules_dir = folder / "rules"
    for rules in load_rules(rules_dir).values():
        found += _rule_sources(rules)
    return list(dict.fromkeys(_normalise(s) for s in found))


def _balance(url: str) -> str:
    """Drop closing brackets that close nothing inside the address (prose around it)."""
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _rule_sources(rules: object) -> list[str]:

    out: list[str] = []

    def walk(obj: object) -> None:
        if isinstance(obj, Sourced):
            out.extend(obj.all_sources())
            walk(obj.value)
        elif isinstance(obj, Partner):
            out.append(obj.url)
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name))
        elif isinstance(obj, list | tuple):
            for item in obj:
                walk(item)

    walk(rules)
    return out


def missing_sources(corpus_dir: Path | str | None = None) -> list[str]:
    """Corpus sources that ``sources.yaml`` does not list (add them, with a date or null)."""
    known = load_sources(
        Path(corpus_dir) / "sources.yaml" if corpus_dir is not None else SOURCES_FILE
    )
    return [s for s in corpus_sources(corpus_dir) if s not in known]


__all__ = [
    "corpus_sources",
    "date_line",
    "load_sources",
    "missing_sources",
    "source_date",
]


if __name__ == "__main__":
    for source in missing_sources():
        print(source)
