"""What the bot listens for next: `expected_slot` on conversation states, `BotSpeech.listen_for` on
the wire (old messages stay valid), and agent_turn setting it on the replies it publishes."""

import json

import pytest
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver

from callbot.agents.graph import build_graph
from callbot.agents.listening import expected_slot
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.messages import ActionRequested, BotSpeech, CallStarted, UserUtterance, decode, encode
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from functions.agent_turn.handler import TurnHandler
from tests.fakes.chat import ScriptedChatModel, call
from tests.support.actions import complete

QUALIFIED = {"first_name": "Dana", "last_name": "Whitfield", "company": "Acme Logistics", "role": "VP of Sales",
             "need": "answer every call", "team_size": 40, "timeline": "this quarter"}
SLOT = {"id": "s1", "start": "2026-12-01T15:00:00+00:00", "end": "2026-12-01T15:30:00+00:00", "rep": "Alex Kim"}


@pytest.mark.parametrize(("state", "slot"), [
    ({}, None),
    (None, None),
    ({"active_agent": "lead"}, "first_name"),
    ({"active_agent": "lead", "lead": {"first_name": "Dana", "last_name": "Whitfield"}}, "company"),
    ({"active_agent": "lead", "lead": QUALIFIED}, "email"),
    ({"active_agent": "lead", "lead": {**QUALIFIED, "email": "dana@acme.com", "email_confirmed": False}},
     "email_confirmed"),
    ({"active_agent": "lead", "lead": {**QUALIFIED, "email": "dana@acme.com", "email_confirmed": True,
                                       "name_confirmed": True, "consent": True}}, None),
    ({"active_agent": "calendar", "meeting_options": [SLOT]}, "slot_choice"),
    ({"active_agent": "calendar", "meeting_options": []}, None),
    ({"active_agent": "knowledge", "lead": {}}, None),
    ({"active_agent": "lead", "lead": {}, "end_call": True}, None),
    ({"active_agent": "calendar", "meeting_options": [SLOT], "transfer": True}, None),
])
def test_the_expected_slot_follows_the_specialist_and_what_is_missing(state, slot):
    assert expected_slot(state) == slot


def test_a_state_with_fields_the_listening_module_does_not_know_is_still_read():
    state = {"active_agent": "lead", "lead": {**QUALIFIED, "wants_meeting": True, "declined": []},
             "some_new_flag": 1}
    assert expected_slot(state) == "email"


def speech(**fields):
    return BotSpeech(call_id="CA1", turn_seq=3, relay_instance="r1", segment=1, text="What's your email?", **fields)


@pytest.mark.parametrize("listen_for", ["email", "slot_choice", "a_slot_added_later", None])
def test_bot_speech_round_trips_with_and_without_what_it_listens_for(listen_for):
    message = speech(listen_for=listen_for)
    decoded = decode(encode(message)[0])
    assert decoded == message and decoded.listen_for == listen_for


def test_a_bot_speech_from_before_the_field_decodes_as_listening_for_nothing():
    old = json.loads(encode(speech())[0])
    del old["listen_for"]
    decoded = decode(json.dumps(old).encode())
    assert isinstance(decoded, BotSpeech) and decoded.listen_for is None and decoded.text == "What's your email?"


# -- agent_turn publishes it ---------------------------------------------------------------------


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def model():
    return ScriptedChatModel(script=[])


@pytest.fixture
def handler(publisher, model):
    settings = AgentTurnSettings(first_sentence_timeout_s=5, llm_timeout_s=5)
    return TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, MemoryCallLog())


def deliver(handler, message):
    handler.handle(Delivery(message=message, message_id="1", published_at=None))


def start(handler, publisher, call_id):
    deliver(handler, CallStarted(call_id=call_id, turn_seq=0, relay_instance="r1", from_number="+14155550123"))
    deliver(handler, complete(publisher.of_type(ActionRequested)[-1], caller=None))


def reply(publisher, turn_seq):
    return [(m.text, m.is_last, m.listen_for) for m in publisher.of_type(BotSpeech) if m.turn_seq == turn_seq]


def test_the_reply_asking_for_the_email_listens_for_an_email(handler, publisher, model):
    start(handler, publisher, "CA1")
    model.script += [call("record_details", QUALIFIED), AIMessage("Thanks, Dana. What's the best email to reach you?")]
    deliver(handler, UserUtterance(call_id="CA1", turn_seq=1, relay_instance="r1",
                                   text="Dana Whitfield, VP of Sales at Acme Logistics, forty reps, this quarter"))
    assert reply(publisher, 1) == [("Thanks, Dana.", False, "email"),
                                   ("What's the best email to reach you?", True, "email")]


def test_the_reply_offering_meeting_times_listens_for_a_choice(handler, publisher, model):
    start(handler, publisher, "CA2")
    model.script += [call("transfer_to_calendar"), call("find_slots", {}, "f1")]
    deliver(handler, UserUtterance(call_id="CA2", turn_seq=1, relay_instance="r1", text="Can we meet next week?"))
    request = publisher.of_type(ActionRequested)[-1]
    assert request.action == "find_slots"
    model.script += [AIMessage("I can do Tuesday at 10 AM. Does that work?")]
    deliver(handler, complete(request, slots=[SLOT]))
    last = [m for m in publisher.of_type(BotSpeech) if m.turn_seq == 1 and m.is_last]
    assert [(m.text, m.listen_for) for m in last] == [("Does that work?", "slot_choice")]
