"""Barge-in versus backchannels, call timers, handover and recording, with fake services."""

import asyncio
import threading
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from callbot.messages import BotInterrupted, BotSpeech, CallEnded, UserUtterance
from stream_relay import twilio_wire
from stream_relay.app import create_app
from stream_relay.barge_in import BargeInPolicy
from stream_relay.speech.scripted_stt import ScriptedSpeechToText
from tests.fakes.relay import fake_services
from tests.support.relay_stream import BASE, open_stream, sign, speak, start, wait_published

LONG = "This is a rather long sentence that the caller may or may not let the bot finish saying."


def reply(text, turn=0, segment=0, **flags):
    return BotSpeech(call_id="CA200", turn_seq=turn, relay_instance="test-relay", segment=segment, text=text,
                     **flags)


def read_until(ws, kind):
    seen = []
    while not seen or not isinstance(seen[-1], kind):
        seen.append(twilio_wire.parse_outbound(ws.receive_text()))
    return seen


def test_policy_tells_backchannels_from_barge_ins():
    policy = BargeInPolicy.from_phrases(200, 700, ("mm-hm", "yeah", "okay"))
    assert not policy.should_interrupt(100, "wait")  # too short yet
    assert policy.should_interrupt(200, "wait, stop")
    assert not policy.should_interrupt(400, "Mm-hm.")
    assert not policy.should_interrupt(400, "")  # no hypothesis yet, still short
    assert policy.should_interrupt(700, "")  # long speech without a hypothesis


def test_a_backchannel_does_not_interrupt_and_is_not_a_turn():
    services = fake_services()
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, ["Mm-hm."])
        services.replies.deliver(reply("A reply of some two seconds.", is_last=True))
        assert isinstance(twilio_wire.parse_outbound(ws.receive_text()), twilio_wire.PlayMedia)
        speak(ws, "Mm-hm.", silence_ms=400)
        seen = read_until(ws, twilio_wire.PlayMark)
        assert not any(isinstance(f, twilio_wire.Clear) for f in seen)
        ws.send_text(twilio_wire.mark_echo_message("MZ1", seen[-1].name, 2))
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
    assert services.publisher.of_type(UserUtterance) == []
    assert not services.calls.events["CA200"]["bot-0000-00"]["interrupted"]


def test_a_backchannel_while_the_bot_still_owes_its_answer_is_not_a_turn():
    services = fake_services()
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, ["What does it cost?", "Okay.", "And is there a trial?"])
        services.replies.deliver(reply("Hello.", is_last=True))
        seen = read_until(ws, twilio_wire.PlayMark)
        ws.send_text(twilio_wire.mark_echo_message("MZ1", seen[-1].name, 2))
        speak(ws, "What does it cost?", silence_ms=1200)
        wait_published(services, UserUtterance)
        services.replies.deliver(reply("One moment.", turn=1, is_last=False))  # the answer is still to come
        seen = read_until(ws, twilio_wire.PlayMark)
        ws.send_text(twilio_wire.mark_echo_message("MZ1", seen[-1].name, 3))
        time.sleep(2)  # the line's audio has played out: what follows is said in the silence, not over the bot
        speak(ws, "Okay.", silence_ms=1200)
        speak(ws, "And is there a trial?", silence_ms=1200)
        deadline = time.monotonic() + 5
        while len(services.publisher.of_type(UserUtterance)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 4))
    assert [u.text for u in services.publisher.of_type(UserUtterance)] == ["What does it cost?",
                                                                         "And is there a trial?"]


class HeldTranscripts(ScriptedSpeechToText):
    """Scripted STT whose transcripts wait until the test lets them go, as a slow recognizer's do."""

    def __init__(self, transcripts):
        super().__init__(transcripts)
        self.waiting = threading.Event()
        self.release = threading.Event()
        self.returned = threading.Event()

    async def transcribe(self, utterance_mulaw):
        self.waiting.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        transcript = await super().transcribe(utterance_mulaw)
        self.returned.set()
        return transcript


def test_a_backchannel_said_while_the_answer_was_owed_is_no_turn_when_the_answer_beats_its_transcript():
    """The caller says "Okay." during a knowledge search; the answer comes in while the recognizer is
    still on the "Okay.": it is still a backchannel, and the answer plays."""
    stt = HeldTranscripts(["What does it cost?", "Okay."])
    stt.release.set()
    services = fake_services(preemptive_turns=False)
    services.stt_factory = lambda call_id, language, parameters: stt
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [])
        services.replies.deliver(reply("Hello.", is_last=True))
        seen = read_until(ws, twilio_wire.PlayMark)
        ws.send_text(twilio_wire.mark_echo_message("MZ1", seen[-1].name, 2))
        speak(ws, "What does it cost?", silence_ms=1200)
        wait_published(services, UserUtterance)
        services.replies.deliver(reply("One moment.", turn=1, is_last=False))
        seen = read_until(ws, twilio_wire.PlayMark)
        ws.send_text(twilio_wire.mark_echo_message("MZ1", seen[-1].name, 3))
        time.sleep(2)  # the filler has played out: "Okay." is said in the silence before the answer
        stt.waiting.clear()
        stt.release.clear()
        speak(ws, "Okay.", silence_ms=1200)
        assert stt.waiting.wait(5)  # the relay is waiting for the "Okay."'s transcript
        services.replies.deliver(reply("It is 49 dollars per user.", turn=1, segment=1, is_last=True))
        time.sleep(0.3)
        stt.returned.clear()
        stt.release.set()
        assert stt.returned.wait(5)
        time.sleep(0.3)
        assert [u.text for u in services.publisher.of_type(UserUtterance)] == ["What does it cost?"]
        seen = read_until(ws, twilio_wire.PlayMark)
        assert seen[-1].name == "1.1.end"  # the answer played, not dropped for a new turn
        ws.send_text(twilio_wire.mark_echo_message("MZ1", seen[-1].name, 4))
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 5))


def test_a_barge_in_reports_what_was_heard_to_the_agent():
    services = fake_services()
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, ["Stop, I have a question."])
        services.replies.deliver(reply(LONG, is_last=True))
        assert isinstance(twilio_wire.parse_outbound(ws.receive_text()), twilio_wire.PlayMedia)
        time.sleep(0.5)
        speak(ws, "Stop, I have a question.", silence_ms=0)
        read_until(ws, twilio_wire.Clear)
        wait_published(services, BotInterrupted)
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
    [cut] = services.publisher.of_type(BotInterrupted)
    assert cut.turn_seq == 0 and 0 < len(cut.heard) < len(LONG) and LONG.startswith(cut.heard)
    assert services.calls.events["CA200"]["bot-0000-00"]["heard"] == cut.heard


def test_silence_reprompts_then_says_goodbye_and_hangs_up():
    services = fake_services(silence_reprompt_s=0.3, silence_hangup_s=0.3)
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [])
        services.replies.deliver(reply("Hello.", is_last=True))
        marks = []
        with pytest.raises(WebSocketDisconnect):
            while True:
                frame = twilio_wire.parse_outbound(ws.receive_text())
                if isinstance(frame, twilio_wire.PlayMark):
                    marks.append(frame.name)
                    ws.send_text(twilio_wire.mark_echo_message("MZ1", frame.name, len(marks)))
    assert marks == ["0.0.end", "sys-reprompt.0.end", "sys-silence_goodbye.0.end"]
    [ended] = services.publisher.of_type(CallEnded)
    assert ended.ended_by == "timeout"
    assert services.calls.document("CA200").ended_by == "timeout"


def test_the_maximum_call_duration_wraps_up_politely():
    services = fake_services(max_call_s=0.3)
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [])
        [mark] = [f for f in read_until(ws, twilio_wire.PlayMark)][-1:]
        assert mark.name == "sys-wrap_up.0.end"
        ws.send_text(twilio_wire.mark_echo_message("MZ1", mark.name, 1))
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    assert services.publisher.of_type(CallEnded)[0].reason == "maximum call duration"


def test_a_handover_dials_the_sales_desk_after_the_notice_was_heard():
    services = fake_services(transfer_number="+14155550100")
    with TestClient(create_app(services)) as client:
        with open_stream(client, services) as ws:
            start(ws, services, [])
            services.replies.deliver(reply("Let me connect you.", is_last=True, transfer=True))
            mark = read_until(ws, twilio_wire.PlayMark)[-1]
            assert services.calls.document("CA200").transfer_requested is None  # not before it was heard
            ws.send_text(twilio_wire.mark_echo_message("MZ1", mark.name, 1))
            with pytest.raises(WebSocketDisconnect):
                ws.receive_text()
        params = {"CallSid": "CA200", "CallStatus": "in-progress"}
        twiml = client.post("/twilio/connect-action", data=params,
                            headers={"X-Twilio-Signature": sign(services, f"{BASE}/twilio/connect-action", params)})
    assert "<Dial>+14155550100</Dial>" in twiml.text
    assert services.publisher.of_type(CallEnded)[0].ended_by == "transfer"


def test_both_directions_are_recorded_aligned():
    services = fake_services()
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, ["Hello there."])
        speak(ws, "Hello there.", silence_ms=400)
        wait_published(services, UserUtterance)
        services.replies.deliver(reply("Hi.", turn=1, is_last=True))
        read_until(ws, twilio_wire.PlayMark)
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
        wait_published(services, CallEnded)  # after the recording is stored
    caller, bot = services.recordings.tracks("CA200")
    assert len(caller) == len(bot) > 8000
    loud = lambda pcm: np.flatnonzero(np.abs(pcm.astype(np.int32)) > 1000)
    assert loud(caller).size and loud(bot).size
    assert loud(bot)[0] > loud(caller)[-1] - 8000  # the bot answered after the caller spoke
    assert services.calls.document("CA200").recording_uri == "memory://recordings/CA200.wav"
    assert services.recordings.store.list() == ["CA200.wav"]  # the parts were deleted


class FailingOnce:
    """A TTS engine whose first synthesis fails."""

    voice_id = "failing"

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    async def synthesize(self, text, language):
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("tts unavailable")
        return await self.inner.synthesize(text, language)


def test_a_failed_synthesis_is_skipped_and_the_caller_hears_an_apology():
    services = fake_services()
    services.tts = FailingOnce(services.tts)
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [])
        services.replies.deliver(reply("This one fails.", is_last=True))
        mark = read_until(ws, twilio_wire.PlayMark)[-1]
        assert mark.name == "sys-apology.0.end"
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))


def test_noise_without_words_does_not_stop_the_silence_timer_for_good():
    services = fake_services(silence_reprompt_s=0.3, silence_hangup_s=5)
    with TestClient(create_app(services)) as client, open_stream(client, services) as ws:
        start(ws, services, [])  # the STT hears no words in anything
        services.replies.deliver(reply("Hello.", is_last=True))
        first = read_until(ws, twilio_wire.PlayMark)[-1]
        speak(ws, "cough", silence_ms=0)  # speech the STT makes nothing of, before the mark is echoed
        ws.send_text(twilio_wire.mark_echo_message("MZ1", first.name, 1))
        speak(ws, "", silence_ms=500)
        assert read_until(ws, twilio_wire.PlayMark)[-1].name == "sys-reprompt.0.end"
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
