"""The corpus itself: every document parses, carries sources and dates, covers every place."""

import re
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.knowledge.corpus import (
    JURISDICTION_CODES,
    Document,
    chunk_document,
    load_corpus,
    load_guidance,
    parse_document,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "corpus" / "guidance").glob("*.md"))


def test_enough_documents_and_words():
    assert len(DOCS) >= 20
    words = sum(len(p.read_text().split()) for p in DOCS)
    assert words >= 15_000


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_every_document_has_front_matter_and_sourced_sections(path):
    doc = parse_document(path)
    assert doc.meta["sources"] and doc.meta["last_verified"]
    chunks = chunk_document(doc)
    assert chunks
    body = path.read_text()
    for section in re.split(r"\n## ", body)[1:]:
        assert re.search(r"\nSources: \S", section), f"{path.name}: section without Sources line"
    for chunk in chunks:
        assert chunk.sources
        # every number in a section is backed by that section's own Sources line
        if re.search(r"\d", chunk.text):
            assert chunk.sources != tuple(doc.meta["sources"]) or len(doc.meta["sources"]) == 1


def test_every_jurisdiction_and_national_has_a_document():
    found = {parse_document(p).meta["jurisdiction"] for p in DOCS}
    assert set(JURISDICTION_CODES) | {"national"} <= found


def test_whole_corpus_loads_with_rules_passages():
    chunks = load_corpus(ROOT / "corpus")
    kinds = {c.kind for c in chunks}
    assert kinds == {"guidance", "rules"}
    assert len({c.id for c in chunks}) == len(chunks), "chunk ids must be unique"
    print(f"corpus: {len(chunks)} chunks")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "guidance"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


GOOD = """---
title: Test
jurisdiction: "ON"
programs: [COR]
topics: [overview]
sources: [https://example.org/a]
last_verified: 2026-11-30
---
# Test
## What is it?
Text with 80% in it.

Sources: https://example.org/a
"""


def test_yaml_on_stays_a_code(tmp_path):
    path = _write(tmp_path, "t.md", GOOD.replace('"ON"', "ON"))
    assert parse_document(path).meta["jurisdiction"] == "ON"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("sources: [https://example.org/a]\n", ""), r"t\.md:\d+: field 'sources' is missing"),
        (("last_verified: 2026-11-30", "last_verified: 2026-02-30"), "last_verified"),
        (('jurisdiction: "ON"', "jurisdiction: Atlantis"), "jurisdiction"),
        (("title: Test", "title: [unclosed"), r"t\.md:\d+: front matter is not valid YAML"),
        (("sources: [https://example.org/a]", "sources: [not a url]"), "web addresses"),
    ],
)
def test_broken_front_matter_names_file_and_line(tmp_path, change, message):
    path = _write(tmp_path, "t.md", GOOD.replace(*change))
    with pytest.raises(CorpusError, match=message):
        load_guidance(tmp_path)
    del path


def test_chunk_keeps_heading_path_and_section_sources():
    doc = Document(
        "x",
        Path("x.md"),
        {
            "title": "T",
            "jurisdiction": "AB",
            "programs": ["COR"],
            "topics": ["audit"],
            "sources": ["https://a.ca", "https://b.ca"],
            "last_verified": "2026-11-30",
        },
        "# T\n## Parent\nIntro.\n\nSources: https://a.ca\n### Child\nDetail 5.\n\nSources: https://b.ca\n",
        1,
    )
    parent, child = chunk_document(doc)
    assert child.heading_path == "Parent > Child"
    assert child.sources == ("https://b.ca",)
    assert "Sources:" not in child.text
