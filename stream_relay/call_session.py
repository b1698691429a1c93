"""One call on this relay instance: caller audio in, utterances out to the bus, replies in from
the bus, paced audio and marks out, barge-in, and the call's record in Firestore."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from callbot.logs import bind_call
from callbot.messages import BotSpeech, CallEnded, CallStarted, DtmfReceived, Message, UserUtterance
from stream_relay import twilio_wire
from stream_relay.bootstrap import RelayServices
from stream_relay.playback import Playback, Segment
from stream_relay.speech.endpointer import Endpointer, EnergyVad, SpeechEnded, SpeechStarted
from stream_relay.turn_latency import TurnTiming

log = logging.getLogger(__name__)


def now_ms() -> int:
    return int(time.time() * 1000)


class CallSession:
    """State and behaviour of one call. `send` writes one text message to Twilio's socket;
    `hang_up` closes it (the bot ends the call)."""

    def __init__(self, start: twilio_wire.Start, services: RelayServices,
                 send: Callable[[str], Awaitable[None]], hang_up: Callable[[], Awaitable[None]]) -> None:
        self.call_id = start.call_sid
        self.stream_sid = start.stream_sid
        self.parameters = dict(start.custom_parameters)
        self._services = services
        self._settings = services.settings
        self._send = send
        self._hang_up = hang_up
        self._seq = 0
        self._seen: set[str] = set()
        self._marks: dict[str, Segment] = {}
        self._cleared: set[str] = set()
        self._speech_started_ms = 0
        self._background: set[asyncio.Task] = set()
        self._timings: dict[int, TurnTiming] = {}
        self._utterances = asyncio.Lock()
        self._stt = services.stt_factory(self.call_id, self.parameters)
        self._endpointer = Endpointer(
            EnergyVad(self._settings.vad_energy_dbfs), min_speech_ms=self._settings.vad_min_speech_ms,
            silence_ms=self._settings.endpoint_silence_ms,
        )
        self.playback = Playback(
            send_media=lambda audio: send(twilio_wire.media_message(self.stream_sid, audio)),
            send_mark=lambda name: send(twilio_wire.mark_message(self.stream_sid, name)),
            lead_s=self._settings.playback_lead_ms / 1000,
        )
        self._player = asyncio.create_task(self.playback.run(self._on_started, self._on_sent))
        self.ended = False

    # --- caller side -------------------------------------------------------------------------

    async def begin(self) -> None:
        with bind_call(self.call_id):
            log.info("media stream started", extra={"stream_sid": self.stream_sid})
            self._spawn(self._services.calls.update_call(self.call_id, {
                "status": "in-progress", "stream_sid": self.stream_sid,
                "relay_instance": self._settings.relay_instance, "stream_started_at_ms": now_ms()}))
            self._publish(CallStarted(
                call_id=self.call_id, turn_seq=0, relay_instance=self._settings.relay_instance,
                from_number=self.parameters.get("from", ""), to_number=self.parameters.get("to", ""),
                language=self.parameters.get("language", "en-US"), sent_at_ms=now_ms()))

    async def on_media(self, frame: twilio_wire.Media) -> None:
        self._stt.feed(frame.audio)
        for event in self._endpointer.process(frame.audio):
            if isinstance(event, SpeechStarted):
                self._speech_started_ms = now_ms()
                self.playback.set_hold(True)
                if self.playback.speaking:
                    await self._barge_in()
            elif isinstance(event, SpeechEnded):
                endpointed = now_ms()
                speech_ended = endpointed - (self._endpointer.stream_ms - event.at_ms)
                self._spawn(self._utterance_ended(event, speech_ended, endpointed))

    async def _utterance_ended(self, event: SpeechEnded, speech_ended_ms: int, endpointed_ms: int) -> None:
        async with self._utterances:
            text = await self._stt.transcribe(event.audio)
            if not text.strip():
                log.info("utterance without transcript ignored", extra={"call_id": self.call_id})
                self.playback.set_hold(False)
                return
            self._seq += 1
            timing = TurnTiming(self._seq, speech_ended_ms, endpointed_ms, transcribed_ms=now_ms())
            self._timings[self._seq] = timing
            self.playback.drop_turns_before(self._seq)
            self.playback.set_hold(False)
            published = self._publish(UserUtterance(
                call_id=self.call_id, turn_seq=self._seq, relay_instance=self._settings.relay_instance,
                text=text, speech_ended_at_ms=speech_ended_ms, sent_at_ms=timing.transcribed_ms))
            published.add_done_callback(lambda _: setattr(timing, "published_ms", now_ms()))
            await self._services.calls.record_event(self.call_id, f"caller-{self._seq:04d}", {
                "speaker": "caller", "text": text, "turn_seq": self._seq,
                "at_ms": self._speech_started_ms, "ended_at_ms": speech_ended_ms})

    async def on_dtmf(self, digit: str) -> None:
        async with self._utterances:
            self._seq += 1
            pressed = now_ms()
            timing = TurnTiming(self._seq, speech_ended_ms=pressed, endpointed_ms=pressed, transcribed_ms=pressed)
            self._timings[self._seq] = timing
            self.playback.drop_turns_before(self._seq)
            published = self._publish(DtmfReceived(call_id=self.call_id, turn_seq=self._seq, digit=digit,
                                                   relay_instance=self._settings.relay_instance, sent_at_ms=pressed))
            published.add_done_callback(lambda _: setattr(timing, "published_ms", now_ms()))
            self._spawn(self._services.calls.record_event(self.call_id, f"dtmf-{self._seq:04d}", {
                "speaker": "caller", "dtmf": digit, "turn_seq": self._seq, "at_ms": now_ms()}))

    async def _barge_in(self) -> None:
        now = self.playback.clock()
        playing = self.playback.interrupt()
        await self._send(twilio_wire.clear_message(self.stream_sid))
        if playing is not None:
            self._spawn(self._record_bot(playing, playing.heard_text(now)))
        for name, segment in list(self._marks.items()):
            self._cleared.add(name)
            del self._marks[name]
            segment.interrupted = True
            self._spawn(self._record_bot(segment, segment.heard_text(now)))
        log.info("barge-in: playback cleared", extra={"call_id": self.call_id})

    # --- bot side ----------------------------------------------------------------------------

    def on_bot_speech(self, speech: BotSpeech) -> None:
        """A reply segment from the bus; duplicates and stale turns are dropped."""
        if speech.message_key in self._seen or self.ended:
            return
        self._seen.add(speech.message_key)
        timing = self._timings.get(speech.turn_seq)
        if timing is not None and speech.segment == 0:
            received = now_ms()
            timing.agent_sent_ms, timing.reply_received_ms = speech.sent_at_ms or received, received
        audio = asyncio.create_task(self._services.tts.synthesize(speech.text))
        if not self.playback.enqueue(Segment(speech=speech, audio=audio)):
            log.info("stale reply segment dropped", extra={"call_id": self.call_id,
                                                           "message_key": speech.message_key})

    async def _on_sent(self, segment: Segment) -> None:
        self._marks[segment.mark] = segment

    def _on_started(self, segment: Segment) -> None:
        """The first frame of a reply reached Twilio: the turn's latency is known."""
        timing = self._timings.pop(segment.speech.turn_seq, None)
        if timing is not None:
            timing.first_audio_ms = now_ms()
            self._spawn(self._services.calls.record_event(self.call_id, f"latency-{timing.turn_seq:04d}", {
                "kind": "turn_latency", "at_ms": timing.first_audio_ms, **timing.breakdown()}))

    async def on_mark(self, name: str) -> None:
        if name in self._cleared:
            self._cleared.discard(name)
            return
        segment = self._marks.pop(name, None)
        if segment is None:
            log.warning("unknown mark echoed", extra={"call_id": self.call_id, "mark": name})
            return
        self._spawn(self._record_bot(segment, segment.speech.text))
        if segment.speech.end_call and segment.speech.is_last:
            await self.close("bot", "the bot ended the call")
            await self._hang_up()

    async def _record_bot(self, segment: Segment, heard: str) -> None:
        speech = segment.speech
        await self._services.calls.record_event(self.call_id, f"bot-{speech.turn_seq:04d}-{speech.segment:02d}", {
            "speaker": "bot", "text": speech.text, "heard": heard, "interrupted": segment.interrupted,
            "turn_seq": speech.turn_seq, "segment": speech.segment, "mark": segment.mark,
            "at_ms": segment.wall_started_ms, "ended_at_ms": now_ms()})

    # --- lifecycle ---------------------------------------------------------------------------

    async def close(self, ended_by: str, reason: str) -> None:
        """End the call once: stop playback, publish CallEnded, close the call document."""
        if self.ended:
            return
        self.ended = True
        self._player.cancel()
        for segment in self.playback.pending.values():
            segment.audio.cancel()
        await self._stt.close()
        self._publish(CallEnded(call_id=self.call_id, turn_seq=self._seq + 1, ended_by=ended_by,
                                reason=reason, relay_instance=self._settings.relay_instance,
                                sent_at_ms=now_ms()))
        await self._services.calls.update_call(self.call_id, {
            "status": "completed", "ended_by": ended_by, "end_reason": reason, "ended_at_ms": now_ms()})
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        log.info("call closed", extra={"call_id": self.call_id, "ended_by": ended_by, "reason": reason})

    def _publish(self, message: Message) -> asyncio.Future:
        published = asyncio.wrap_future(self._services.publisher.publish(message))
        self._spawn(published)
        return published

    def _spawn(self, awaitable: Awaitable) -> None:
        task = asyncio.ensure_future(awaitable)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work of the call failed: %r", task.exception(),
                      extra={"call_id": self.call_id})
