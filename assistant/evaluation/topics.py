"""Per split and topic: items, strict fact recall and 'not covered' answers, before and after.

"Before" is a recorded run of the same items on an older commit (``evals/baseline.json``),
kept per item so that the comparison is always over the items both runs share: an item
added or removed since the baseline only counts in the "after" column's item count.

Make a baseline from any run's ``results.jsonl`` (for instance one made in a worktree of an
older commit) with::

    python -m assistant.evaluation.topics evals/out/results.jsonl --commit 60520db \
        --measured 2026-12-01 > evals/baseline.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import mean
from assistant.evaluation.runner import ItemResult
from assistant.settings import PROJECT_ROOT

DEFAULT_BASELINE = PROJECT_ROOT / "evals" / "baseline.json"


def item_figures(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{item id: {split, topic, fact_recall, not_covered}}`` from results.jsonl rows.

    Example:
        >>> item_figures([{"id": "a", "split": "wild", "topic": "cost",
        ...                "scores": {"fact_recall": 1.0}, "not_covered": False}])["a"]
        {'split': 'wild', 'topic': 'cost', 'fact_recall': 1.0, 'not_covered': False}
    """
    return {
        row["id"]: {
            "split": row.get("split", "gold"),
            "topic": row.get("topic") or "(none)",
            "fact_recall": (row.get("scores") or {}).get("fact_recall"),
            "not_covered": bool(row.get("not_covered")),
        }
        for row in rows
    }


def load_baseline(path: Path = DEFAULT_BASELINE) -> dict[str, Any] | None:
    """The recorded baseline, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("items"), dict) else None


def _figures(items: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    recall = mean([i["fact_recall"] for i in items if i["fact_recall"] is not None])
    covered = mean([1.0 if i["not_covered"] else 0.0 for i in items])
    return recall, covered


def split_topic_table(
    results: list[ItemResult], baseline: dict[str, Any] | None, fmt: Any, table: Any
) -> str:
    """The markdown table; ``fmt`` and ``table`` are the report's own cell and table helpers."""
    now = item_figures(r.model_dump(mode="json") for r in results if r.error is None)
    before_all = (baseline or {}).get("items", {})
    buckets: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item_id, fig in now.items():
        buckets[(fig["split"], fig["topic"])].append(item_id)
    header = ["split", "topic", "items", "fact recall", "'not covered'"]
    if baseline:
        header += ["items before", "fact recall before", "'not covered' before"]
    rows = []
    for (split, topic), ids in sorted(buckets.items()):
        recall, covered = _figures([now[i] for i in ids])
        row = [split, topic, str(len(ids)), fmt(recall), fmt(covered)]
        if baseline:
            shared = [before_all[i] for i in ids if i in before_all]
            b_recall, b_covered = _figures(shared) if shared else (None, None)
            row += [str(len(shared)), fmt(b_recall), fmt(b_covered)]
        rows.append(row)
    text = table(header, rows)
    if baseline:
        text += (
            f"\n\nBefore: commit {baseline.get('commit', '?')}, measured "
            f"{baseline.get('measured', '?')}, over the same items where both runs have them."
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a baseline from a results.jsonl file.")
    parser.add_argument("results", type=Path)
    parser.add_argument("--commit", required=True, help="the commit the results were made on")
    parser.add_argument("--measured", required=True, help="the date of that run, YYYY-MM-DD")
    args = parser.parse_args(argv)
    try:
        lines = args.results.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.results}: {exc}", file=sys.stderr)
        return 2
    payload = {"commit": args.commit, "measured": args.measured, "items": item_figures(rows)}
    json.dump(payload, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
