"""The metrics' names and labels, the thresholds file, and the gate that checks them.

``evals/thresholds.toml`` bounds a metric over all items (``[minimum]``, ``[maximum]``) or over
one split (``[wild.minimum]``); ``gate`` checks each bound against the run's metrics.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import CorguideError

# The order metrics appear in tables; names are the keys of metrics.json and thresholds.toml.
METRICS = (
    "hit@5",
    "recall@5",
    "mrr",
    "ndcg@5",
    "fact_recall",
    "fact_share",
    "lead_fact",
    "supported",
    "citation_validity",
    "number_grounding",
    "tool_accuracy",
    "refusal_accuracy",
    "refusal_precision",
    "refusal_recall",
    "not_covered_precision",
    "not_covered_recall",
    "not_covered_share",
    "turn_pass_rate",
    "state_accuracy",
    "route_accuracy",
    "turn_fact_recall",
    "turn_tool_accuracy",
    "wrong_refusals",
    "item_pass_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
LABELS = {
    "hit@5": "retrieval hit@5",
    "recall@5": "retrieval recall@5",
    "mrr": "retrieval MRR",
    "ndcg@5": "retrieval nDCG@5",
    "fact_recall": "answer fact recall (all key facts)",
    "fact_share": "share of key facts present",
    "lead_fact": "first sentences with a key fact",
    "supported": "answers with a citation or tool result",
    "citation_validity": "citation validity",
    "number_grounding": "number grounding",
    "tool_accuracy": "tool decisions (exact match)",
    "refusal_accuracy": "refusal accuracy",
    "refusal_precision": "refusal precision",
    "refusal_recall": "refusal recall",
    "not_covered_precision": "'not covered' precision",
    "not_covered_recall": "'not covered' recall",
    "not_covered_share": "answers saying 'not covered'",
    "turn_pass_rate": "conversation turns passing",
    "state_accuracy": "turns with the right state",
    "route_accuracy": "turns with the right route",
    "turn_fact_recall": "turns with their key facts",
    "turn_tool_accuracy": "turns with the right tool decision",
    "wrong_refusals": "business turns refused (count)",
    "item_pass_rate": "items passing every check",
    "latency_p50_ms": "latency p50 (ms)",
    "latency_p95_ms": "latency p95 (ms)",
}


class ThresholdError(CorguideError):
    """The thresholds file cannot be read or names an unknown metric."""


SCOPES = ("all", "gold", "wild", "dev", "phrasing", "conversation")


@dataclass
class Check:
    metric: str
    value: float | None
    bound: float
    op: str  # ">=" or "<="
    scope: str = "all"  # "all" items, or one split

    @property
    def ok(self) -> bool:
        if self.value is None:  # no item measures it: nothing to fail on
            return True
        return self.value >= self.bound if self.op == ">=" else self.value <= self.bound

    @property
    def label(self) -> str:
        return self.metric if self.scope == "all" else f"{self.scope}: {self.metric}"


Thresholds = dict[str, dict[str, dict[str, float]]]  # scope -> "minimum"/"maximum" -> bounds


def _bounds(path: Path, name: str, section: object) -> dict[str, float]:
    if not isinstance(section, dict):
        raise ThresholdError(f"{path}: [{name}] must be a table of metric = number")
    for metric, bound in section.items():
        if metric not in METRICS:
            raise ThresholdError(
                f"{path}: unknown metric {metric!r} in [{name}]; known: {', '.join(METRICS)}"
            )
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise ThresholdError(f"{path}: [{name}] {metric} must be a number")
    return {k: float(v) for k, v in section.items()}


def load_thresholds(path: Path) -> Thresholds:
    """The bounds of a thresholds file: ``[minimum]``/``[maximum]`` apply to all items, and
    ``[<split>.minimum]``/``[<split>.maximum]`` to one split (gold, wild, dev, phrasing,
    conversation).

    Raises:
        ThresholdError: unreadable TOML, an unknown table or metric, or a non-numeric bound.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.toml"
        >>> _ = p.write_text("[minimum]\\nmrr = 0.9\\n[wild.minimum]\\nfact_recall = 0.85\\n")
        >>> load_thresholds(p)["wild"]
        {'minimum': {'fact_recall': 0.85}}
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThresholdError(f"{path}: cannot read the thresholds ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdError(f"{path}: not valid TOML ({exc})") from None
    out: Thresholds = {}
    for key, value in data.items():
        if key in ("minimum", "maximum"):
            out.setdefault("all", {})[key] = _bounds(path, key, value)
        elif key in SCOPES[1:] and isinstance(value, dict):
            extra = sorted(set(value) - {"minimum", "maximum"})
            if extra:
                raise ThresholdError(
                    f"{path}: unknown table(s) {key}.{', '.join(extra)}; use [{key}.minimum]"
                )
            for table, section in value.items():
                out.setdefault(key, {})[table] = _bounds(path, f"{key}.{table}", section)
        else:
            raise ThresholdError(
                f"{path}: unknown table {key!r}; use [minimum], [maximum] or "
                f"[<split>.minimum] with a split among {', '.join(SCOPES[1:])}"
            )
    return out


def gate(by_scope: dict[str, dict[str, Any]], thresholds: Thresholds) -> list[Check]:
    """Each threshold checked against the metrics of its scope, in table order.

    ``by_scope`` maps "all" and each split present to its `aggregate`; a split with no items
    measures nothing, so its bounds cannot fail.
    """
    checks = []
    for scope, tables in thresholds.items():
        metrics = by_scope.get(scope, {})
        for table, op in (("minimum", ">="), ("maximum", "<=")):
            for m, b in tables.get(table, {}).items():
                checks.append(Check(m, metrics.get(m), b, op, scope))
    order = {m: i for i, m in enumerate(METRICS)}
    scopes = {s: i for i, s in enumerate(SCOPES)}
    return sorted(checks, key=lambda c: (scopes[c.scope], order[c.metric], c.op))


def gate_passed(metrics: dict[str, Any], checks: list[Check]) -> bool:
    """All thresholds met and no item crashed (a crash is never a pass)."""
    return all(c.ok for c in checks) and not metrics.get("errors")
