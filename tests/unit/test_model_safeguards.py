"""What an unreliable model does, and what the caller gets: tool calls written as text are taken as
calls and never read aloud, repeated calls are not run again and end in a step without tools, and
details the caller never said are not recorded. Scripted chat models stand in for the model."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import Field

from callbot.agents.agent_node import no_tool_choice
from callbot.agents.graph import build_graph
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.messages import ActionRequested, BotSpeech, CallStarted, UserUtterance
from callbot.phrases import Phrase, phrase
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from functions.agent_turn.handler import TurnHandler
from tests.fakes.chat import ScriptedChatModel, call
from tests.support.actions import complete


class ChoosingChatModel(ScriptedChatModel):
    """A scripted model that records the `tool_choice` of each step ("auto" when none was bound)."""

    choices: list[str] = Field(default_factory=list)

    def bind_tools(self, tools, **kwargs):
        super().bind_tools(tools)
        return self.bind(tool_choice=kwargs.get("tool_choice", "auto"))

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        self.choices.append(kwargs.get("tool_choice"))
        yield from super()._stream(messages, stop, run_manager, **kwargs)


class Line:
    """One call answered by agent_turn with `model`, from the greeting on."""

    def __init__(self, model, call_id, **settings):
        settings = AgentTurnSettings(first_sentence_timeout_s=5, llm_timeout_s=5, **settings)
        self.publisher, self.call_id = RecordingPublisher(), call_id
        self.handler = TurnHandler(build_graph(InMemorySaver(), model, settings), self.publisher, settings,
                                   MemoryCallLog())
        self.deliver(CallStarted(call_id=call_id, turn_seq=0, relay_instance="r1", from_number="+14155550123",
                                 language="en-US"))
        self.deliver(complete(self.requested(), caller=None))

    def deliver(self, message):
        self.handler.handle(Delivery(message=message, message_id=f"m{len(self.publisher.published)}",
                                     published_at=None))

    def say(self, turn, text):
        self.deliver(UserUtterance(call_id=self.call_id, turn_seq=turn, relay_instance="r1", text=text))

    def heard(self, turn):
        return [m.text for m in self.publisher.of_type(BotSpeech) if m.turn_seq == turn]

    def requested(self):
        return self.publisher.of_type(ActionRequested)[-1]

    @property
    def state(self):
        return self.handler._graph.get_state({"configurable": {"thread_id": self.call_id}}).values


@pytest.fixture
def model():
    return ChoosingChatModel(script=[])


@pytest.fixture
def line(model):
    return Line(model, "CA1")


def results(model, step=-1):
    """The tool results the model was given at its `step`-th call, decoded."""
    return [json.loads(m.content) for m in model.calls[step] if isinstance(m, ToolMessage)]


def written(name, args, fence=False):
    text = json.dumps({"name": name, "arguments": args})
    return AIMessage(f"```json\n{text}\n```" if fence else text)


DANA = {"first_name": "Dana", "last_name": "Whitfield"}


@pytest.mark.parametrize("fence", [False, True])
def test_a_tool_call_written_as_json_text_is_made_and_never_spoken(line, model, fence):
    model.script += [written("record_details", DANA, fence), AIMessage("Thanks, Dana. Which company are you with?")]
    line.say(1, "Hi, I'm Dana Whitfield.")
    assert line.heard(1) == ["Thanks, Dana.", "Which company are you with?"]
    assert {k: line.state["lead"][k] for k in DANA} == DANA
    step = next(m for m in line.state["messages"] if isinstance(m, AIMessage) and m.tool_calls)
    assert step.tool_calls[0]["name"] == "record_details" and step.tool_calls[0]["id"]
    assert step.text == ""  # the JSON is not in the history as something said


def test_words_before_a_written_call_are_spoken_and_the_call_made(line, model):
    model.script += [AIMessage('Nice to meet you. ```json\n{"name": "record_details", "arguments": '
                               '{"first_name": "Dana"}}\n```'), AIMessage("Which company are you with?")]
    line.say(1, "I'm Dana.")
    assert line.heard(1) == ["Nice to meet you.", "Which company are you with?"]
    assert line.state["lead"]["first_name"] == "Dana"


@pytest.mark.parametrize("text", [
    '{"name": "book_a_flight", "arguments": {"to": "Paris"}}',  # not a tool of this step
    '{"name": "record_details", "arguments": {"first_name": "Dana"}',  # cut short
    "```python\nprint('hello')\n```",
    '[{"name": "record_details"}]',
])
def test_code_that_is_no_call_of_the_steps_tools_is_never_spoken(line, model, text):
    model.script += [AIMessage(text)]
    line.say(1, "I'm Dana.")
    assert line.heard(1) == [phrase(Phrase.NOT_CAUGHT, "en-US")]  # never silence
    assert "first_name" not in (line.state.get("lead") or {})


def test_a_repeated_call_is_not_run_again_and_then_the_model_must_speak(line, model):
    model.script += [call("record_details", DANA, f"r{i}") for i in range(3)]
    model.script += [AIMessage("Thanks, Dana. Which company are you with?")]
    line.say(1, "Hi, I'm Dana Whitfield.")
    first, again, once_more = (results(model, step) for step in (1, 2, 3))
    assert first[-1]["recorded"] == DANA
    for repeated in (again[-1], once_more[-1]):
        assert repeated.keys() == {"already_done", "next"} and repeated["next"] == "ask which company they are with"
    assert model.choices == ["auto", "auto", "auto", "none"]  # the last step without tools
    assert line.heard(1) == ["Thanks, Dana.", "Which company are you with?"]


def test_a_model_that_calls_a_tool_in_a_step_without_tools_is_not_obeyed(line, model):
    model.script += [call("transfer_to_lead", {}, f"t{i}") for i in range(4)]
    line.say(1, "Hello?")
    assert model.choices[-1] == "none" and len(model.calls) == 4
    assert line.heard(1)[-1] == phrase(Phrase.NOT_CAUGHT, "en-US")


def test_the_step_without_tools_is_made_even_when_the_repeats_reach_the_step_limit(model):
    line = Line(model, "CA9", max_agent_steps=3)
    model.script += [call("transfer_to_lead", {}, f"t{i}") for i in range(3)] + [AIMessage("How can I help?")]
    line.say(1, "Hello?")
    assert model.choices == ["auto", "auto", "auto", "none"] and line.heard(1) == ["How can I help?"]


def test_the_same_call_runs_again_once_the_caller_has_spoken(line, model):
    model.script += [call("transfer_to_knowledge", {}, "k1"), call("search_knowledge", {"question": "price?"}, "q1")]
    line.say(1, "What does it cost?")
    search = line.requested()
    model.script += [AIMessage("It is 49 dollars a month.")]
    line.deliver(complete(search, passages=[]))
    model.script += [call("transfer_to_knowledge", {}, "k2"), call("search_knowledge", {"question": "price?"}, "q2")]
    line.say(2, "Sorry, what does it cost?")
    assert line.requested().request_id == "q2"  # asked again, so looked up again


def test_details_the_caller_never_said_are_not_recorded_and_the_model_is_told(line, model):
    model.script += [call("record_details", {**DANA, "email": "dana.whitfield@acme.com", "company": "Acme Logistics"}),
                     AIMessage("Thanks, Dana. What is your email address?")]
    line.say(1, "Hi, I'm Dana Whitfield from Acme Logistics.")
    lead = line.state["lead"]
    assert "email" not in lead and lead["company"] == "Acme Logistics" and lead["first_name"] == "Dana"
    result = results(model)[-1]
    assert set(result["not_recorded"]) == {"email"} and "email" not in result["recorded"]
    model.script += [call("record_details", {"email": "dana@acme-logistics.com", "email_confirmed": True}, "e2"),
                     AIMessage("Got it.")]
    line.say(2, "It's dana at acme dash logistics dot com.")
    assert line.state["lead"]["email"] == "dana@acme-logistics.com"


def test_a_made_up_phone_number_is_not_recorded_and_one_said_in_words_is(line, model):
    model.script += [call("record_details", {"phone": "+14155550199", "consent": True}, "p1"), AIMessage("Noted.")]
    line.say(1, "Yes, you can text me.")
    assert "phone" not in line.state["lead"] and line.state["lead"]["consent"] is True
    assert set(results(model)[-1]["not_recorded"]) == {"phone"}
    model.script += [call("record_details", {"phone": "+14155550199"}, "p2"), AIMessage("Noted.")]
    line.say(2, "Text me at four one five, five five five, oh one nine nine.")
    assert line.state["lead"]["phone"] == "+14155550199"


def test_no_tool_choice_is_the_object_anthropic_takes_and_none_elsewhere():
    class Anthropic:
        _llm_type = "anthropic-chat"

    assert no_tool_choice(Anthropic()) == {"type": "none"}
    assert no_tool_choice(ScriptedChatModel(script=[])) == "none"
