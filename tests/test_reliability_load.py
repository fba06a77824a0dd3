"""Load: 16 chat clients asking at once for 60 seconds, on loopback, against the real app.

It runs the same measurement as `corguide bench` (``assistant.evals.bench.ui_load``: the app
built by ``build_app`` around the session's assistant, 16 ``gradio_client`` users each asking
eval questions back to back) and writes the figures to ``test-output/load.json``. It asserts
no errors and bounded memory growth after warm-up; latency is recorded, not asserted (the
machine may be shared).
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evals.bench import bench_questions, machine, ui_load

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 16
SECONDS = 60.0
MAX_GROWTH_MB = 300.0


def test_sixteen_chat_clients_for_sixty_seconds(assistant):
    figures = ui_load(assistant, bench_questions(200), clients=CLIENTS, seconds=SECONDS)
    out = ROOT / "test-output" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"ui_load": figures, "machine": machine()}, indent=2) + "\n")

    assert figures["errors"] == 0, figures["error_examples"]
    assert figures["clients"] == CLIENTS and figures["seconds"] >= SECONDS
    assert figures["answers"] >= CLIENTS, "every client got at least one answer"
    assert figures["p95_ms"] is not None
    assert figures["rss_growth_after_warmup_mb"] < MAX_GROWTH_MB, figures
