"""The fakes of settable latency behind bench/voice_latency.py, and what the turn records so its
latency can be split: the scripted STT's late final, the offline LLM's first token, the relay's
TTS/playback split and agent_turn's LLM wait."""

from langgraph.checkpoint.memory import InMemorySaver

from callbot.agents.graph import build_graph
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.llm.offline import OfflineDialogueModel
from callbot.messages import ActionCompleted, ActionRequested, CallStarted, UserUtterance
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from functions.agent_turn.handler import TurnHandler
from stream_relay import mulaw
from stream_relay.speech.scripted_stt import ScriptedSpeechToText
from stream_relay.speech.synthetic_voice import synthesize_mulaw
from stream_relay.turn_latency import TurnTiming


def feed(stt, audio):
    for frame in mulaw.frames(audio):
        stt.feed(frame)


def test_the_scripted_final_is_ready_only_after_its_latency_of_quiet():
    stt = ScriptedSpeechToText(["hello there"], final_ms=150)
    stt.utterance_started()
    feed(stt, synthesize_mulaw("hello there"))
    assert not stt.final_ready()
    feed(stt, mulaw.silence(140))
    assert not stt.final_ready() and stt.interim_text() == "hello there"
    feed(stt, mulaw.silence(20))
    assert stt.final_ready()
    feed(stt, synthesize_mulaw("and more"))  # the caller goes on: the final is withdrawn
    assert not stt.final_ready()


def test_without_latency_the_scripted_final_is_ready_at_once():
    stt = ScriptedSpeechToText(["hello"])
    stt.utterance_started()
    feed(stt, synthesize_mulaw("hello"))
    assert stt.final_ready()


def test_the_relay_splits_tts_from_playback_and_the_stages_add_up():
    timing = TurnTiming(1, speech_ended_ms=1000, endpointed_ms=1300, transcribed_ms=1301, published_ms=1310,
                        agent_sent_ms=1800, reply_received_ms=1830, tts_ready_ms=1980, first_audio_ms=1985)
    stages = timing.breakdown()
    assert (stages["tts_ms"], stages["playback_ms"]) == (150, 5)
    assert stages["tts_ms"] + stages["playback_ms"] == stages["tts_and_playback_ms"]
    parts = ("endpointing_ms", "stt_ms", "publish_ms", "bus_and_agent_ms", "reply_bus_ms", "tts_and_playback_ms")
    assert sum(stages[p] for p in parts) == stages["total_ms"] == 985
    assert TurnTiming(2, 0, 0).breakdown()["tts_ms"] is None  # no audio yet: unknown, not zero


def test_agent_turn_records_how_long_it_waited_on_the_llm_before_the_first_sentence():
    settings = AgentTurnSettings(first_sentence_timeout_s=5, llm_timeout_s=5)
    publisher, call_log = RecordingPublisher(), MemoryCallLog()
    model = OfflineDialogueModel(company_name=settings.company_name, first_token_s=0.05)
    handler = TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, call_log)
    handler.handle(Delivery(message=CallStarted(call_id="CA1", turn_seq=0, relay_instance="r1",
                                                from_number="+14155550123"), message_id="1", published_at=None))
    [lookup] = publisher.of_type(ActionRequested)
    handler.handle(Delivery(message=ActionCompleted(
        call_id="CA1", turn_seq=0, relay_instance="r1", request_id=lookup.request_id, port=lookup.port,
        action=lookup.action, result={"caller": None}), message_id="2", published_at=None))
    handler.handle(Delivery(message=UserUtterance(call_id="CA1", turn_seq=1, relay_instance="r1",
                                                  text="We want to start next quarter."), message_id="3", published_at=None))
    run = call_log.events["CA1"]["agent-UserUtterance-0001"]
    assert run["llm_before_first_ms"] >= 50  # the fake's first token, at least once
    assert run["first_segment_ms"] >= run["llm_before_first_ms"]
    assert run["received_at_ms"] <= run["at_ms"]
    greeting = call_log.events["CA1"]["agent-CallStarted-0000"]
    assert greeting["llm_before_first_ms"] == 0  # the greeting is not the LLM's
