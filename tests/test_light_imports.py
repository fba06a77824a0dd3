"""What start-up must not import (issue 17): checked in a new process, by module name.

Each of these was once imported by every process that loaded the module named, for objects
only another path uses; a new top-level import of one brings the cost back.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.knowledge.rules_store import using_corpus

ROOT = Path(__file__).resolve().parents[1]


def _imported_by(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "code",
    [
        "import assistant.tools",
        # The CLI registers the tool commands at import, for every command it runs.
        "from assistant.cli import main",
    ],
)
def test_the_tools_and_the_cli_do_not_import_langchain_tools(code):
    """`langchain_core.tools` (its tracers, langsmith, requests: about 25 MB and 0.5 s) is for
    an LLM binding only: `assistant.tools.langchain_tools()` imports it when called."""
    imported = _imported_by(code)
    assert "assistant.tools" in imported  # the code ran what it names
    assert "langchain_core.tools" not in imported


def test_the_langchain_runnable_gives_the_answer_ask_gives(assistant):
    """`ask` runs the stages without LangChain; `Assistant.chain` is the same stages as one
    runnable, for tracing, and must answer the same."""
    from assistant.answering.answer import ConversationState

    question = "I have 8 workers in Alberta. Which program fits me?"
    direct = assistant.ask(question)
    with using_corpus(assistant.settings.corpus_dir, assistant.settings.data_dir):
        via = assistant.chain.invoke({"question": question, "state": ConversationState()})
    assert direct.tool_calls  # a question that runs a tool (it reads the served rules)
    assert (via.answer, via.citations, via.tool_calls, via.route) == (
        direct.answer,
        direct.citations,
        direct.tool_calls,
        direct.route,
    )
