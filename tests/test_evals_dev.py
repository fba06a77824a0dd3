"""The dev split: real questions from pages the wild split does not use, to calibrate on.

Dev items carry the page and the date like wild items; they must not repeat a wild page or a
wild question (the point of dev is to tune on it and keep wild for checking), and dev is a
scope of its own in the gate and in the summary table.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.evaluation.dataset import DatasetError, dataset_files, load_dataset, load_datasets
from assistant.evaluation.report import gate, load_thresholds, summary_table
from assistant.evaluation.thresholds import SCOPES

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "evals" / "datasets"


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "dev_mine.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _page(url: str) -> str:
    """A URL without scheme, ``www.``, port 80, case or trailing slash: one page, one key."""
    u = re.sub(r"^https?://", "", url.strip().lower())
    u = re.sub(r"^www\.", "", u)
    return re.sub(r":80(/|$)", r"\1", u).rstrip("/")


def _question(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


@pytest.fixture(scope="module")
def splits():
    items = [x.item for x in load_datasets(dataset_files(None, DATASETS))]
    return {s: [i for i in items if i.split == s] for s in ("wild", "dev")}


def test_a_dev_item_needs_its_page_and_date(tmp_path):
    row = {
        "id": "d1",
        "split": "dev",
        "question": "Is COR mandatory?",
        "must_include": [["voluntary"]],
    }
    with pytest.raises(DatasetError, match=r"a dev item needs source_url and collected"):
        load_dataset(_write(tmp_path, [row]))
    row |= {"source_url": "https://example.org/faq", "collected": "2026-12-02"}
    (located,) = load_dataset(_write(tmp_path, [row]))
    assert located.item.split == "dev" and located.item.source_url.endswith("/faq")


def test_the_shipped_dev_split_is_real_questions_with_their_facts(splits):
    dev = splits["dev"]
    assert len(dev) >= 38
    assert len({i.id for i in dev}) == len(dev)
    wild_topics = {i.topic for i in splits["wild"]}
    for item in dev:
        assert 1 <= len(item.must_include) <= 3, item.id
        assert item.source_url.startswith(("http://", "https://")), item.id
        assert item.collected == "2026-12-02" and item.page_answer, item.id
        assert item.topic in wild_topics, item.id  # the same topic names as wild
        assert not item.expected_sources, item.id  # judged on the page's facts, not chunks
    assert len({i.jurisdiction for i in dev}) >= 8
    assert {"AB", "BC", "SK", "ON", "QC", "national", "general"} <= {i.jurisdiction for i in dev}
    assert len({i.topic for i in dev}) >= 12


def test_no_dev_item_reuses_a_wild_page_or_question(splits):
    wild_pages = {_page(i.source_url) for i in splits["wild"] if i.source_url}
    wild_questions = {_question(i.question) for i in splits["wild"]}
    reused = [i.id for i in splits["dev"] if _page(i.source_url) in wild_pages]
    repeated = [i.id for i in splits["dev"] if _question(i.question) in wild_questions]
    assert not reused, f"dev items on a wild page: {reused}"
    assert not repeated, f"dev items asking a wild question: {repeated}"


def test_the_summary_has_a_dev_column_in_split_order():
    assert SCOPES.index("wild") < SCOPES.index("dev") < SCOPES.index("phrasing")
    scopes = {s: {"items": n, "fact_recall": 0.5} for n, s in enumerate(SCOPES, 1)}
    header = summary_table([], scopes).splitlines()[0]
    assert header == "| metric | " + " | ".join(SCOPES[1:]) + " |"
    items_row = summary_table([], scopes).splitlines()[-1]
    assert items_row.startswith("| items | 2 | 3 | 4 |")


def test_the_thresholds_gate_dev_on_its_own(tmp_path):
    shipped = load_thresholds(ROOT / "evals" / "thresholds.toml")
    assert shipped["dev"]["minimum"]["citation_validity"] == 1.0
    assert shipped["dev"]["minimum"]["number_grounding"] == 1.0
    assert "fact_recall" in shipped["dev"]["minimum"]
    path = tmp_path / "t.toml"
    path.write_text("[dev.minimum]\nfact_recall = 0.3\n", encoding="utf-8")
    low = {"all": {"fact_recall": 0.9}, "dev": {"fact_recall": 0.2}}
    (check,) = gate(low, load_thresholds(path))
    assert (check.scope, check.label, check.ok) == ("dev", "dev: fact_recall", False)
    assert gate({"all": {}}, load_thresholds(path))[0].ok  # no dev items: nothing to fail
