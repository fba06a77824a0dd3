"""The tool registry: every front end offers the registry's tools with the registry's parameters.

The four sets compared against ``assistant.tools.registry``: the LangChain tools (what the
language model sees), the CLI commands' options, the Gradio API endpoints, and the tool calls
the chain and the LLM binding make.
"""

import inspect
import json
from types import SimpleNamespace

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from assistant.answering import chain, llm
from assistant.answering.answer import ConversationState, ToolCall
from assistant.cli import tools as tools_cli
from assistant.dialogue.understand import plan_question
from assistant.errors import InputError
from assistant.knowledge.jurisdictions import NAMES
from assistant.tools import TOOL_FUNCTIONS, langchain_tools
from assistant.tools.registry import PUBLIC, SPECS, check_args, describe_tool_call, run_tool


def _fields(name: str) -> list[str]:
    return SPECS[name].parameters()


def test_every_tool_function_takes_its_arguments_model():
    for spec in SPECS.values():
        params = inspect.signature(spec.func).parameters
        for name, info in spec.args.model_fields.items():
            assert name in params, (spec.name, name)
            default = params[name].default
            assert (default is inspect.Parameter.empty) == info.is_required(), (spec.name, name)
            if not info.is_required():
                assert default == info.default, (spec.name, name)
        required = [n for n, p in params.items() if p.default is inspect.Parameter.empty]
        assert set(required) <= set(spec.args.model_fields), spec.name


def test_langchain_tools_are_the_registry():
    tools = langchain_tools()
    assert [t.name for t in tools] == list(PUBLIC) == list(TOOL_FUNCTIONS)
    for tool in tools:
        assert list(tool.args_schema.model_fields) == _fields(tool.name)
        assert tool.description == SPECS[tool.name].description
    # The chat's own tools take the conversation's state: never offered to the model.
    assert {"readiness_check", "certification_plan"} <= set(SPECS) - set(PUBLIC)


def _cli_app() -> typer.Typer:
    app = typer.Typer()
    tools_cli.register(app)

    @app.callback()
    def main() -> None:
        """corguide (test app)."""

    return app


def test_cli_commands_are_the_registry():
    group = get_command(_cli_app())
    for spec in PUBLIC.values():
        command = group.commands[spec.cli]
        names = [p.name for p in command.params if p.name not in ("as_json", "help")]
        extra = tools_cli.CLI_ONLY.get(spec.name, set())
        assert [n for n in names if n not in extra] == _fields(spec.name), spec.name
        assert command.help == spec.title


CLI_CALLS = [
    (["check", "-p", "AB", "-w", "8", "--json"], "check_eligibility"),
    (["score", "-p", "AB", "--score", "Training=90", "--json"], "score_audit"),
    (["incentive", "-p", "MB", "--premium", "4,000", "--json"], "estimate_incentive"),
    (["schedule", "-p", "AB", "--certified-on", "2025-03-31", "--json"], "audit_schedule"),
    (["costs", "-p", "BC", "-w", "8", "--sites", "2", "--json"], "compare_costs"),
]


@pytest.mark.parametrize(("argv", "tool"), CLI_CALLS)
def test_cli_commands_call_through_the_registry(monkeypatch, argv, tool):
    calls = []

    def recording(name, args):
        calls.append((name, dict(args)))
        return run_tool(name, args)

    monkeypatch.setattr(tools_cli, "run_tool", recording)
    result = CliRunner().invoke(_cli_app(), argv)
    assert result.exit_code == 0, result.output
    assert [name for name, _ in calls] == [tool]
    assert set(calls[0][1]) == set(_fields(tool))
    assert json.loads(result.stdout) == run_tool(tool, calls[0][1]).model_dump(mode="json")


def test_gradio_endpoints_are_the_registry(settings):
    from gradio.utils import get_function_params

    from ui.app import build_app

    demo = build_app(settings=settings)
    endpoints = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name}
    assert set(PUBLIC) <= set(endpoints)
    for spec in PUBLIC.values():
        params = get_function_params(endpoints[spec.name].fn)
        assert [name for name, *_ in params] == _fields(spec.name)
        for name, has_default, default, hint in params:
            info = spec.args.model_fields[name]
            assert has_default == (not info.is_required()) and hint == info.annotation
            if has_default:
                assert default == info.default
    assert {"chat", "vote", "new_chat"} <= set(endpoints)


def _planned_calls() -> list[tuple[str, dict]]:
    """The tool calls the chain plans for the tool questions of the evals."""
    with open("evals/datasets/tools.jsonl", encoding="utf-8") as lines:
        items = [json.loads(line) for line in lines if line.strip()]
    calls = []
    for item in items:
        state = ConversationState(jurisdiction=item.get("jurisdiction"))
        calls += plan_question(item["question"], state, NAMES).tools
    for question in ("how ready am I?", "make me a plan"):
        state = ConversationState(jurisdiction="AB", workers=8)
        calls += plan_question(question, state, NAMES).tools
    return calls


def test_the_chains_tool_calls_fit_the_registry():
    calls = _planned_calls()
    assert {name for name, _ in calls} >= set(PUBLIC), "a tool the chain never plans"
    for name, args in calls:
        assert check_args(SPECS[name], args) == args


def test_each_tool_returns_its_registered_result_and_reads_back_from_json():
    for name, args in _planned_calls():
        spec = SPECS[name]
        result = run_tool(name, args)
        assert type(result) is spec.result, name
        data = result.model_dump(mode="json")
        assert spec.result.model_validate(data).model_dump(mode="json") == data
        text = describe_tool_call(ToolCall(name=name, args=args, result=data))
        assert result.province_name in text, name  # type: ignore[attr-defined]
        assert "\n".join(spec.render(result)).strip(), name


def test_the_chain_calls_tools_through_the_registry(monkeypatch):
    seen = []

    def recording(name, args):
        seen.append(name)
        return run_tool(name, args)

    monkeypatch.setattr(chain, "run_tool", recording)
    state = ConversationState(jurisdiction="AB", workers=8)
    plan = plan_question("Which program fits us?", state, NAMES)
    plan.retrieve = False
    gathered = chain.Assistant._gather(SimpleNamespace(), plan)
    assert seen == [name for name, _ in plan.tools] and seen
    assert [c.name for c in gathered.tool_calls] == seen


def test_the_llm_binding_offers_and_runs_the_registry_tools():
    bound = {}

    class Model:
        def bind_tools(self, tools):
            bound.update({t.name: list(t.args_schema.model_fields) for t in tools})
            return self

    llm._bind(Model())
    assert bound == {name: spec.parameters() for name, spec in PUBLIC.items()}
    assert llm._run_tool("compare_costs", {"jurisdiction": "SK", "workers": 4})["indicative"]
    assert "error" in llm._run_tool("readiness_check", {"jurisdiction": "AB", "workers": 8})
    refused = llm._run_tool("audit_schedule", {"jurisdiction": "AB", "when": "2025-01-01"})
    assert "takes no argument 'when'" in refused["error"]


def test_run_tool_names_what_is_wrong():
    with pytest.raises(InputError, match="unknown tool 'guess'"):
        run_tool("guess", {})
    with pytest.raises(InputError, match="compare_costs needs workers"):
        run_tool("compare_costs", {"jurisdiction": "AB"})
    with pytest.raises(InputError, match="unknown jurisdiction"):
        run_tool("compare_costs", {"jurisdiction": "Atlantis", "workers": 3})
    assert run_tool("compare_costs", {"jurisdiction": "AB", "workers": "1,000"}).workers == 1000
