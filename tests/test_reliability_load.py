"""Load: 16 chat clients asking at once for 20 seconds, on loopback, against the real app.

It runs the same measurement as `corguide bench` (``assistant.evaluation.bench.ui_load``: the app
built by ``build_app`` around the session's assistant, 16 page clients over HTTP each asking
eval questions back to back) and writes the figures to ``test-output/load.json``. It asserts
no errors and bounded memory growth after warm-up; latency is recorded, not asserted (the
machine may be shared). A second test shows the bound on server memory: sessions capped and
idle ones dropped (issue 18).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import serve

from assistant.evaluation.bench import bench_questions, machine, ui_load

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 16
# 20 s, not the bench's 60: what this test asserts (no error, an answer for every client,
# memory bounded past warm-up) shows in the first seconds of 16 clients asking at once, and
# 20 s still gives hundreds of answers. The 60 s run is for the latency figures, which
# `corguide bench` reports (with its own memory growth) and this test only records; a leak
# slower than 300 MB in 20 s is the bench's to show.
SECONDS = 20.0
MAX_GROWTH_MB = 300.0


def test_sixteen_chat_clients_for_twenty_seconds(assistant):
    figures = ui_load(assistant, bench_questions(200), clients=CLIENTS, seconds=SECONDS)
    out = ROOT / "test-output" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"ui_load": figures, "machine": machine()}, indent=2) + "\n")

    assert figures["errors"] == 0, figures["error_examples"]
    assert figures["clients"] == CLIENTS and figures["seconds"] >= SECONDS
    assert figures["answers"] >= CLIENTS, "every client got at least one answer"
    assert figures["p95_ms"] is not None
    assert figures["rss_growth_after_warmup_mb"] < MAX_GROWTH_MB, figures


def test_idle_sessions_are_dropped_and_their_number_is_capped(assistant, settings):
    """Server memory (issue 18, item 5): Gradio kept every session's state, up to 10,000
    sessions, and never dropped an idle one. Now the served app caps the sessions and drops
    the idle ones whole; shown with the sweeper's clock moved, not by waiting."""
    import datetime

    import httpx

    from ui.app import build_app, launch_options
    from ui.server_guard import (
        SESSION_CAPACITY,
        SESSION_IDLE_SECONDS,
        expire_idle_sessions,
        idle_session_sweeper,
    )

    # What `serve` launches with: the sweeper runs while serving.
    assert launch_options()["app_kwargs"]["lifespan"] is idle_session_sweeper
    demo = build_app(assistant, settings)
    with serve(demo) as root:
        url = root + "gradio_api/"
        holder = demo.server_app.state_holder
        assert holder.capacity == SESSION_CAPACITY < 10_000
        visitors = [f"visitor-{i}" for i in range(40)]
        for session in visitors:
            data = ["AB", 8, False, False, False, None, None, False]
            response = httpx.post(
                url + "run/check_eligibility",
                json={"data": data, "session_hash": session},
                timeout=30,
            )
            assert response.status_code == 200, response.text
        chatted = "visitor-chat"
        _chat_once(url, demo, chatted)
        assert holder.session_data[chatted].state_data, "the chat kept its conversation state"
        assert set(visitors) | {chatted} <= set(holder.session_data)

        assert expire_idle_sessions(holder) == 0  # just used: nobody is idle
        last = max(holder.time_last_used[s] for s in [*visitors, chatted])
        later = last + datetime.timedelta(seconds=SESSION_IDLE_SECONDS + 1)
        assert expire_idle_sessions(holder, now=later) >= len(visitors) + 1
        assert not set(holder.session_data) & (set(visitors) | {chatted})


def _chat_once(url: str, demo, session: str) -> None:
    """One question through the chat tab's own event, as the page sends it."""
    import httpx

    fn_index = next(i for i, f in demo.fns.items() if f.name == "respond")
    data = ["What is SECOR?", [], {}, {}, "AB", "8", False, False, "", ""]
    join = httpx.post(
        url + "queue/join",
        json={"data": data, "fn_index": fn_index, "session_hash": session},
        timeout=30,
    )
    assert join.status_code == 200, join.text
    with httpx.stream("GET", url + f"queue/data?session_hash={session}", timeout=120) as stream:
        for line in stream.iter_lines():
            if "process_completed" in line:
                assert '"success":true' in line.replace(" ", ""), line[:300]
                return
    raise AssertionError("the chat event never completed")


def test_a_running_chat_keyword_matches_the_corpus_a_later_ingest_wrote(
    settings, built_index, tmp_path, monkeypatch
):
    """Issue 17: after an ingest, a chat loaded before it used to keyword-match the old corpus
    until it restarted. Its search now reloads the keyword view when the fingerprint changes."""
    import shutil

    from conftest import copy_index

    from assistant.answering.chain import Assistant
    from assistant.index.ingest import ingest
    from assistant.search import retrieve

    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    mine = settings.model_copy(update={"data_dir": tmp_path / "data", "corpus_dir": corpus})
    copy_index(settings, mine.chroma_dir)
    chat = Assistant.load(mine)  # the running chat, loaded before the ingest
    heading = "What is the quarrelsome wombat step of an Alberta audit?"
    with (corpus / "guidance" / "alberta.md").open("a", encoding="utf-8") as handle:
        handle.write(f"\n## {heading}\n\nThe quarrelsome wombat step is a made-up test step.\n")
    report = ingest(mine)  # what `corguide ingest` in another process does
    assert report.added == 1

    monkeypatch.setattr(retrieve, "FINGERPRINT_CHECK_SECONDS", 0.0)  # no 2 s wait in a test
    found = chat.search.search("quarrelsome wombat", jurisdiction="AB")
    assert found[0].chunk.section == heading
    assert heading in {c.section for c in chat.search.chunks}  # the keyword view is the new one


def test_bench_reports_each_figure_over_its_floor_and_fills_only_the_readme_table(tmp_path):
    """`corguide bench`'s table: every figure beside its same-run floor, written between the
    README's markers and nowhere else (timing itself is the bench's job, not a test's)."""
    from assistant.evaluation.bench import (
        README_END,
        README_START,
        markdown_table,
        ratios,
        write_readme_table,
    )

    figures = {
        "date": "2026-12-02 01:00 UTC",
        "machine": machine(),
        "question_mix": "every eval item",
        "cold_start": {
            "seconds": 3.0,
            "floor_command": "python -c 'import chromadb'",
            "floor_seconds": 1.5,
            "ratio_to_floor": 2.0,
            "peak_rss_mb": 300.0,
            "floor_peak_rss_mb": 150.0,
            "memory_ratio_to_floor": 2.0,
        },
        "warm": {
            "answer": {"p50_ms": 40.0, "p95_ms": 60.0, "n": 200},
            "floor": {"p50_ms": 20.0, "p95_ms": 30.0, "n": 200},
        },
        "ingest": {
            "chunks": 421,
            "full_seconds": 60.0,
            "ratio_to_raw_embedding": 0.5,
            "raw_embed_chunks_per_second": 14.0,
            "no_change_reingest_seconds": 0.3,
            "no_change_reingest_embedded": 0,
        },
        "ui_load": {"p95_ms": None, "reason": "skipped (--skip-ui)"},
    }
    figures["ratios"] = ratios(figures)
    assert figures["ratios"]["warm_p95_vs_embed_and_search"] == 2.0
    assert figures["ratios"]["chat_p95_vs_queue_floor"] is None  # no chat run, no ratio
    readme = tmp_path / "README.md"
    readme.write_text(f"# corguide\n\n{README_START}\nold table\n{README_END}\n\n## Next\n")
    write_readme_table(readme, markdown_table(figures))
    text = readme.read_text()
    assert "old table" not in text and text.endswith(f"{README_END}\n\n## Next\n")
    assert "| 3.0 s | 2.0x `python -c 'import chromadb'` (1.5 s) |" in text
    assert "2.0x / 2.0x embed + search" in text
