"""One call on this relay instance: caller audio in, utterances out to the bus, replies in from
the bus, paced audio and marks out, barge-in, call timers, and the call's record in Firestore."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from callbot import tracing
from callbot.call_document import CallDocument, CallStatus
from callbot.logs import bind_call
from callbot.messages import (
    BotInterrupted,
    BotSpeech,
    CallEnded,
    CallStarted,
    DtmfReceived,
    Message,
    TurnSettled,
    UserUtterance,
)
from callbot.phrases import Phrase, phrase
from stream_relay import heap_trim, mulaw, twilio_wire
from stream_relay.barge_in import BargeInPolicy
from stream_relay.bootstrap import RelayServices
from stream_relay.call_timers import CallTimers
from stream_relay.frame_lag import FrameLag
from stream_relay.playback import Playback, Segment
from stream_relay.preemptive_turn import TentativeTurn
from stream_relay.recording import CallRecorder
from stream_relay.speech.endpointer import Endpointer, SpeechEnded, SpeechStarted
from stream_relay.speech.hints import speech_hints
from stream_relay.speech.stt import EarlyFinal, Transcript
from stream_relay.turn_latency import TurnTiming

log = logging.getLogger(__name__)


def now_ms() -> int:
    return int(time.time() * 1000)


class CallSession:
    """State and behaviour of one call. `send` writes one text message to Twilio's socket;
    `hang_up` closes it, after which Twilio fetches the `<Connect action>` (hang up or transfer)."""

    def __init__(self, start: twilio_wire.Start, services: RelayServices,
                 send: Callable[[str], Awaitable[None]], hang_up: Callable[[], Awaitable[None]]) -> None:
        settings = services.settings
        self.call_id, self.stream_sid = start.call_sid, start.stream_sid
        self.parameters = dict(start.custom_parameters)
        self.language = self.parameters.get("language") or settings.default_language
        self._services, self._settings, self._send, self._hang_up = services, settings, send, hang_up
        self._seq = 0
        self._seen: set[str] = set()
        self._marks: dict[str, Segment] = {}
        self._cleared: set[str] = set()
        self._speech_started_ms = 0
        self._over_bot = False  # the caller started speaking while the bot was speaking
        self._owed_at_start = False  # ... or while the bot still owed the rest of its reply
        self._barged_in = False
        self._background: set[asyncio.Task] = set()
        self._timings: dict[int, TurnTiming] = {}
        self._utterances = asyncio.Lock()
        self._ending: tuple[str, str] | None = None  # (ended_by, reason) once a final line is queued
        self._stt = services.stt_factory(self.call_id, self.language, self.parameters)
        self._early_final = self._stt if settings.preemptive_turns and isinstance(self._stt, EarlyFinal) else None
        self._tentative: TentativeTurn | None = None
        self._replied_to = 0  # the latest turn whose reply's last segment has come in
        self._closing_utterances = 0  # utterances ended and not yet published
        self._reply_said: tuple[int, list[str]] = (-1, [])  # the latest reply's turn and sentences so far
        self._endpointer = Endpointer(services.vad_factory(), min_speech_ms=settings.vad_min_speech_ms,
                                      silence_ms=settings.endpoint_silence_ms,
                                      silence_after_final_ms=settings.endpoint_silence_after_final_ms)
        self._barge_in = BargeInPolicy.from_phrases(settings.barge_in_min_speech_ms, settings.backchannel_max_ms,
                                                    settings.backchannel_phrases)
        self.recording = None if services.recordings is None else services.recordings.open(self.call_id)
        self.recorder = self.recording.recorder if self.recording is not None else CallRecorder()
        self.lag = FrameLag()
        self.playback = Playback(send_media=self._send_media,
                                 send_mark=lambda name: send(twilio_wire.mark_message(self.stream_sid, name)),
                                 lead_s=settings.playback_lead_ms / 1000,
                                 frames_per_message=settings.playback_message_ms // mulaw.FRAME_MS)
        self._t0 = self.playback.clock()
        self._timers = CallTimers(settings.silence_reprompt_s, settings.silence_hangup_s, settings.max_call_s,
                                  on_reprompt=lambda: self._say(Phrase.REPROMPT),
                                  on_silence_hangup=lambda: self._say(Phrase.SILENCE_GOODBYE, ("timeout", "caller silent")),
                                  on_max_duration=lambda: self._say(Phrase.WRAP_UP, ("timeout", "maximum call duration")))
        self._player = asyncio.create_task(self.playback.run(self._on_started, self._on_sent, self._on_tts_failed))
        self._apologised = False
        self.ended = False

    # --- caller side -------------------------------------------------------------------------

    async def begin(self) -> None:
        log.info("media stream started", extra={"stream_sid": self.stream_sid, "language": self.language})
        self._spawn(self._services.calls.update_call(self.call_id, CallDocument(
            status=CallStatus.IN_PROGRESS, stream_sid=self.stream_sid, language=self.language,
            relay_instance=self._settings.relay_instance, stream_started_at_ms=now_ms())))
        self._publish(CallStarted(
            call_id=self.call_id, turn_seq=0, relay_instance=self._settings.relay_instance,
            from_number=self.parameters.get("from", ""), to_number=self.parameters.get("to", ""),
            language=self.language, sent_at_ms=now_ms()))

    async def on_media(self, frame: twilio_wire.Media) -> None:
        self.lag.frame((self.playback.clock() - self._t0) * 1000, frame.timestamp_ms)
        self.recorder.caller_frame(frame.audio)
        if self.recorder.part_due:  # what a barge-in can no longer cut goes out
            self.recorder.settle(self._sample_at(min(self.playback.play_clock, self.playback.clock())))
        self._stt.feed(frame.audio)
        for event in self._endpointer.process(frame.audio, final_ready=self._stt.final_ready()):
            if isinstance(event, SpeechStarted):
                self._speech_started_ms = now_ms() - (self._endpointer.stream_ms - event.at_ms)
                self._stt.utterance_started()
                self._timers.caller_active()
                self.playback.set_hold(True)
                self._over_bot, self._barged_in = self.playback.speaking, False
                self._owed_at_start = self._reply_owed
            elif isinstance(event, SpeechEnded):
                endpointed = now_ms()
                speech_ended = endpointed - (self._endpointer.stream_ms - event.at_ms)
                # an "okay" begun while the bot was speaking, or still owed its answer, is no turn
                # even if the answer comes in before the transcript does
                backchannel_time = (self._over_bot and not self._barged_in) or self._owed_at_start
                self._over_bot = self._owed_at_start = False
                tentative, self._tentative = self._tentative, None
                self._closing_utterances += 1
                self._spawn(self._utterance_ended(event, speech_ended, endpointed, backchannel_time, tentative))
        if self._early_final is not None:
            self._preempt(self._early_final)
        if self._over_bot and not self._barged_in and self._endpointer.in_speech \
                and self._barge_in.should_interrupt(self._endpointer.speech_ms, self._stt.interim_text()):
            self._barged_in = True
            await self._interrupt()

    def _preempt(self, stt: EarlyFinal) -> None:
        """Withdraw the tentative turn if the caller went on speaking; start one on the STT's final
        once the caller is quiet (not over the bot, where a backchannel must not become a turn, nor
        while an earlier utterance is still on its way)."""
        if self._tentative is not None and self._tentative.went_on(self._endpointer.speech_end_ms):
            self._withdraw(self._tentative)
            self._tentative = None
        if self._tentative is not None or not self._endpointer.silence_ms or self._over_bot \
                or self._closing_utterances or not self._stt.final_ready():
            return
        text = stt.final_text().strip()
        if not text or ((self._reply_owed or self._owed_at_start) and self._barge_in.is_backchannel(text)):
            return  # an "okay" while the bot is still answering is left to the closed utterance
        self._seq += 1
        sent = now_ms()
        speech_ended = sent - (self._endpointer.stream_ms - self._endpointer.speech_end_ms)
        timing = TurnTiming(self._seq, speech_ended, endpointed_ms=sent, transcribed_ms=sent, preemptive=True)
        timing.span = tracing.start("caller turn", speech_ended, call_id=self.call_id, turn_seq=self._seq)
        self._timings[self._seq] = timing
        self._tentative = TentativeTurn(self._seq, text, self._endpointer.speech_end_ms, timing)
        self.playback.drop_turns_before(self._seq)
        with tracing.current(timing.span):
            self._publish(UserUtterance(
                call_id=self.call_id, turn_seq=self._seq, relay_instance=self._settings.relay_instance, text=text,
                language=self.language, speech_ended_at_ms=speech_ended, sent_at_ms=sent, tentative=True), timing)

    @property
    def _reply_owed(self) -> bool:
        """The bot is still answering the latest turn ("One moment, let me check." and the answer to
        come): an "okay" in that silence is a backchannel, not a turn that would drop the answer."""
        return self._replied_to < self._seq

    def _withdraw(self, tentative: TentativeTurn) -> None:
        """The caller went on: the tentative turn's reply is dropped and the agent forgets it."""
        self._timings.pop(tentative.turn_seq, None)
        tracing.end(tentative.timing.span, now_ms(), withdrawn=True)
        self.playback.drop_turns_before(tentative.turn_seq + 1)
        self._publish(TurnSettled(call_id=self.call_id, turn_seq=tentative.turn_seq, kept=False,
                                  relay_instance=self._settings.relay_instance, sent_at_ms=now_ms()))
        log.info("tentative turn withdrawn", extra={"call_id": self.call_id, "turn_seq": tentative.turn_seq})

    async def _keep(self, tentative: TentativeTurn, transcript: Transcript, speech_ended_ms: int) -> None:
        """The caller had finished: the held reply may play, its held writes run."""
        self._publish(TurnSettled(call_id=self.call_id, turn_seq=tentative.turn_seq, kept=True,
                                  relay_instance=self._settings.relay_instance, sent_at_ms=now_ms()))
        self.playback.set_hold(False)
        for speech in tentative.held:
            self._listen_after(speech)
        await self._services.calls.record_event(self.call_id, f"caller-{tentative.turn_seq:04d}", {
            "speaker": "caller", "text": tentative.text, "confidence": transcript.confidence,
            "turn_seq": tentative.turn_seq, "at_ms": self._speech_started_ms, "ended_at_ms": speech_ended_ms})

    async def _utterance_ended(self, event: SpeechEnded, speech_ended_ms: int, endpointed_ms: int,
                               backchannel_time: bool, tentative: TentativeTurn | None) -> None:
        try:
            async with self._utterances:
                transcript: Transcript = await self._stt.transcribe(event.audio)
                text = transcript.text.strip()
                if tentative is not None and tentative.answers(text, event.at_ms):
                    await self._keep(tentative, transcript, speech_ended_ms)
                    return
                if tentative is not None:
                    self._withdraw(tentative)
                await self._answer(transcript, text, speech_ended_ms, endpointed_ms, backchannel_time)
        finally:
            self._closing_utterances -= 1

    async def _answer(self, transcript: Transcript, text: str, speech_ended_ms: int, endpointed_ms: int,
                      backchannel_time: bool) -> None:
        """Publish the closed utterance as the caller's next turn (or ignore it): a backchannel said
        over the bot or while it owed its answer (`backchannel_time`, or owed still) is no turn."""
        if not text or ((backchannel_time or self._reply_owed) and self._barge_in.is_backchannel(text)):
            log.info("utterance ignored: %s", "backchannel" if text else "no transcript",
                     extra={"call_id": self.call_id})
            self.playback.set_hold(False)
            if self.playback.idle:
                self._timers.bot_finished()  # nothing to answer: count the silence again
            return
        self._seq += 1
        timing = TurnTiming(self._seq, speech_ended_ms, endpointed_ms, transcribed_ms=now_ms())
        timing.span = tracing.start("caller turn", speech_ended_ms, call_id=self.call_id, turn_seq=self._seq)
        self._timings[self._seq] = timing
        self.playback.drop_turns_before(self._seq)
        self.playback.set_hold(False)
        with tracing.current(timing.span):
            self._publish(UserUtterance(
                call_id=self.call_id, turn_seq=self._seq, relay_instance=self._settings.relay_instance,
                text=text, language=self.language, speech_ended_at_ms=speech_ended_ms,
                sent_at_ms=timing.transcribed_ms), timing)
        await self._services.calls.record_event(self.call_id, f"caller-{self._seq:04d}", {
            "speaker": "caller", "text": text, "confidence": transcript.confidence, "turn_seq": self._seq,
            "at_ms": self._speech_started_ms, "ended_at_ms": speech_ended_ms})

    async def on_dtmf(self, digit: str) -> None:
        self._timers.caller_active()
        async with self._utterances:
            if self._tentative is not None:  # a key pressed mid-utterance: the words were not the turn
                self._withdraw(self._tentative)
                self._tentative = None
            self._seq += 1
            pressed = now_ms()
            timing = TurnTiming(self._seq, speech_ended_ms=pressed, endpointed_ms=pressed, transcribed_ms=pressed)
            timing.span = tracing.start("caller turn", pressed, call_id=self.call_id, turn_seq=self._seq)
            self._timings[self._seq] = timing
            self.playback.drop_turns_before(self._seq)
            with tracing.current(timing.span):
                self._publish(DtmfReceived(call_id=self.call_id, turn_seq=self._seq, digit=digit,
                                         relay_instance=self._settings.relay_instance, sent_at_ms=pressed),
                              timing)
            self._spawn(self._services.calls.record_event(self.call_id, f"dtmf-{self._seq:04d}", {
                "speaker": "caller", "dtmf": digit, "turn_seq": self._seq, "at_ms": pressed}))

    async def _interrupt(self) -> None:
        """Barge-in: clear Twilio's buffer, drop what is queued, record and report what was heard."""
        now = self.playback.clock()
        playing = self.playback.interrupt()
        await self._send(twilio_wire.clear_message(self.stream_sid))
        self.recorder.bot_cleared(self._sample_at(now))
        cut = [s for s in self._marks.values()] + ([playing] if playing is not None else [])
        self._cleared.update(self._marks)
        self._marks.clear()
        for segment in cut:
            segment.interrupted = True
            self._spawn(self._record_bot(segment, segment.heard_text(now)))
        reply = [s for s in cut if not s.system]
        if reply:
            turn = reply[0].speech.turn_seq
            heard = " ".join(s.heard_text(now) if s.interrupted else s.speech.text
                             for s in sorted(reply, key=lambda s: s.speech.segment)).strip()
            self._publish(BotInterrupted(call_id=self.call_id, turn_seq=turn, heard=heard,
                                         relay_instance=self._settings.relay_instance, sent_at_ms=now_ms()))
        if self._ending is not None and any(s.system for s in cut):
            self._ending = None  # the caller spoke over the goodbye: the call goes on
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
        first = timing if speech.segment == 0 else None
        audio = asyncio.create_task(self._synthesize(speech.text, first))
        if not self.playback.enqueue(Segment(speech=speech, audio=audio)):
            log.info("stale reply segment dropped", extra={"call_id": self.call_id,
                                                           "message_key": speech.message_key})
            return
        if speech.is_last:
            self._replied_to = max(self._replied_to, speech.turn_seq)
        if self._tentative is not None and speech.turn_seq == self._tentative.turn_seq:
            self._tentative.held.append(speech)  # queued, synthesized, and held with the caller's turn
            return
        self._listen_after(speech)

    def _listen_after(self, speech: BotSpeech) -> None:
        """Once a reply is complete, prime the recognizer for the answer to what it asked."""
        turn, sentences = self._reply_said
        if turn != speech.turn_seq:
            turn, sentences = speech.turn_seq, []
        sentences.append(speech.text)
        self._reply_said = (turn, sentences)
        if speech.is_last and not (speech.end_call or speech.transfer) and self._settings.stt_answer_hints:
            self._stt.expect(speech_hints(self._settings.stt_vocabulary, self.language, speech.listen_for,
                                          " ".join(sentences)))

    async def _synthesize(self, text: str, timing: TurnTiming | None) -> bytes:
        audio = await self._services.tts.synthesize(text, self.language)
        if timing is not None:
            timing.tts_ready_ms = now_ms()
        return audio

    async def _say(self, kind: Phrase, ending: tuple[str, str] | None = None) -> None:
        """Play one of the relay's own lines; with `ending`, end the call once it has been heard."""
        if self.ended or (self._ending is not None and ending is None):
            return
        text = phrase(kind, self.language)
        speech = BotSpeech(call_id=self.call_id, turn_seq=self._seq, relay_instance=self._settings.relay_instance,
                           segment=0, text=text, end_call=ending is not None)
        self._ending = ending or self._ending
        audio = asyncio.create_task(self._services.tts.synthesize(text, self.language))
        self.playback.say(Segment(speech=speech, audio=audio, system=kind))

    async def _send_media(self, audio: bytes) -> None:
        self.recorder.bot_frame(audio, self._sample_at(self.playback.play_clock))
        await self._send(twilio_wire.media_message(self.stream_sid, audio))

    def _sample_at(self, clock: float) -> int:
        return max(0, int((clock - self._t0) * mulaw.SAMPLE_RATE))

    def _on_started(self, segment: Segment) -> None:
        """The first frame of a segment reached Twilio: a turn's latency is known."""
        self._timers.bot_started()
        timing = None if segment.system else self._timings.pop(segment.speech.turn_seq, None)
        if timing is not None:
            timing.first_audio_ms = now_ms()
            breakdown = timing.breakdown()
            tracing.end(timing.span, timing.first_audio_ms, **breakdown)
            self._spawn(self._services.calls.record_event(self.call_id, f"latency-{timing.turn_seq:04d}", {
                "kind": "turn_latency", "at_ms": timing.first_audio_ms, **breakdown, "preemptive": timing.preemptive,
                "trace_id": tracing.trace_id(timing.span)}))

    def _on_tts_failed(self, segment: Segment, error: Exception) -> None:
        """A sentence could not be synthesized: log it, and say the (cached) apology once rather
        than leave the caller in silence."""
        with bind_call(self.call_id):
            log.error("speech synthesis failed, segment skipped: %r", error,
                      extra={"message_key": segment.speech.message_key})
        if not self._apologised and segment.system != Phrase.APOLOGY:
            self._apologised = True
            self._spawn(self._say(Phrase.APOLOGY))

    async def _on_sent(self, segment: Segment) -> None:
        self._marks[segment.mark] = segment

    async def on_mark(self, name: str) -> None:
        """Twilio played everything up to this mark."""
        if name in self._cleared:
            self._cleared.discard(name)
            return
        segment = self._marks.pop(name, None)
        if segment is None:
            log.warning("unknown mark echoed", extra={"call_id": self.call_id, "mark": name})
            return
        self._spawn(self._record_bot(segment, segment.speech.text))
        if not segment.speech.is_last:
            return
        if segment.speech.end_call or segment.speech.transfer:
            await self._finish(segment)
        elif segment.system == Phrase.REPROMPT:
            self._timers.reprompt_finished()
        elif self.playback.idle and not self._endpointer.in_speech:
            self._timers.bot_finished()

    async def _finish(self, segment: Segment) -> None:
        """The last line has been heard: hand over or hang up."""
        if segment.speech.transfer:
            await self._services.calls.update_call(self.call_id, CallDocument(
                transfer_requested=True, transferred_to=self._settings.transfer_number or None))
            ended_by, reason = "transfer", "handed over to a person"
        elif segment.system and self._ending is not None:
            ended_by, reason = self._ending
        else:
            ended_by, reason = "bot", "the bot ended the call"
        await self.close(ended_by, reason)
        await self._hang_up()

    async def _record_bot(self, segment: Segment, heard: str) -> None:
        speech = segment.speech
        event_id = (f"sys-{segment.system}-{speech.turn_seq:04d}" if segment.system
                    else f"bot-{speech.turn_seq:04d}-{speech.segment:02d}")
        await self._services.calls.record_event(self.call_id, event_id, {
            "speaker": "bot", "text": speech.text, "heard": heard, "interrupted": segment.interrupted,
            "turn_seq": speech.turn_seq, "segment": speech.segment, "mark": segment.mark,
            "system": segment.system or None, "at_ms": segment.wall_started_ms, "ended_at_ms": now_ms()})

    # --- lifecycle ---------------------------------------------------------------------------

    async def close(self, ended_by: str, reason: str) -> None:
        """End the call once: stop playback and timers, store the recording, close the call
        document, then publish CallEnded."""
        if self.ended:
            return
        self.ended = True
        if self._tentative is not None:
            self._withdraw(self._tentative)
            self._tentative = None
        self._timers.cancel()
        self._player.cancel()
        for segment in [*self.playback.pending.values(), *self.playback.system]:
            segment.audio.cancel()
        await self._stt.close()
        closed = CallDocument(status=CallStatus.COMPLETED, ended_by=ended_by, end_reason=reason, ended_at_ms=now_ms(),
                              **self.lag.summary(), outbound_underruns=self.playback.underruns,
                              outbound_underrun_ms=round(self.playback.underrun_s * 1000))
        try:  # the call document is complete before CallEnded starts the post-call work that reads it
            if self.recording is not None:
                closed.recording_uri = await self.recording.finish()
            await self._services.calls.update_call(self.call_id, closed)
        finally:
            self._publish(CallEnded(call_id=self.call_id, turn_seq=self._seq + 1, ended_by=ended_by,
                                    reason=reason, relay_instance=self._settings.relay_instance,
                                    sent_at_ms=now_ms()))
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        log.info("call closed", extra={"call_id": self.call_id, "ended_by": ended_by, "reason": reason})
        heap_trim.after_call()  # the free pages its buffers leave in the heap go back to the system

    def _publish(self, message: Message, timing: TurnTiming | None = None) -> asyncio.Future:
        accepted = self._services.publisher.publish(message)
        if timing is not None:  # when Pub/Sub accepted it, in the publisher's thread: not when the event
            # loop, which works in rounds, gets to the asyncio side of the future (up to a round later)
            accepted.add_done_callback(lambda _: setattr(timing, "published_ms", now_ms()))
        published = asyncio.wrap_future(accepted)
        self._spawn(published)
        return published

    def _spawn(self, awaitable: Awaitable) -> None:
        task = asyncio.ensure_future(awaitable)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            with bind_call(self.call_id):
                log.error("background work of the call failed: %r", task.exception())
