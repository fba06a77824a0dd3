"""Load the guidance corpus and cut it into citable chunks, one per heading.

Everything that can fail here (bad front matter, a missing field, an unreadable file) fails
before the index is touched, with the file and line in the message.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

from assistant.errors import CorpusError
from assistant.knowledge.jurisdictions import JURISDICTIONS
from assistant.knowledge.rules import load_rules, render_passages, render_summary_passages
from assistant.knowledge.source_refs import NAMED_SOURCES, SEED_ARTICLE
from assistant.knowledge.source_refs import REFERENCE_CAVEATS as REFERENCE_CAVEATS  # re-exported
from assistant.knowledge.yaml_strict import YAMLError, load_yaml

REQUIRED_FIELDS = ("title", "jurisdiction", "programs", "topics", "sources", "last_verified")
JURISDICTION_CODES = JURISDICTIONS  # the one list, in assistant.knowledge.jurisdictions
SCOPES = ("national", "general")
CONFIDENCE_LEVELS = ("high", "medium", "low")
_SOURCES_LINE = re.compile(r"^Sources?:\s*(.+)$", re.MULTILINE)
# The owner-style questions a section answers (doc2query data): indexed as extra vectors that
# point to the section, never quoted, so they stay out of the citable text as Sources does.
_QUESTIONS_LINE = re.compile(r"^Questions?:\s*(.+)$", re.MULTILINE)
RULES_QUESTIONS_FILE = "questions.yaml"
_URL = re.compile(r"https?://[^\s,;)]+")
# Largest guidance file accepted. Calibrated on the corpus: the largest file (alberta.md) is
# about 21 KB, so 256 KiB leaves twelve times that room while a pasted 5 MB dump is refused.
MAX_GUIDANCE_BYTES = 256 * 1024
RULES_DOC_PREFIX = "rules-"  # rules passages are documents "rules-<code>"; no file may take one
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    """One citable passage: a section of a guidance document or a rendered rule."""

    doc_id: str
    title: str
    section: str
    text: str
    jurisdiction: str
    programs: tuple[str, ...]
    topics: tuple[str, ...]
    sources: tuple[str, ...]
    last_verified: str
    confidence: str = "high"
    heading_path: str = ""
    kind: str = "guidance"
    questions: tuple[str, ...] = ()
    id: str = field(default="")
    content_hash: str = field(default="")

    def embedding_text(self) -> str:
        """What is embedded: the title and heading carry much of a short passage's meaning."""
        return f"{self.title}. {self.section}.\n{self.text}"

    def metadata(self) -> dict[str, str]:
        """Chroma metadata: scalars only, so lists are joined with a separator."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "heading_path": self.heading_path,
            "jurisdiction": self.jurisdiction,
            "programs": "|".join(self.programs),
            "topics": "|".join(self.topics),
            "sources": "|".join(self.sources),
            "url": next((s for s in self.sources if s.startswith("http")), ""),
            "last_verified": self.last_verified,
            "confidence": self.confidence,
            "kind": self.kind,
            "questions": "|".join(self.questions),
            "content_hash": self.content_hash,
        }

    @classmethod
    def from_stored(cls, chunk_id: str, text: str, meta: dict) -> Chunk:
        """Rebuild a chunk from what Chroma returns."""

        def split(key: str) -> tuple[str, ...]:
            value = meta.get(key) or ""
            return tuple(v for v in str(value).split("|") if v)

        return cls(
            doc_id=meta["doc_id"],
            title=meta.get("title", ""),
            section=meta.get("section", ""),
            text=text,
            jurisdiction=meta.get("jurisdiction", "general"),
            programs=split("programs"),
            topics=split("topics"),
            sources=split("sources"),
            last_verified=meta.get("last_verified", ""),
            confidence=meta.get("confidence", "high"),
            heading_path=meta.get("heading_path", ""),
            kind=meta.get("kind", "guidance"),
            questions=split("questions"),
            id=chunk_id,
            content_hash=meta.get("content_hash", ""),
        )

    def to_dict(self) -> dict:
        return asdict(self)


def finalize(chunk: Chunk, taken: set[str]) -> Chunk:
    """Give a chunk its stable id (document + heading slug) and its content hash."""
    base = f"{chunk.doc_id}::{slugify(chunk.section)}"
    chunk_id, n = base, 2
    while chunk_id in taken:
        chunk_id, n = f"{base}-{n}", n + 1
    taken.add(chunk_id)
    # The hash covers everything stored, so a changed source URL or date also updates the chunk.
    meta = chunk.metadata()
    meta.pop("content_hash")
    payload = chunk.embedding_text() + "\x1f" + repr(sorted(meta.items()))
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    return replace(chunk, id=chunk_id, content_hash=digest)


def slugify(text: str) -> str:
    """Lower-case words joined by dashes.

    Example:
        >>> slugify("Who can use SECOR in Alberta?")
        'who-can-use-secor-in-alberta'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "section"


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: Path
    meta: dict
    body: str
    body_line: int  # line number of the body's first line in the file, for error messages


def parse_document(path: Path) -> Document:
    """Read one guidance file and validate its front matter.

    Raises:
        CorpusError: the file cannot be read, has no front matter, or a field is missing or
            malformed; the message names the file and line.
    """
    text = _read_guidance_file(path)
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise CorpusError(f"{path}:1: missing front matter (the file must start with '---')")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise CorpusError(f"{path}:1: front matter is not closed by a '---' line") from None
    try:
        meta = load_yaml("\n".join(lines[1:end]))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"{path}:{line}: front matter is not valid YAML ({problem})") from None
    except ValueError as exc:  # YAML reads 2026-02-30 as a date and fails inside the parser
        line, name = _bad_date_line(lines[1:end])
        raise CorpusError(f"{path}:{line}: field '{name}' is not a real date ({exc})") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{path}:2: front matter must be a mapping of fields")
    _validate_meta(path, meta, lines[1:end])
    return Document(path.stem, path, meta, "\n".join(lines[end + 1 :]), end + 2)


def _read_guidance_file(path: Path) -> str:
    """A regular file's text, within the size limit (stat first: a FIFO would block a read)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise CorpusError(
            f"{path}: not a regular file (a pipe, device or folder named *.md); remove it"
        )
    if info.st_size > MAX_GUIDANCE_BYTES:
        raise CorpusError(
            f"{path}: {info.st_size:,} bytes is over the {MAX_GUIDANCE_BYTES:,}-byte limit for a "
            "guidance file; split it into several documents"
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc})") from None


def _bad_date_line(fm_lines: list[str]) -> tuple[int, str]:
    for i, line in enumerate(fm_lines, start=2):
        match = re.match(r"^(\w+):\s*(\d{4}-\d{2}-\d{2})\s*$", line)
        if match:
            try:
                date.fromisoformat(match.group(2))
            except ValueError:
                return i, match.group(1)
    return 2, "?"


def _field_line(path_lines: list[str], name: str) -> int:
    for i, line in enumerate(path_lines, start=2):
        if line.startswith(f"{name}:"):
            return i
    return 2


def _validate_meta(path: Path, meta: dict, fm_lines: list[str]) -> None:
    def fail(name: str, why: str) -> None:
        raise CorpusError(f"{path}:{_field_line(fm_lines, name)}: field '{name}' {why}")

    for name in REQUIRED_FIELDS:
        if name not in meta or meta[name] in (None, "", []):
            if name == "programs" and meta.get(name) == []:
                continue  # a no-program jurisdiction legitimately lists none
            fail(name, "is missing")
    if not isinstance(meta["title"], str):
        fail("title", "must be text")
    jurisdiction = meta["jurisdiction"]
    if not isinstance(jurisdiction, str) or (
        jurisdiction.upper() not in JURISDICTION_CODES and jurisdiction not in SCOPES
    ):
        fail(
            "jurisdiction",
            f"must be one of {', '.join(JURISDICTION_CODES + SCOPES)} (got {jurisdiction!r})",
        )
    for name in ("programs", "topics", "sources"):
        value = meta[name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(name, "must be a list of text items")
    if bad := [s for s in meta["sources"] if not _is_source(s)]:
        fail("sources", f"must hold web addresses or {SEED_ARTICLE!r} (not {bad[0]!r})")
    verified = meta["last_verified"]
    if isinstance(verified, str):
        try:
            verified = date.fromisoformat(verified)
        except ValueError:
            fail("last_verified", f"must be a date YYYY-MM-DD (got {verified!r})")
    if not isinstance(verified, date):
        fail("last_verified", "must be a date YYYY-MM-DD")
    if meta.get("confidence", "high") not in CONFIDENCE_LEVELS:
        fail("confidence", f"must be one of {', '.join(CONFIDENCE_LEVELS)}")


def _is_source(text: str) -> bool:
    return bool(re.fullmatch(r"https?://[^\s,]+", text)) or text in NAMED_SOURCES


def parse_sources_line(line: str) -> list[str]:
    """The sources on a section's ``Sources:`` line: web addresses and known named sources.

    Example:
        >>> parse_sources_line("https://a.ca/x, https://b.ca")
        ['https://a.ca/x', 'https://b.ca']
    """
    found = [item.strip().rstrip(".") for item in re.split(r",\s+|;\s*", line)]
    return [item for item in found if _is_source(item)]


def parse_questions_line(line: str) -> list[str]:
    """The questions on a section's ``Questions:`` line, split on ``|``.

    Example:
        >>> parse_questions_line("How long does COR take? | can we get SECOR in 3 months ")
        ['How long does COR take?', 'can we get SECOR in 3 months']
    """
    return [q for q in (item.strip() for item in line.split("|")) if q]


def chunk_document(doc: Document, unsourced: list[str] | None = None) -> list[Chunk]:
    """Cut a document into one chunk per ``##``/``###`` section, keeping the heading path.

    The section's own ``Sources:`` line becomes the chunk's sources (the document's list when a
    section has none) and its ``Questions:`` line the questions it answers; both are left out
    of the citable text. Sections with no ``Sources:`` line of their own are added to
    ``unsourced`` (as ``file: heading``) when a list is given, for `doctor` and ingest to count.
    """
    meta = doc.meta
    title = meta["title"]
    jurisdiction = meta["jurisdiction"]
    jurisdiction = (
        jurisdiction.upper() if jurisdiction.upper() in JURISDICTION_CODES else jurisdiction
    )
    verified = str(meta["last_verified"])
    chunks: list[Chunk] = []
    path: list[str] = []
    current: list[str] = []
    heading = ""

    def flush() -> None:
        body = "\n".join(current).strip()
        if not heading or not body:
            return
        section_sources = [
            u for m in _SOURCES_LINE.finditer(body) for u in _URL.findall(m.group(1))
        ]
        questions = [
            q for m in _QUESTIONS_LINE.finditer(body) for q in parse_questions_line(m.group(1))
        ]
        text = _QUESTIONS_LINE.sub("", _SOURCES_LINE.sub("", body)).strip()
        if not text:
            return
        if unsourced is not None and not _SOURCES_LINE.search(body):
            unsourced.append(f"{doc.path.name}: {heading}")
        chunks.append(
            Chunk(
                doc_id=doc.doc_id,
                title=title,
                section=heading,
                text=re.sub(r"\n{3,}", "\n\n", text),
                jurisdiction=jurisdiction,
                programs=tuple(meta["programs"]),
                topics=tuple(meta["topics"]),
                sources=tuple(dict.fromkeys(section_sources)) or tuple(meta["sources"]),
                last_verified=verified,
                confidence=str(meta.get("confidence", "high")),
                heading_path=" > ".join(path),
                questions=tuple(dict.fromkeys(questions)),
            )
        )

    for line in doc.body.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) >= 2:
            flush()
            level = len(match.group(1))
            path = path[: level - 2] + [match.group(2)]
            heading, current = match.group(2), []
        elif match:  # the document's '# Title' line
            continue
        else:
            current.append(line)
    flush()
    return chunks


def _check_unique_name(path: Path, seen: dict[str, Path]) -> None:
    """A document's id is its file name: one equal to another ignoring case would index the
    same sections twice, and a ``rules-<code>`` one would overwrite a rules passage.

    Raises:
        CorpusError: the name repeats another file's (ignoring case) or a rules document's id.
    """
    key = path.stem.casefold()
    if key in seen:
        raise CorpusError(
            f"{path}: same document id as {seen[key].name} (names differ only in case); "
            "remove or rename one of them"
        )
    if key.startswith(RULES_DOC_PREFIX):
        raise CorpusError(
            f"{path}: the document id {path.stem!r} is reserved for the rules passages "
            f"({RULES_DOC_PREFIX}<code>); rename the file"
        )
    seen[key] = path


def unsourced_sections(corpus_dir: Path) -> list[str]:
    """Guidance sections with no ``Sources:`` line of their own (they cite the document's list).

    Raises:
        CorpusError: a guidance file cannot be loaded.
    """
    missing: list[str] = []
    for path in _guidance_paths(corpus_dir / "guidance"):
        chunk_document(parse_document(path), missing)
    return missing


def _guidance_paths(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise CorpusError(f"{folder}: corpus folder not found (set CORGUIDE_CORPUS_DIR)")
    paths: list[Path] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        _check_unique_name(path, seen)
        paths.append(path)
    return paths


def load_guidance(corpus_dir: Path) -> list[Chunk]:
    """Parse and chunk every ``guidance/*.md`` file (sorted, so ids are stable)."""
    folder = corpus_dir / "guidance"
    chunks: list[Chunk] = []
    for path in _guidance_paths(folder):
        doc = parse_document(path)
        found = chunk_document(doc)
        if not found:
            raise CorpusError(f"{path}:{doc.body_line}: no '## ' sections with text to index")
        chunks.extend(found)
    if not chunks:
        raise CorpusError(f"{folder}: no guidance documents found")
    return chunks


def load_corpus(corpus_dir: Path) -> list[Chunk]:
    """All chunks: guidance sections plus the rules rendered as readable passages."""
    chunks = load_guidance(corpus_dir)
    rules = load_rules(corpus_dir / "rules")
    rules_questions = load_rules_questions(corpus_dir / "rules" / RULES_QUESTIONS_FILE)
    passages = [p for code in sorted(rules) for p in render_passages(rules[code])]
    for passage in passages + render_summary_passages(rules):
        chunks.append(
            Chunk(
                doc_id=passage.doc_id,
                title=passage.title,
                section=passage.section,
                text=_SOURCES_LINE.sub("", passage.text).strip(),
                jurisdiction=passage.jurisdiction,
                programs=tuple(passage.programs),
                topics=tuple(passage.topics),
                sources=tuple(passage.sources),
                last_verified=str(passage.last_verified),
                heading_path=passage.section,
                kind="rules",
                questions=rules_questions.get(passage.doc_id, {}).get(passage.section, ()),
            )
        )
    taken: set[str] = set()
    return [finalize(chunk, taken) for chunk in chunks]


def load_rules_questions(path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """The questions each rules passage answers: ``{doc_id: {section: [questions]}}``.

    Rules passages are rendered from YAML, so their questions live in one data file beside the
    rules. No file, or no entry for a passage, means no questions.

    Raises:
        CorpusError: the file is not valid YAML or not shaped as above.
    """
    if not path.is_file():
        return {}
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise CorpusError(f"{path}: cannot read the rules questions ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: must map each rules document id to its sections")
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for doc_id, sections in data.items():
        if not isinstance(sections, dict):
            raise CorpusError(f"{path}: {doc_id!r} must map section headings to question lists")
        for section, questions in sections.items():
            if not isinstance(questions, list) or not all(
                isinstance(q, str) and q.strip() and "|" not in q for q in questions
            ):
                raise CorpusError(
                    f"{path}: {doc_id!r} / {section!r} must be a list of questions (text, no '|')"
                )
            kept = tuple(dict.fromkeys(q.strip() for q in questions))
            found.setdefault(str(doc_id), {})[str(section)] = kept
    return found


def corpus_fingerprint(chunks: list[Chunk], model_id: str) -> str:
    """One hash for the whole corpus as indexed with one model: the index is stale when it moves."""
    digest = hashlib.sha256(model_id.encode())
    for chunk in sorted(chunks, key=lambda c: c.id):
        digest.update(f"{chunk.id}={chunk.content_hash};".encode())
    return digest.hexdigest()[:32]
