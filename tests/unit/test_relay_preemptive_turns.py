"""Preemptive turns on the relay, with fake services: the utterance goes to the agent on the STT's
final, before the silence that closes the turn; its reply is held until the turn closes; a caller
who goes on speaking withdraws it. The last test runs agent_turn in-process on the relay's messages
(the real graph, a scripted chat model): one answer to the whole utterance, and no write from the
withdrawn turn."""

import time
from collections import deque
from concurrent.futures import Future
from dataclasses import replace

from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from callbot.agents.graph import build_graph
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.messages import ActionRequested, BotSpeech, Topic, TurnSettled, UserUtterance
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from functions.agent_turn.handler import TurnHandler
from stream_relay import mulaw, twilio_wire
from stream_relay.app import create_app
from stream_relay.preemptive_turn import same_words
from stream_relay.speech.scripted_stt import ScriptedSpeechToText
from tests.fakes.chat import ScriptedChatModel, call
from tests.fakes.relay import fake_services
from tests.support.actions import complete
from tests.support.relay_stream import open_stream, speak, start, wait_published

WHOLE = "I would like a demo next week"


def preemptive_services(**settings):
    """The STT's final 100 ms into a pause; the turn closes 300 ms after it (so a 200 ms pause is
    a tentative turn that the caller's next words withdraw)."""
    services = fake_services(endpoint_silence_after_final_ms=300, **settings)
    return replace(services, stt_factory=ScriptedSpeechToText.factory(final_ms=100))


def reply(text, turn, segment=0, is_last=True):
    return BotSpeech(call_id="CA200", turn_seq=turn, relay_instance="test-relay", segment=segment, text=text,
                     is_last=is_last)


def play_until(ws, last_mark):
    """Read what the relay sends up to the mark `last_mark`, echoing each mark as Twilio does once
    its audio has played; returns the marks' names (`turn.segment.end`)."""
    names = []
    while not names or names[-1] != last_mark:
        frame = twilio_wire.parse_outbound(ws.receive_text())
        if isinstance(frame, twilio_wire.PlayMark):
            names.append(frame.name)
            ws.send_text(twilio_wire.mark_echo_message("MZ1", frame.name, len(names)))
    return names


def wait_settled(services, count):
    while len(services.publisher.of_type(TurnSettled)) < count:
        wait_published(services, TurnSettled)
        time.sleep(0.01)


def hang_up(ws):
    ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 9))


def quiet(ws, ms):
    for frame in mulaw.frames(mulaw.silence(ms)):
        ws.send_text(twilio_wire.media_in_message("MZ1", frame, 0, 0, 0))


def settlements(services):
    return [(s.turn_seq, s.kept) for s in services.publisher.of_type(TurnSettled)]


def test_transcripts_that_differ_only_in_case_and_punctuation_are_the_same_words():
    assert same_words("Next Tuesday, at 10.", "next tuesday at 10")
    assert not same_words("Next Tuesday", "next Tuesday at 10")


def test_the_turn_starts_on_the_final_and_its_reply_plays_only_once_the_turn_is_kept():
    services = preemptive_services()
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [WHOLE])
        speak(ws, WHOLE, silence_ms=200)  # the final is in, the turn still open
        wait_published(services, UserUtterance)
        [early] = services.publisher.of_type(UserUtterance)
        assert (early.turn_seq, early.text, early.tentative) == (1, WHOLE, True)
        services.replies.deliver(reply("Happy to set that up.", turn=1))
        quiet(ws, 400)  # the turn closes
        assert play_until(ws, "1.0.end") == ["1.0.end"]
        hang_up(ws)
    assert settlements(services) == [(1, True)]
    [kept] = services.publisher.of_type(TurnSettled)
    assert services.calls.events["CA200"]["bot-0001-00"]["at_ms"] >= kept.sent_at_ms  # held until kept
    assert services.calls.events["CA200"]["caller-0001"]["text"] == WHOLE
    assert len(services.publisher.of_type(UserUtterance)) == 1


def test_a_caller_who_goes_on_withdraws_the_turn_and_its_reply_is_never_played():
    services = preemptive_services()
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [WHOLE])
        speak(ws, "I would like", silence_ms=200)
        wait_published(services, UserUtterance)
        services.replies.deliver(reply("Who am I speaking with?", turn=1))  # the early answer
        speak(ws, "a demo next week", silence_ms=700)
        wait_settled(services, 2)
        services.replies.deliver(reply("Happy to set that up.", turn=2))
        assert play_until(ws, "2.0.end") == ["2.0.end"]  # nothing of turn 1
        hang_up(ws)
    assert settlements(services) == [(1, False), (2, True)]
    assert [(u.turn_seq, u.tentative) for u in services.publisher.of_type(UserUtterance)] == [(1, True), (2, True)]
    events = services.calls.events["CA200"]
    assert "bot-0001-00" not in events and "caller-0001" not in events
    assert events["caller-0002"]["text"] == WHOLE and events["bot-0002-00"]["text"] == "Happy to set that up."


def test_preemptive_turns_can_be_turned_off():
    services = preemptive_services(preemptive_turns=False)
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [WHOLE])
        speak(ws, WHOLE, silence_ms=700)
        wait_published(services, UserUtterance)
        hang_up(ws)
    assert [u.tentative for u in services.publisher.of_type(UserUtterance)] == [False]
    assert services.publisher.of_type(TurnSettled) == []


class BriefSpeech:
    """TTS of 60 ms a sentence, so that the greeting is over before the caller speaks."""

    async def synthesize(self, text, language):
        return mulaw.silence(60)


class AgentOnTheBus(RecordingPublisher):
    """The relay's publisher, with agent_turn behind it in-process: every turn-topic message runs the
    real graph (in order, one at a time, as the ordered subscription delivers them); its sentences go
    back to the relay, its action requests are recorded, and the caller lookup at the start is
    answered (nobody known)."""

    def __init__(self, services, model):
        super().__init__()
        settings = AgentTurnSettings(first_sentence_timeout_s=5, llm_timeout_s=5)
        self.requests: list[ActionRequested] = []
        self.graph = build_graph(InMemorySaver(), model, settings)
        self._handler = TurnHandler(self.graph, _AgentOut(self, services), settings, MemoryCallLog())
        self._inbox: deque = deque()

    def publish(self, message):
        future = super().publish(message)
        if message.topic == Topic.TURNS:
            self.deliver(message)
        return future

    def deliver(self, message):
        self._inbox.append(message)
        if len(self._inbox) == 1:
            while self._inbox:
                self._handler.handle(Delivery(message=self._inbox[0], message_id="1", published_at=None))
                self._inbox.popleft()


class _AgentOut:
    def __init__(self, bus, services):
        self._bus, self._services = bus, services

    def publish(self, message):
        if isinstance(message, BotSpeech):
            self._services.replies.deliver(message)
        elif isinstance(message, ActionRequested):
            self._bus.requests.append(message)
            if message.action == "find_caller":
                self._bus.deliver(complete(message, caller=None))
        future: Future = Future()
        future.set_result("1")
        return future


def test_a_caller_who_goes_on_after_the_early_final_gets_one_answer_and_no_write_from_the_early_turn():
    model = ScriptedChatModel(script=[
        # the early turn, on "I'm Dana from Acme": the details, and the lead saved (a write)
        call("record_details", {"company": "Acme", "consent": True}), call("save_lead", {}, "s1"),
        # the whole utterance: one answer
        AIMessage("Thanks Dana, what would you like to know about the boats?"),
    ])
    services = preemptive_services()
    bus = AgentOnTheBus(services, model)
    services = replace(services, publisher=bus, tts=BriefSpeech())
    whole = "I'm Dana from Acme and we sell boats"
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [whole])
        play_until(ws, "0.1.end")  # the greeting
        time.sleep(0.3)  # and its last frames played: the caller does not speak over it
        speak(ws, "I'm Dana from Acme", silence_ms=200)
        wait_published(services, UserUtterance)
        speak(ws, "and we sell boats", silence_ms=700)
        wait_settled(services, 2)
        assert play_until(ws, "2.0.end") == ["2.0.end"]  # one answer, to the whole utterance
        hang_up(ws)
    assert settlements(services) == [(1, False), (2, True)]
    assert [r.action for r in bus.requests] == ["find_caller"]  # save_lead never requested
    state = bus.graph.get_state({"configurable": {"thread_id": "CA200"}}).values
    assert [m.content for m in state["messages"] if isinstance(m, HumanMessage)] == [whole]
    assert state.get("lead", {}).get("company") is None and state["pending"] is None
    answers = [e["text"] for key, e in services.calls.events["CA200"].items() if key.startswith("bot-0002")]
    assert answers == ["Thanks Dana, what would you like to know about the boats?"]
