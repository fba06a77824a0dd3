"""The evaluation suite: metric arithmetic, dataset validation, the gate, and the CLI.

The metric tests use values computed by hand; the gate test swaps in a retriever that returns
random passages and checks that the gate fails, so a broken retriever can never land.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from assistant.evaluation import metrics as m
from assistant.evaluation.dataset import (
    DatasetError,
    check_sources,
    dataset_files,
    load_dataset,
    load_datasets,
)
from assistant.evaluation.report import (
    ThresholdError,
    aggregate,
    gate,
    gate_passed,
    load_thresholds,
)
from assistant.evaluation.runner import run_items
from assistant.knowledge.corpus import JURISDICTION_CODES, load_corpus

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "evals" / "datasets"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"
TOPICS = {
    "overview", "eligibility", "worker-count", "subcontractors", "elements", "audit",
    "pass-marks", "training", "costs", "incentives", "procurement", "reciprocity", "roadmap",
    "partners", "no-program",
}  # fmt: skip


# ---- retrieval metrics -------------------------------------------------------------------

RETRIEVED = ["d::a", "d::b", "d::c", "d::d", "d::e"]


def test_hit_recall_rr_by_hand():
    expected = ["d::c", "x::y"]
    assert m.hit_at_k(RETRIEVED, expected, 5) == 1.0
    assert m.hit_at_k(RETRIEVED, expected, 2) == 0.0
    assert m.recall_at_k(RETRIEVED, expected, 5) == 0.5
    assert m.reciprocal_rank(RETRIEVED, expected) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(RETRIEVED, ["x::y"]) == 0.0


def test_ndcg_by_hand():
    # Relevant at ranks 2 and 4 of two expected: DCG = 1/log2(3) + 1/log2(5);
    # IDCG = 1/log2(2) + 1/log2(3).
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert m.ndcg_at_k(RETRIEVED, ["d::b", "d::d"], 5) == pytest.approx(dcg / idcg)
    assert m.ndcg_at_k(RETRIEVED, ["d::a"], 5) == 1.0
    assert m.ndcg_at_k(RETRIEVED, ["d::e"], 4) == 0.0


def test_a_source_counts_once_and_numbered_duplicates_match():
    # The same section retrieved twice (a repeated heading gets "-2") is one hit, not two.
    retrieved = ["d::a", "d::a-2", "d::b"]
    assert m.recall_at_k(retrieved, ["d::a"], 5) == 1.0
    assert m.ndcg_at_k(retrieved, ["d::a"], 5) == 1.0
    assert not m.source_matches("d::ab", "d::a")


# ---- answer metrics ----------------------------------------------------------------------


def test_fact_recall_groups_are_alternatives_and_all_required():
    answer = "SECOR is for 10 or fewer workers in Alberta \u2013 confirm with ACSA."
    groups = [["ten or fewer", "10 or fewer"], ["acsa"], ["50%"], ["alberta - confirm"]]
    assert m.missing_groups(answer, groups) == [["50%"]]
    assert m.fact_recall(answer, groups) == 0.75
    assert m.fact_recall(answer, []) == 1.0


@pytest.mark.parametrize("jurisdiction", ["ON", None])
def test_a_key_fact_only_in_the_closing_lines_is_not_answered(jurisdiction):
    """The closing lines are the chain's own (ASK_JURISDICTION, the partner line): a fact in
    them ("depends", IHSA) was said whatever was asked, so it does not count."""
    from assistant.answering.answer import ConversationState
    from assistant.answering.chain import ASK_JURISDICTION, ASK_WORKERS, Assistant

    state = ConversationState(jurisdiction=jurisdiction)
    closing = [
        ASK_JURISDICTION,
        ASK_WORKERS,
        Assistant._partner_line(None, state),  # the method reads only the state
        Assistant._partner_line(None, state, ask=True),
    ]
    answer = "\n\n".join(["SECOR is for 10 or fewer workers. [1]", *closing])
    assert m.answer_body(answer) == "SECOR is for 10 or fewer workers. [1]"
    groups = [["10 or fewer"], ["jurisdiction"], ["certifying partner"]]
    assert m.missing_groups(m.answer_body(answer), groups) == [
        ["jurisdiction"],
        ["certifying partner"],
    ]


def test_citation_validity():
    texts = {"d::s": "Pass with 80% overall and 50% per element."}
    good = {"n": 1, "chunk_id": "d::s", "quote": "80% overall", "passage": texts["d::s"]}
    assert m.citation_problems([good], ["d::s"], texts) == []
    not_retrieved = m.citation_problems([good], ["d::t"], texts)
    assert not_retrieved == ["[1] cites 'd::s', which was not retrieved for this answer"]
    doctored = {**good, "quote": "90% overall", "passage": "Pass with 90% overall."}
    assert m.citation_problems([doctored], ["d::s"], texts) == [
        "[1] passage differs from the indexed text of 'd::s'"
    ]
    invented = {**good, "quote": "95% overall"}
    assert m.citation_problems([invented], ["d::s"], texts) == [
        "[1] quote is not an exact span of its passage"
    ]


def test_number_grounding():
    texts = {"d::s": "The rebate is 15% of premium or $3,000, capped at 75%."}
    cites = [{"chunk_id": "d::s"}]
    assert m.ungrounded_numbers("15% or $3,000 [1].", cites, [], texts) == []
    assert m.ungrounded_numbers("About 20% [1].", cites, [], texts) == ["20"]
    # A number from a tool result is grounded, in any spelling (0.15 -> 15, 4000.0 -> 4,000).
    calls = [{"name": "t", "args": {"premium": 4000}, "result": {"share": 0.15, "amount": 3000.0}}]
    assert m.ungrounded_numbers("$4,000 at 15% gives $3,000.", [], calls, texts) == []
    # Web addresses and [n] markers are not claims.
    assert m.ungrounded_numbers("See https://a.ca/page2024 [7].", [], [], texts) == []


def test_tool_match_compares_listed_fields_only():
    call = {
        "name": "check_eligibility",
        "args": {"jurisdiction": "AB", "workers": 8},
        "result": {
            "eligible": ["SECOR", "COR"],
            "recommended": "SECOR",
            "entries": [{"year": 2, "due": "x"}, {"year": 3, "due": "y"}],
        },
    }
    assert m.tool_mismatches([call], "check_eligibility", {"workers": 8}, {}) == []
    assert m.tool_mismatches([call], "check_eligibility", {}, {"eligible": ["COR", "SECOR"]}) == []
    assert (
        m.tool_mismatches([call], "check_eligibility", {}, {"entries": [{"year": 3}, {"year": 2}]})
        == []
    )
    assert m.tool_mismatches([call], "check_eligibility", {}, {"entries": [{"year": 3}]}) == [
        "result.entries: expected [{'year': 3}], got "
        "[{'year': 2, 'due': 'x'}, {'year': 3, 'due': 'y'}]"
    ]
    assert m.tool_mismatches([call], "score_audit", {}, {}) == [
        "score_audit was not called (tools called: check_eligibility)"
    ]
    assert m.tool_mismatches([call], "check_eligibility", {}, {"amount": 1.0}) == [
        "result.amount: missing"
    ]


def test_percentiles_and_precision_recall():
    assert m.percentile([10, 20, 30, 40], 50) == 25.0
    assert m.percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert m.percentile([], 50) is None
    pairs = [(True, True), (True, True), (True, False), (False, True), (False, False)]
    precision, recall = m.precision_recall(pairs)
    assert precision == pytest.approx(2 / 3) and recall == pytest.approx(2 / 3)
    assert m.precision_recall([(False, False)]) == (None, None)


# ---- dataset validation ------------------------------------------------------------------


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ("{not json", "mine.jsonl:2: not valid JSON"),
        ('["a list"]', "mine.jsonl:2: each line must be a JSON object"),
        ('{"id": "b"}', "mine.jsonl:2 (item 'b'): give exactly one of 'question' or 'turns'"),
        ('{"id": "a", "question": "Again?"}', "mine.jsonl:2: duplicate id 'a' (first on line 1)"),
        ('{"id": "b", "question": "Q?", "jurisdiction": "XX"}', "jurisdiction must be one of"),
        ('{"id": "b", "question": "Q?", "state": {"staff": 3}}', "unknown state field(s) staff"),
        ('{"id": "b", "question": "Q?", "must_include": [[]]}', "non-empty list of phrasings"),
        (
            '{"id": "b", "question": "Q?", "colour": "red"}',
            "colour: Extra inputs are not permitted",
        ),
        (
            '{"id": "b", "question": "Q?", "expected_tool": {"name": "guess"}}',
            "expected_tool.name",
        ),
        ('{"id": "b", "turns": ["only one"]}', "turns must list two or more"),
    ],
)
def test_a_bad_line_names_file_and_line(tmp_path, second_line, message):
    path = _write(tmp_path, ['{"id": "a", "question": "What is SECOR?"}', second_line])
    with pytest.raises(DatasetError) as err:
        load_dataset(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_kinds_are_inferred(tmp_path):
    path = _write(
        tmp_path,
        [
            '{"id": "s", "question": "What is SECOR?"}',
            '{"id": "m", "turns": ["In Alberta.", "Which program?"]}',
            '{"id": "t", "question": "8 workers in AB?", '
            '"expected_tool": {"name": "check_eligibility"}}',
            '{"id": "r", "question": "Poem?", "expect_refusal": true}',
            '{"id": "n", "question": "Noise limits?", "expect_not_covered": true}',
        ],
    )
    assert [x.item.kind for x in load_dataset(path)] == [
        "single", "multiturn", "tool", "refusal", "not_covered",
    ]  # fmt: skip


def test_a_source_that_is_not_in_the_corpus_is_an_error(tmp_path):
    path = _write(
        tmp_path,
        [
            '{"id": "a", "question": "Q?", "expected_sources": '
            '[{"document": "alberta", "section": "No such heading"}]}'
        ],
    )
    with pytest.raises(DatasetError, match=r"mine\.jsonl:1 .*is not a section of the corpus"):
        check_sources(load_dataset(path), {"alberta::something-else"})


# ---- the shipped datasets ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_datasets(dataset_files(None, DATASETS))


def test_shipped_datasets_meet_the_issue(shipped):
    items = [x.item for x in shipped]
    kinds = {k: sum(1 for i in items if i.kind == k) for k in ("multiturn", "tool", "refusal")}
    assert len(items) >= 150
    assert kinds["multiturn"] >= 15
    assert sum(1 for i in items if i.expected_tool) >= 25
    assert kinds["refusal"] >= 15
    assert sum(1 for i in items if i.expect_not_covered) >= 8
    groups = {i.jurisdiction for i in items}
    assert set(JURISDICTION_CODES) | {"national"} <= groups
    assert {"COR", "SECOR"} <= {p for i in items for p in i.programs}
    assert {i.topic for i in items} >= TOPICS
    for item in items:  # every answerable item checks something
        if item.scripted:  # a conversation checks each of its turns
            assert all(t.expect.model_fields_set for t in item.turns), item.id
        elif item.split in ("wild", "dev"):  # the page's own key facts
            assert item.must_include and item.source_url and item.collected, item.id
        elif not (item.expect_refusal or item.expect_not_covered):
            assert item.expected_sources or item.expected_tool, item.id
        if item.expect_not_covered:
            assert item.must_include, f"{item.id}: name the partner to ask"


def test_the_new_splits_have_their_counts(shipped):
    items = [x.item for x in shipped]
    by_split = {s: [i for i in items if i.split == s] for s in ("wild", "phrasing", "conversation")}
    assert len(by_split["wild"]) >= 120
    assert len({i.paraphrase_of for i in by_split["phrasing"]}) >= 60
    assert len(by_split["conversation"]) >= 50
    assert all(2 <= len(i.turns) <= 6 for i in by_split["conversation"])
    wild_places = {i.jurisdiction for i in by_split["wild"]}
    assert {"AB", "BC", "SK", "MB", "ON", "NS", "NL", "national"} <= wild_places


def test_shipped_sources_exist_in_the_corpus(shipped):
    ids = {c.id for c in load_corpus(ROOT / "corpus")}
    check_sources(shipped, ids)


def test_thresholds_file_holds_the_issue_gate():
    minimum = load_thresholds(THRESHOLDS)["gold"]["minimum"]
    assert minimum["hit@5"] >= 0.95 and minimum["mrr"] >= 0.85
    assert minimum["fact_recall"] >= 0.90 and minimum["refusal_accuracy"] >= 0.95
    for strict in ("citation_validity", "number_grounding", "tool_accuracy"):
        assert minimum[strict] == 1.0


def test_unknown_threshold_metric_is_an_error(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[minimum]\n"hit@50" = 0.9\n')
    with pytest.raises(ThresholdError, match="unknown metric 'hit@50'"):
        load_thresholds(path)


# ---- the gate can fail -------------------------------------------------------------------


class RandomSearch:
    """A deliberately broken retriever: k random passages, reported as highly similar."""

    def __init__(self, real, seed: int = 7) -> None:
        self.index = real.index
        self.chunks = real.chunks
        self._bm25 = real._bm25
        self._rng = random.Random(seed)

    def search(self, query, *, jurisdiction=None, k=5, vector=None, typed_vector=None):
        from assistant.search.retrieve import Scored

        return [Scored(c, 0.0, 0.9) for c in self._rng.sample(self.chunks, k)]


@pytest.fixture(scope="module")
def retrieval_subset(shipped):
    items = [x for x in shipped if x.item.kind == "single" and x.item.expected_sources]
    return items[::4][:30]


def test_a_random_retriever_fails_the_gate(assistant, monkeypatch, retrieval_subset):
    thresholds = load_thresholds(THRESHOLDS)
    real, _ = run_items(assistant, retrieval_subset)
    monkeypatch.setattr(assistant, "search", RandomSearch(assistant.search))
    broken, _ = run_items(assistant, retrieval_subset)
    real_metrics, broken_metrics = aggregate(real), aggregate(broken)
    checks = gate({"gold": broken_metrics}, thresholds)
    assert not gate_passed(broken_metrics, checks)
    failed = {c.metric for c in checks if not c.ok}
    assert {"hit@5", "mrr"} <= failed
    assert broken_metrics["hit@5"] < real_metrics["hit@5"]
    # What the broken retriever did not break still holds: citations stay exact spans.
    assert broken_metrics["citation_validity"] == 1.0


# ---- the command line --------------------------------------------------------------------

TINY = [
    '{"id": "tiny-tool", "question": "I have 8 workers in Alberta. Which program fits me?", '
    '"expected_tool": {"name": "check_eligibility", "result": {"recommended": "SECOR"}}}',
    '{"id": "tiny-refusal", "question": "What is a good banana bread recipe?", '
    '"expect_refusal": true}',
]


@pytest.fixture
def cli_env(settings, built_index, monkeypatch):
    from assistant.settings import get_settings

    monkeypatch.setenv("CORGUIDE_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run_cli(args: list[str]) -> int:
    from assistant.cli.main import main

    with pytest.raises(SystemExit) as done:
        main(args)
    return done.value.code


def test_cli_eval_writes_the_three_files(cli_env, tmp_path, capsys):
    dataset = _write(tmp_path, TINY)
    out = tmp_path / "out"
    assert _run_cli(["eval", "--dataset", str(dataset), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| tool decisions (exact match) | 1.000 ok |" in printed
    assert "eval passed" in printed
    report = (out / "report.md").read_text()
    assert "## Gate" in report and "## By jurisdiction" in report
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["passed"] is True
    assert metrics["overall"]["tool_accuracy"] == 1.0
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [x["id"] for x in lines] == ["tiny-tool", "tiny-refusal"]
    assert lines[0]["answers"][0]["tool_calls"][0]["name"] == "check_eligibility"


def test_cli_eval_exits_1_below_a_threshold(cli_env, tmp_path, capsys):
    dataset = _write(tmp_path, TINY)
    strict = tmp_path / "strict.toml"
    strict.write_text("[maximum]\nlatency_p50_ms = 0.0001\n")
    code = _run_cli(
        ["eval", "-d", str(dataset), "-o", str(tmp_path / "o"), "--thresholds", str(strict)]
    )
    assert code == 1
    assert "below threshold: latency_p50_ms" in capsys.readouterr().err


def test_cli_eval_bad_dataset_is_one_line_and_exit_2(cli_env, tmp_path, capsys):
    dataset = _write(tmp_path, ['{"id": "a", "question": "ok?"}', '{"id": 5}'])
    assert _run_cli(["eval", "--dataset", str(dataset), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {dataset}:2")
    assert "\n" not in err


# ---- the conversation split's gate can fail -----------------------------------------------


def test_refusing_a_bare_province_reply_fails_the_conversation_gate(assistant, monkeypatch):
    """Swap the slot-filling reply handling for one that refuses a bare "Alberta": the
    conversation split's gate must then fail (issue 11)."""
    from assistant.dialogue.understand import Plan
    from assistant.evaluation.dataset import load_dataset
    from assistant.evaluation.report import by_scope

    items = [
        x
        for x in load_dataset(ROOT / "evals" / "datasets" / "conversation.jsonl")
        if any(t.expect.asks_for == "province" for t in x.item.turns)
    ]
    assert items, "the conversation split asks for a province somewhere"
    thresholds = load_thresholds(THRESHOLDS)
    real, _ = run_items(assistant, items)
    real_checks = gate(by_scope(real), thresholds)
    assert all(c.ok for c in real_checks if c.metric == "wrong_refusals")

    import assistant.dialogue.understand as understand

    original = understand.plan_question

    def refuse_bare_province(question, state, names, today=None, **kwargs):
        if state.asked_for == "province" and len(question.split()) <= 2:
            return Plan(question, question, state, in_scope=False, retrieve=False)
        return original(question, state, names, today, **kwargs)

    monkeypatch.setattr("assistant.answering.chain.plan_question", refuse_bare_province)
    broken, _ = run_items(assistant, items)
    checks = gate(by_scope(broken), thresholds)
    failed = {c.metric for c in checks if c.scope == "conversation" and not c.ok}
    assert "wrong_refusals" in failed


def test_the_split_topic_table_compares_the_same_items_with_the_baseline():
    from assistant.evaluation.report import _table, fmt
    from assistant.evaluation.runner import ItemResult
    from assistant.evaluation.topics import split_topic_table

    def item(item_id: str, recall: float, not_covered: bool) -> ItemResult:
        return ItemResult(
            id=item_id, kind="single", split="wild", where="x", group="AB", topic="cost",
            messages=["q"], scores={"fact_recall": recall}, not_covered=not_covered,
        )

    now = [item("a", 1.0, False), item("b", 1.0, False), item("new", 0.0, True)]
    baseline = {
        "commit": "abc1234",
        "measured": "2026-12-01",
        "items": {
            "a": {"split": "wild", "topic": "cost", "fact_recall": 0.0, "not_covered": True},
            "b": {"split": "wild", "topic": "cost", "fact_recall": 1.0, "not_covered": False},
            "gone": {"split": "wild", "topic": "cost", "fact_recall": 1.0, "not_covered": False},
        },
    }
    table = split_topic_table(now, baseline, fmt, _table)
    row = next(line for line in table.splitlines() if "| cost |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    # after: 3 items, recall 2/3, 1 of 3 not covered; before: only a and b (the shared items)
    assert cells == ["wild", "cost", "3", fmt(2 / 3), fmt(1 / 3), "2", fmt(0.5), fmt(0.5)]
    assert "abc1234" in table
    assert "before" not in split_topic_table(now, None, fmt, _table)


def test_the_shipped_baseline_covers_the_wild_split(shipped):
    from assistant.evaluation.topics import load_baseline

    baseline = load_baseline()
    assert baseline is not None and baseline["commit"]
    wild = [x.item.id for x in shipped if x.item.split == "wild"]
    assert wild and all(i in baseline["items"] for i in wild)


@pytest.mark.parametrize(
    ("answer", "supported"),
    [
        ({"route": "ask", "citations": [], "tool_calls": []}, None),  # a question back
        ({"route": "retrieval", "citations": [], "tool_calls": []}, 0.0),  # a claim, no source
        ({"route": "ask", "citations": [{"n": 1}], "tool_calls": []}, 1.0),  # general, then ask
        ({"route": "tool", "citations": [], "tool_calls": [{"name": "x"}]}, 1.0),
    ],
)
def test_only_answers_that_state_something_are_scored_for_support(answer, supported):
    from assistant.evaluation.runner import ItemResult, _score_support

    result = ItemResult(id="x", kind="single", where="f:1", group="AB", messages=["q"])
    _score_support({"refused": False, "not_covered": False, **answer}, result)
    assert result.scores.get("supported") == supported
