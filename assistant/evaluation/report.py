"""Aggregate item results into metrics, check them against thresholds, write the report.

Three files per run: ``report.md`` (tables to read, with the failing items), ``metrics.json``
(every figure, overall, per jurisdiction and per kind) and ``results.jsonl`` (one line per item
with its full answers), plus a summary table for the terminal.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import mean, percentile, precision_recall
from assistant.evaluation.runner import ItemResult
from assistant.evaluation.thresholds import (
    LABELS,
    METRICS,
    SCOPES,
    Check,
    ThresholdError,
    Thresholds,
    gate,
    gate_passed,
    load_thresholds,
)
from assistant.evaluation.topics import split_topic_table


def _scored(ok: list[ItemResult], name: str) -> list[float]:
    return [r.scores[name] for r in ok if r.scores.get(name) is not None]


def _ratio(ok: list[ItemResult], ok_key: str, total_key: str) -> float | None:
    """Summed ``ok_key`` over summed ``total_key`` (turn counts), None when nothing counted."""
    total = sum(r.scores.get(total_key) or 0 for r in ok)
    return sum(r.scores.get(ok_key) or 0 for r in ok) / total if total else None


def _pairs(ok: list[ItemResult]) -> tuple[list[tuple[bool, bool]], list[tuple[bool, bool]]]:
    """(expected, got) for refusals over every item, and for 'not covered' over in-scope ones."""
    refusal = [(r.expect_refusal, r.refused) for r in ok]
    covered = [(r.expect_not_covered, r.not_covered) for r in ok if not r.expect_refusal]
    return refusal, covered


def _refusal_metrics(ok: list[ItemResult]) -> dict[str, float | None]:
    refusal_pairs, covered_pairs = _pairs(ok)
    r_precision, r_recall = precision_recall(refusal_pairs)
    n_precision, n_recall = precision_recall(covered_pairs)
    return {
        "refusal_accuracy": (
            sum(1 for e, p in refusal_pairs if e == p) / len(refusal_pairs)
            if refusal_pairs
            else None
        ),
        "refusal_precision": r_precision,
        "refusal_recall": r_recall,
        "not_covered_precision": n_precision,
        "not_covered_recall": n_recall,
    }


def _turn_metrics(ok: list[ItemResult]) -> dict[str, float | None]:
    """The conversation metrics, summed over the turns of every scripted conversation."""
    conversations = [r for r in ok if r.scores.get("turns")]
    return {
        "turn_pass_rate": _ratio(ok, "turns_ok", "turns"),
        "state_accuracy": _ratio(ok, "turn_state_ok", "turn_state_checked"),
        "route_accuracy": _ratio(ok, "turn_route_ok", "turn_route_checked"),
        "turn_fact_recall": _ratio(ok, "turn_facts_ok", "turn_facts_checked"),
        "turn_tool_accuracy": _ratio(ok, "turn_tool_ok", "turn_tool_checked"),
        "wrong_refusals": (
            float(sum(r.scores.get("wrong_refusals") or 0 for r in conversations))
            if conversations
            else None
        ),
    }


def _counts(ok: list[ItemResult], cited: float, latencies: list[float]) -> dict[str, int]:
    """How many items, citations, answers or turns each metric is computed over."""
    refusal_pairs, covered_pairs = _pairs(ok)
    conversations = [r for r in ok if r.scores.get("turns")]
    return {
        "retrieval": len(_scored(ok, "hit@5")),
        "facts": len(_scored(ok, "fact_recall")),
        "citations": int(cited),
        "answers_checked_for_numbers": len(_scored(ok, "number_grounding")),
        "tools": len(_scored(ok, "tool_accuracy")),
        "expect_refusal": sum(1 for e, _ in refusal_pairs if e),
        "expect_not_covered": sum(1 for e, _ in covered_pairs if e),
        "turns": len(latencies),
        "conversation_turns": int(sum(r.scores.get("turns") or 0 for r in conversations)),
    }


def aggregate(results: Iterable[ItemResult]) -> dict[str, Any]:
    """Every metric over a set of item results (None where no item applies).

    Keys keep the order of ``metrics.json``: the counts of items, the metrics, then the
    basis counts.

    Example:
        >>> aggregate([])["items"]
        0
    """
    results = list(results)
    ok = [r for r in results if r.error is None]
    cited = sum(r.scores.get("citations") or 0 for r in ok)
    valid = sum(r.scores.get("citations_valid") or 0 for r in ok)
    latencies = [ms for r in ok for ms in r.latencies_ms]
    passed = sum(1 for r in results if r.passed)
    # The per-item scores averaged over items: METRICS lists them first, up to "supported".
    means = METRICS[: METRICS.index("supported") + 1]
    return {
        "items": len(results),
        "passed": passed,
        "errors": len(results) - len(ok),
        **{m: mean(_scored(ok, m)) for m in means},
        "citation_validity": valid / cited if cited else None,
        "number_grounding": mean(_scored(ok, "number_grounding")),
        "tool_accuracy": mean(_scored(ok, "tool_accuracy")),
        **_refusal_metrics(ok),
        "not_covered_share": mean(_scored(ok, "not_covered_share")),
        **_turn_metrics(ok),
        "item_pass_rate": passed / len(results) if results else None,
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "counts": _counts(ok, cited, latencies),
    }


def grouped(results: list[ItemResult], key: str) -> dict[str, dict[str, Any]]:
    """`aggregate` per value of an item attribute (``group`` or ``kind``), sorted by name."""
    buckets: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        buckets[str(getattr(r, key))].append(r)
    return {name: aggregate(buckets[name]) for name in sorted(buckets)}


def by_scope(results: list[ItemResult]) -> dict[str, dict[str, Any]]:
    """`aggregate` over all items and over each split present, splits in their fixed order."""
    splits = grouped(results, "split")
    return {"all": aggregate(results), **{s: splits[s] for s in SCOPES if s in splits}}


def fmt(value: Any, metric: str = "") -> str:
    if value is None:
        return "n/a"
    if metric.endswith("_ms"):
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def summary_table(checks: list[Check], scopes: dict[str, dict[str, Any]]) -> str:
    """The terminal summary: each metric per split side by side, with its bound and status.

    A cell reads ``0.912`` when no bound applies, ``0.912 ok`` or ``0.812 FAIL (>= 0.85)``.
    """
    shown = [s for s in SCOPES[1:] if s in scopes] or ["all"]
    bounds = {(c.scope, c.metric): c for c in checks}
    rows = []
    for m in METRICS:
        cells = []
        for scope in shown:
            value = fmt(scopes[scope].get(m), m)
            c = bounds.get((scope, m))
            if c is not None:
                value += " ok" if c.ok else f" FAIL ({c.op} {c.bound:g})"
            cells.append(value)
        if any(cell != "n/a" for cell in cells):
            rows.append([LABELS[m], *cells])
    rows.append(["items", *(str(scopes[s]["items"]) for s in shown)])
    table = _table(["metric", *shown], rows)
    general = [c for c in checks if c.scope == "all"]
    if general:
        table += "\n\nAll items: " + ", ".join(
            f"{c.metric} {fmt(c.value, c.metric)} {'ok' if c.ok else 'FAIL'} ({c.op} {c.bound:g})"
            for c in general
        )
    return table


_GROUP_COLUMNS = (
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("fact_recall", "facts"),
    ("citation_validity", "citations"),
    ("number_grounding", "numbers"),
    ("tool_accuracy", "tools"),
    ("refusal_accuracy", "refusals"),
    ("latency_p50_ms", "p50 ms"),
)


def _group_table(groups: dict[str, dict[str, Any]], first: str) -> str:
    rows = [
        [name, str(g["items"]), str(g["passed"]), *(fmt(g[m], m) for m, _ in _GROUP_COLUMNS)]
        for name, g in groups.items()
    ]
    return _table([first, "items", "passed", *(label for _, label in _GROUP_COLUMNS)], rows)


def _coverage(results: list[ItemResult]) -> str:
    topics = Counter(r.topic or "(none)" for r in results)
    programs = Counter(p for r in results for p in r.programs)
    rows = [[t, str(n)] for t, n in sorted(topics.items())]
    text = _table(["topic", "items"], rows)
    text += "\n\nPrograms: " + (
        ", ".join(f"{p} {n}" for p, n in sorted(programs.items())) or "none tagged"
    )
    return text


def _quote(text: str, limit: int = 700) -> str:
    text = text if len(text) <= limit else text[:limit] + " ..."
    return "\n".join("> " + line for line in text.splitlines())


def _headline(metrics: dict[str, Any], passed: bool, info: dict[str, Any]) -> list[str]:
    """The title, the verdict and the run's details."""
    out = ["# corguide evaluation report", ""]
    out.append(
        f"**{'PASSED' if passed else 'FAILED'}**: {metrics['passed']} of {metrics['items']} items "
        f"passed every check; {metrics['errors']} raised an error."
    )
    out.append("")
    out += [f"- {key}: {value}" for key, value in info.items()]
    return out


def _gate_table(checks: list[Check]) -> str:
    rows = [
        [
            c.scope,
            LABELS[c.metric],
            fmt(c.value, c.metric),
            f"{c.op} {c.bound:g}",
            "ok" if c.ok else "FAIL",
        ]
        for c in checks
    ]
    return _table(["split", "metric", "value", "threshold", "result"], rows)


def _basis(metrics: dict[str, Any]) -> dict[str, str]:
    """What each metric is computed over, with the counts of this run."""
    counts = metrics["counts"]
    return {
        "hit@5": f"{counts['retrieval']} items with expected sources",
        "recall@5": f"{counts['retrieval']} items",
        "mrr": f"{counts['retrieval']} items",
        "ndcg@5": f"{counts['retrieval']} items",
        "fact_recall": f"{counts['facts']} items with must_include",
        "citation_validity": f"{counts['citations']} citations",
        "number_grounding": f"{counts['answers_checked_for_numbers']} answered items",
        "tool_accuracy": f"{counts['tools']} items with expected_tool",
        "refusal_accuracy": f"{metrics['items'] - metrics['errors']} items",
        "refusal_precision": f"{counts['expect_refusal']} out-of-scope items",
        "refusal_recall": f"{counts['expect_refusal']} out-of-scope items",
        "not_covered_precision": f"{counts['expect_not_covered']} not-covered items",
        "not_covered_recall": f"{counts['expect_not_covered']} not-covered items",
        "fact_share": f"{counts['facts']} items with must_include",
        "lead_fact": f"{counts['facts']} items with must_include",
        "supported": "answered items not saying 'not covered'",
        "not_covered_share": "answered items",
        "turn_pass_rate": f"{counts['conversation_turns']} conversation turns",
        "state_accuracy": "turns expecting a state",
        "route_accuracy": "turns expecting a route",
        "turn_fact_recall": "turns expecting facts",
        "turn_tool_accuracy": "turns expecting a tool",
        "wrong_refusals": "turns about the business",
        "item_pass_rate": f"{metrics['items']} items",
        "latency_p50_ms": f"{counts['turns']} answers",
        "latency_p95_ms": f"{counts['turns']} answers",
    }


def _every_metric_table(metrics: dict[str, Any]) -> str:
    basis = _basis(metrics)
    return _table(
        ["metric", "value", "over"],
        [[LABELS[m], fmt(metrics[m], m), basis[m]] for m in METRICS],
    )


def _failing_item(r: ItemResult) -> list[str]:
    """One failing item: what was asked, every failure, and the last answer quoted."""
    out = [f"### {r.id} ({r.split}, {r.kind}, {r.group}) - {r.where}", ""]
    for n, message in enumerate(r.messages, start=1):
        prefix = f"turn {n}: " if len(r.messages) > 1 else ""
        out.append(f"- asked: {prefix}{message}")
    out += [f"- **{failure}**" for failure in r.failures]
    if r.answers:
        last = r.answers[-1]
        out.append(f"- route: {last['route']}; retrieved: {', '.join(last['retrieved'][:5])}")
        out += ["", _quote(last["answer"])]
    out.append("")
    return out


def _failing_items(results: list[ItemResult]) -> list[str]:
    failing = [r for r in results if not r.passed]
    out = ["", f"## Failing items ({len(failing)})", ""]
    if not failing:
        out.append("None.")
    for r in failing:
        out += _failing_item(r)
    return out


def render_report(
    results: list[ItemResult],
    metrics: dict[str, Any],
    checks: list[Check],
    info: dict[str, Any],
    baseline: dict[str, Any] | None = None,
) -> str:
    """The report.md text: verdict, gate, metrics by split, group and topic, failing items."""
    scopes = by_scope(results)
    out = _headline(metrics, gate_passed(metrics, checks), info)
    out += ["", "## Gate (evals/thresholds.toml)", "", _gate_table(checks)]
    out += ["", "## By split", "", summary_table(checks, scopes)]
    out += ["", "## Every metric (all items)", "", _every_metric_table(metrics)]
    out += ["", "## By jurisdiction", "", _group_table(grouped(results, "group"), "jurisdiction")]
    out += ["", "## By kind", "", _group_table(grouped(results, "kind"), "kind")]
    out += ["", "## By split and topic", "", split_topic_table(results, baseline, fmt, _table)]
    out += ["", "## Coverage", "", _coverage(results)]
    out += _failing_items(results)
    return "\n".join(out).rstrip() + "\n"


def write_outputs(
    out_dir: Path,
    results: list[ItemResult],
    metrics: dict[str, Any],
    checks: list[Check],
    info: dict[str, Any],
    baseline: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write report.md, metrics.json and results.jsonl; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "report": out_dir / "report.md",
        "metrics": out_dir / "metrics.json",
        "results": out_dir / "results.jsonl",
    }
    report = render_report(results, metrics, checks, info, baseline)
    paths["report"].write_text(report, encoding="utf-8")
    payload = {
        "passed": gate_passed(metrics, checks),
        "info": info,
        "overall": metrics,
        "gate": [
            {
                "scope": c.scope,
                "metric": c.metric,
                "value": c.value,
                "op": c.op,
                "bound": c.bound,
                "ok": c.ok,
            }
            for c in checks
        ],
        "by_split": {k: v for k, v in by_scope(results).items() if k != "all"},
        "by_jurisdiction": grouped(results, "group"),
        "by_kind": grouped(results, "kind"),
        "failing": [r.id for r in results if not r.passed],
    }
    paths["metrics"].write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    with paths["results"].open("w", encoding="utf-8") as fh:
        for r in results:
            line = r.model_dump(mode="json")
            line["passed"] = r.passed
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return paths


# Re-exported: the CLI and the tests import the gate from here, where it has always been.
__all__ = [
    "LABELS",
    "METRICS",
    "SCOPES",
    "Check",
    "ThresholdError",
    "Thresholds",
    "aggregate",
    "by_scope",
    "fmt",
    "gate",
    "gate_passed",
    "grouped",
    "load_thresholds",
    "render_report",
    "summary_table",
    "write_outputs",
]
