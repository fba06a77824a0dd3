"""The served chat's per-answer path under load (issue 17): one update per answer, no component
rebuilt per answer, and the lean load clients that measure it over the page's own HTTP API."""

from __future__ import annotations

import json

import httpx
import pytest

from assistant.errors import InputError
from assistant.evaluation.bench import eval_pool, markdown_table, ratios, run_ui_bench
from assistant.evaluation.bench_load import ui_load
from assistant.evaluation.load_clients import CHAT_TURNS, ApiChat, PageChat
from ui.app import QUEUE_ANALYTICS


def test_a_page_answer_is_one_update_and_rebuilds_no_component(served):
    """The chat used to stream five updates per answer and leave outputs out of them; Gradio
    builds a new component for every output left out (or given as gr.update), per answer."""
    url, demo = served
    with httpx.Client(base_url=url, timeout=60) as http:
        config = http.get("config").json()
        chat = PageChat(http, config)
        seen = chat.ask("I have 8 workers in Alberta. Which program fits me?", "AB")
        assert seen["updates"] == 1
        assert "SECOR" in json.dumps(chat.history)
        assert chat.history[0]["role"] == "user" and chat.history[-1]["role"] == "assistant"
        seen = chat.ask("What pass mark do I need on a COR audit?", "ON")
        assert seen["updates"] == 1 and len(chat.history) == 4  # the history is carried
    session = demo.server_app.state_holder[chat.session]
    respond = next(f for f in demo.fns.values() if f.name == "respond")
    shown = [block for block in respond.outputs if not block.stateful]
    assert len(shown) >= 10
    rebuilt = [b for b in shown if session.blocks_config.blocks[b._id] is not b]
    assert not rebuilt, [type(b).__name__ for b in rebuilt]


def test_new_chat_starts_over_in_the_same_session(served):
    url, _ = served
    with httpx.Client(base_url=url, timeout=60) as http:
        chat = PageChat(http, http.get("config").json())
        for _ in range(CHAT_TURNS + 1):
            chat.ask("What is SECOR?", "MB")
        assert chat.turns == 1 and len(chat.history) == 2


def test_the_api_route_answers_like_a_script(served):
    url, _ = served
    with httpx.Client(base_url=url, timeout=60) as http:
        seen = ApiChat(http, {}).ask("What is the SECOR worker limit in Manitoba?", "MB")
    assert seen["bytes"] > 0 and seen["updates"] == 0


def test_the_queue_summarises_its_events_every_fifty(served):
    queue = served[1]._queue
    every, last = (queue.ANAYLTICS_CACHE_FREQUENCY, queue.ANALYTICS_MAX_EVENTS)  # Gradio's spelling
    assert str(every) == QUEUE_ANALYTICS["GRADIO_ANALYTICS_CACHE_FREQUENCY"] == "50"
    assert str(last) == QUEUE_ANALYTICS["GRADIO_ANALYTICS_MAX_EVENTS"] == "1000"


@pytest.mark.parametrize("route", ["page", "api"])
def test_a_short_load_run_reports_cpu_and_updates_per_answer(assistant, route):
    figures = ui_load(assistant, eval_pool()[:40], clients=2, seconds=3.0, route=route)
    assert figures["errors"] == 0, figures["error_examples"]
    assert figures["answers"] >= 2
    assert figures["server_cpu_ms_per_answer"] > 0 and figures["client_cpu_ms_per_answer"] > 0
    assert figures["updates_per_answer"] == (1.0 if route == "page" else 0.0)
    assert figures["rebuild_phase"] is None  # no rebuild asked: the steady run alone
    assert figures["memory_answers"] == figures["answers"]
    assert ("respond" in figures["route"]) == (route == "page")


def test_only_ui_needs_a_full_bench_first(tmp_path):
    with pytest.raises(InputError, match="full `corguide bench` first"):
        run_ui_bench(tmp_path / "bench.json", readme=None, log=lambda _: None)


def test_the_table_shows_the_chat_run_alone_with_its_own_date_and_cpu():
    from assistant.evaluation.bench import machine

    figures = {
        "date": "2026-12-02 01:00 UTC",
        "machine": machine() | {"cores": 2},
        "cold_start": {
            "seconds": 2.0,
            "floor_command": "python -c 'import chromadb'",
            "floor_seconds": 1.0,
            "ratio_to_floor": 2.0,
            "peak_rss_mb": 300.0,
            "floor_peak_rss_mb": 150.0,
            "memory_ratio_to_floor": 2.0,
        },
        "warm": {
            "answer": {"p50_ms": 10.0, "p95_ms": 20.0, "n": 200},
            "floor": {"p50_ms": 5.0, "p95_ms": 6.0, "n": 200},
        },
        "ingest": {
            "chunks": 1,
            "full_seconds": 1.0,
            "ratio_to_raw_embedding": 0.5,
            "raw_embed_chunks_per_second": 1.0,
            "no_change_reingest_seconds": 0.1,
            "no_change_reingest_embedded": 0,
        },
        "ui_load": {
            "p50_ms": 200.0,
            "p95_ms": 400.0,
            "clients": 16,
            "answers": 3000,
            "seconds": 100.0,
            "answers_per_second": 30.0,
            "errors": 0,
            "rebuild_phase": {
                "p50_ms": 350.0,
                "p95_ms": 450.0,
                "answers": 2000,
                "seconds": 90.0,
                "errors": 0,
                "server_cpu_ms_per_answer": 26.0,
                "rebuild": {"started_after_answers": 1000, "seconds": 88.0, "ok": True},
                "index_swapped": True,
                "serves_the_new_index": True,
            },
            "memory_answers": 5000,
            "server_cpu_ms_per_answer": 24.0,
            "client_cpu_ms_per_answer": 5.0,
            "updates_per_answer": 1.0,
            "rss_start_mb": 1.0,
            "rss_after_warmup_mb": 1.0,
            "rss_end_mb": 1.0,
            "rss_growth_after_warmup_mb": 0.0,
            "route": "the Ask tab's respond event",
            "load_average_at_start": 0.5,
            "date": "2026-12-02 08:30 UTC",
            "command": "corguide bench --only ui",
            "warm_answer": {"p50_ms": 12.0, "p95_ms": 22.0, "n": 200},
        },
    }
    figures["ratios"] = ratios(figures)
    assert figures["ratios"]["chat_queue_floor_ms"] == 96.0  # 12 ms x 16 / 2, not the old 10 ms
    table = markdown_table(figures)
    assert "(2026-12-02 08:30 UTC, `corguide bench --only ui`)" in table
    # The steady run is the headline; the rebuild, which takes a core, is its own row.
    assert "| 200.0 / 400.0 ms, 30.0 answers/s, 0 errors | p95 4.17x the queue floor" in table
    rebuild_row = next(line for line in table.splitlines() if "ingest --rebuild` ran" in line)
    assert "(2000 answers in 90.0 s) | 350.0 / 450.0 ms, 0 errors;" in rebuild_row
    assert "served the new index: yes" in rebuild_row and "for 88.0 s (ok: True)" in rebuild_row
    assert "end (5000 answers)" in table
    assert "24.0 ms (5.0 ms), 1.0 updates per answer | 2.0x the warm answer p50 (12.0 ms)" in table
    assert "Chat clients: the Ask tab's respond event; load average 0.5 as" in table


def test_every_answering_event_shares_one_limit_of_one_per_core(served):
    from ui.api import ANSWER_GROUP
    from ui.app import QUEUE_CONCURRENCY

    _, demo = served
    answering = [f for f in demo.fns.values() if f.name in ("respond", "chat_api")]
    assert len(answering) == 3  # Enter, Send and /chat
    assert {f.concurrency_id for f in answering} == {ANSWER_GROUP}
    assert {f.concurrency_limit for f in answering} <= {"default", QUEUE_CONCURRENCY}
    assert demo._queue.default_concurrency_limit == QUEUE_CONCURRENCY


def test_the_answer_events_convert_their_values_in_the_answer_thread(served):
    """Gradio ran each of the chat's 23 inputs and outputs through a worker thread of its own
    per answer; the answering events now leave that to `inline_processing` (issue 17)."""
    _, demo = served
    respond = [f for f in demo.fns.values() if f.name == "respond"]
    assert len(respond) == 2  # Enter and Send
    assert not any(f.preprocess or f.postprocess for f in respond)


def test_inline_processing_converts_as_gradio_does():
    import gradio as gr

    from ui.chat_tab import inline_processing

    with gr.Blocks():
        chat, count, keep = gr.Chatbot(), gr.Number(precision=0), gr.State()
    seen = {}

    def fn(history, n, state):
        seen.update(history=history, n=n, state=state)
        yield {chat: [*history, {"role": "assistant", "content": "hi"}], keep: {"raw": 1}}

    payload = [{"role": "user", "content": [{"type": "text", "text": "hello"}]}]
    (update,) = inline_processing(fn, [chat, count, keep])(payload, 3.0, {"s": 1})
    assert seen["n"] == 3 and isinstance(seen["n"], int)  # Number's precision applied
    assert seen["history"] == chat.preprocess(chat.data_model.model_validate(payload))
    assert seen["state"] == {"s": 1} and update[keep] == {"raw": 1}  # state passes untouched
    said = [*seen["history"], {"role": "assistant", "content": "hi"}]
    assert update[chat] == chat.postprocess(said).model_dump()  # serialised, as Gradio sends it
