"""`callbot eval`: without a provider's credentials it says why and skips, successfully; the
verdicts per scenario, the LLM steps timed, and what went wrong on the model's side."""

from uuid import uuid4

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from callbot.llm.offline import OfflineDialogueModel
from callbot.settings import AgentTurnSettings
from devtools import cli
from devtools.evaluate import (
    StepTimer,
    Verdict,
    credentials_missing,
    evaluate_text,
    render,
    select,
    step_figures,
    tool_errors,
)
from devtools.simcall import scenario as sc
from tests.fakes.chat import ScriptedChatModel


@pytest.mark.parametrize("provider, variable", [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")])
def test_a_provider_without_credentials_is_skipped(provider, variable, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(variable, raising=False)
    assert cli.main(["--state-dir", str(tmp_path / "stack"), "eval", "--provider", provider]) == 0
    assert capsys.readouterr().out.startswith(f"skipped: the {provider} provider cannot be called from here: "
                                              f"{variable} is not set")
    monkeypatch.setenv(variable, "key")
    assert credentials_missing(provider) is None
    assert credentials_missing("offline") is None


def test_the_verdicts_are_printed_per_scenario():
    text = render("vertexai", [Verdict("asks_for_human", [], [400, 600], [100], []),
                               Verdict("product_question", ["the bot never said 'Pricing'"], [900], [50, 70], [300])])
    lines = text.splitlines()
    assert lines[1].split() == ["PASS", "asks_for_human", "500", "/", "100", "/", "-"]
    assert lines[2].split() == ["FAIL", "product_question", "900", "/", "60", "/", "300"]
    assert lines[3] == "        - the bot never said 'Pricing'"
    assert lines[4].startswith("1/2 passed; over all calls: turn latency median 600 ms (n=3)")


def test_the_openai_compatible_provider_needs_the_address_of_its_server(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("CALLBOT_LLM_BASE_URL", raising=False)
    assert cli.main(["--state-dir", str(tmp_path / "stack"), "eval", "--level", "text",
                     "--provider", "openai_compatible"]) == 0
    assert capsys.readouterr().out.startswith("skipped: the openai_compatible provider cannot be called from here: "
                                              "CALLBOT_LLM_BASE_URL is not set")
    monkeypatch.setenv("CALLBOT_LLM_BASE_URL", "http://127.0.0.1:8080/v1")
    assert credentials_missing("openai_compatible") is None  # no key needed: local servers take any


def test_each_llm_step_of_a_text_level_run_is_timed_and_summed_up():
    settings = AgentTurnSettings()
    [verdict] = evaluate_text(select(["asks_for_human"]), OfflineDialogueModel(company_name=settings.company_name),
                              settings)
    assert verdict.passed and verdict.notes == []
    assert len(verdict.llm_steps_s) >= 1 and all(0 <= s < 5 for s in verdict.llm_steps_s)
    text = render("offline", [verdict])
    assert f"LLM steps n={len(verdict.llm_steps_s)}, median " in text.splitlines()[1]
    assert f"seconds per LLM step over all calls: n={len(verdict.llm_steps_s)}, median " in text
    assert text.splitlines()[-1] == "task success: 1/1 (100%)"


def test_what_went_wrong_on_the_model_side_is_noted_per_scenario():
    as_text = AIMessage('<tool_call>\n{"name": "transfer_to_human", "arguments": {"reason": "asked"}}\n</tool_call>')
    model = ScriptedChatModel(script=[as_text, RuntimeError("server went away"),
                                      ("sleep", 0.6, AIMessage("Too late.")), *[AIMessage("Sure.")] * 6])
    settings = AgentTurnSettings(llm_timeout_s=0.3, first_sentence_timeout_s=0.1)
    scenario = sc.parse({"steps": [{"say": "I want a person"}, {"say": "hello?"}, {"say": "anyone?"},
                                   {"say": "still there?"}], "expect": {"ended_by": "transfer"}})
    [verdict] = evaluate_text({"made_up": scenario}, model, settings)
    assert not verdict.passed
    notes = "\n".join(verdict.notes)
    assert "tool call written as text: <tool_call>" in notes
    assert "model error: RuntimeError: server went away" in notes
    assert "model failed" in notes and "timeout" in notes
    assert "        ~ tool call written as text" in render("scripted", [verdict])


def test_tool_calls_whose_arguments_do_not_parse_are_noted():
    timer, run = StepTimer(), uuid4()
    unparsed = AIMessage("", invalid_tool_calls=[{"name": "record_details", "args": '{"first_name": "Ha',
                                                   "id": "c1", "error": "bad json", "type": "invalid_tool_call"}])
    timer.on_chat_model_start({}, [], run_id=run)
    timer.on_llm_end(LLMResult(generations=[[ChatGeneration(message=unparsed)]]), run_id=run)
    assert timer.notes() == ['tool call arguments that do not parse: record_details({"first_name": "Ha)']
    assert len(timer.seconds) == 1


def test_tool_results_that_are_errors_are_noted():
    messages = [ToolMessage('{"error": "invalid details: team_size"}', tool_call_id="1", name="record_details"),
                ToolMessage('{"recorded": {}}', tool_call_id="2", name="record_details"),
                ToolMessage("boom", tool_call_id="3", name="search_knowledge", status="error")]
    assert tool_errors(messages) == ["tool error: record_details: invalid details: team_size",
                                     "tool error: search_knowledge: boom"]


def test_step_figures_are_the_median_and_the_90th_percentile():
    assert step_figures([float(s) for s in range(1, 11)]) == "n=10, median 5.50 s, p90 9.10 s"
    assert step_figures([2.0]) == "n=1, median 2.00 s, p90 2.00 s"
    assert step_figures([]) == "n=0"
