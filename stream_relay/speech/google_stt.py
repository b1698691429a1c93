"""Google Speech-to-Text streaming: one bidirectional gRPC stream per call, API v1 or v2.

Audio goes to Google exactly as Twilio sent it, 8 kHz mu-law, with no resampling. Interim results
are on, so the relay can tell a backchannel from a barge-in while the caller is still talking.

Threads. The gRPC stream is blocking. `feed()` runs on the event loop every 20 ms: it appends the
frame to a buffer under a lock and returns. gRPC's request thread drains that buffer through a
generator (`_audio`). A worker thread per call opens streams, reads the responses and stores interim
and final results under the same lock. `transcribe()` waits on the event loop for an
`asyncio.Event` that the worker sets with `call_soon_threadsafe`.

Restarts. Google ends a stream after about five minutes (v1 fails it with OUT_OF_RANGE "Exceeded
maximum allowed stream duration of 305 seconds", v2 with ABORTED "Max duration of 5 minutes reached
for stream"). The adapter half-closes its stream and opens a new one once the stream is
`restart_after_s` old and no utterance is in progress (from `utterance_started()` until
`transcribe()` returns). If an utterance is in progress then, the restart happens as soon as it
ends, and in any case at `max_stream_s`, below Google's limit. After a half-close Google still
returns the results for the audio it already has. Audio fed during the switch waits in the buffer
and goes to the new stream. Before that audio, the new stream gets the last `replay_ms` of audio
sent on the old one, so that a word the caller began just before the switch, before the endpointer
noticed speech, reaches the new stream whole. The cost is that the replayed tail may be recognized
twice. Between utterances the tail is usually silence, and results that arrive outside an utterance
are dropped at the next `utterance_started()`, except when the stream was switched less than
`ONSET_GRACE_S` before: then a word begun just before the switch was finalized (by the old stream,
or by the new one from the replayed tail) a moment before the endpointer noticed the speech, and
the results since shortly before the switch are kept as the utterance's beginning.

Errors. A stream that fails with a retryable status (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL,
OUT_OF_RANGE, ABORTED, RESOURCE_EXHAUSTED, ...) is logged with the call id and reopened after an
exponential backoff (replaying the tail as above), and the call carries on. After `max_attempts`
consecutive failures the adapter gives up. A permanent status (INVALID_ARGUMENT, PERMISSION_DENIED,
UNAUTHENTICATED, ...) is not retried, except that an INVALID_ARGUMENT is tried once more without the
phrase hints (and the call gets no more hints), because a model or language that rejects adaptation
should cost the call its hints and not its transcripts. Once the adapter gives up, the error is
logged, audio is dropped and `transcribe()` returns empty transcripts at once.

Hints. Every stream carries the company's vocabulary as a boosted phrase set (v1: a `SpeechContext`
with a boost; v2: an inline `PhraseSet` with a boost) and the phrases the caller's answer is likely
to contain as a second one with a lower boost (`hints.py`: words of any sales call, and once the
bot has asked for something, the phrases of its answer, `expect()`). Google reads the configuration
only when a stream opens, so when the expected answer changes the stream is switched the way it is
restarted (half-close, replay of the tail), between utterances: an utterance in progress keeps the
stream it began on and the switch happens once it ends. A change that leaves the phrases as they
were (first name, then last name) switches nothing. A v2 model without adaptation gets no hints.

`google.cloud.speech` is imported only when this engine is built, because the import is slow.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from callbot.settings import Environment, RelaySettings
from stream_relay import mulaw
from stream_relay.speech.hints import speech_hints
from stream_relay.speech.stt import SpeechHints, SpeechToText, SpeechToTextFactory, Transcript

log = logging.getLogger(__name__)

BYTES_PER_SECOND = mulaw.SAMPLE_RATE  # mu-law: one byte per sample
MAX_CHUNK_BYTES = 3200  # 400 ms per request, well below v2's 15 KB limit on `audio`
POLL_S = 0.05  # how often an idle request generator checks whether its stream should end
ONSET_GRACE_S = 0.6  # finals this recent when an utterance starts are its beginning (see Restarts)
MAX_STREAM_S = 290.0  # restart at the latest here: Google ends a stream at 300 s (v2) or 305 s (v1)
BACKLOG_BYTES = BYTES_PER_SECOND // 5  # pending audio beyond 200 ms: the stream is not keeping up
BACKLOG_WAIT_S = 5.0  # how long `transcribe()` waits at most for a final whose audio was still held
HEALTHY_STREAM_S = 10.0  # a stream that lived this long resets the count of consecutive failures
# v1: an enhanced variant exists only for these models, per the "enhanced models" page.
V1_ENHANCED_MODELS = frozenset({"phone_call", "video"})
# v2 models sent inline phrase hints (`adaptation`). Unknown models get none rather than a stream that
# fails with INVALID_ARGUMENT. Google lists speech adaptation for chirp_3 since its GA (release
# notes, 2025-10-13), and previews of the model did not have it: if a region rejects it, the
# INVALID_ARGUMENT fallback (see the module docstring) drops the hints.
V2_MODELS_WITH_ADAPTATION = frozenset({"telephony", "telephony_short", "long", "short", "chirp_2", "chirp_3"})
PERMANENT_STATUS = frozenset(
    {"INVALID_ARGUMENT", "PERMISSION_DENIED", "UNAUTHENTICATED", "NOT_FOUND", "FAILED_PRECONDITION",
     "UNIMPLEMENTED"})


class StreamRequests(Protocol):
    """Opens a stream for one API version: the configuration first, then the audio chunks. Two
    values are equal when their streams would be configured alike."""

    def open(self, client: Any, chunks: Iterator[bytes], timeout: float) -> Iterable[Any]: ...

    def phrase_groups(self) -> list[tuple[tuple[str, ...], float]]: ...

    def with_hints(self, hints: SpeechHints) -> StreamRequests: ...

    def without_hints(self) -> StreamRequests: ...


@dataclass(frozen=True)
class Hinted:
    """The phrase hints of a stream: the vocabulary and the expected answer's phrases, each boosted."""

    vocabulary: tuple[str, ...] = ()
    answer: tuple[str, ...] = ()
    vocabulary_boost: float = 10.0
    answer_boost: float = 5.0

    def phrase_groups(self) -> list[tuple[tuple[str, ...], float]]:
        """(phrases, boost) per phrase set to send; the answer's phrases without the vocabulary's."""
        known = {p.casefold() for p in self.vocabulary}
        answer = tuple(p for p in dict.fromkeys(self.answer) if p.casefold() not in known)
        return [(phrases, boost) for phrases, boost in ((self.vocabulary, self.vocabulary_boost),
                                                        (answer, self.answer_boost)) if phrases]

    def with_hints(self, hints: SpeechHints):
        return replace(self, vocabulary=tuple(hints.vocabulary), answer=tuple(hints.answer))

    def without_hints(self):
        return replace(self, vocabulary=(), answer=())


@dataclass(frozen=True)
class V1Requests(Hinted):
    """google.cloud.speech.v1: the client's helper sends `streaming_config` as the first request."""

    language: str = "en-US"
    model: str = "telephony"

    def streaming_config(self) -> Any:
        from google.cloud import speech

        config = speech.RecognitionConfig(
            encoding=speech.RecognitionConfig.AudioEncoding.MULAW,
            sample_rate_hertz=mulaw.SAMPLE_RATE,
            audio_channel_count=1,
            language_code=self.language,
            model=self.model,
            use_enhanced=self.model in V1_ENHANCED_MODELS,
            enable_automatic_punctuation=True,
            max_alternatives=1,
            speech_contexts=[speech.SpeechContext(phrases=list(phrases), boost=boost)
                             for phrases, boost in self.phrase_groups()],
        )
        return speech.StreamingRecognitionConfig(config=config, interim_results=True)

    def open(self, client: Any, chunks: Iterator[bytes], timeout: float) -> Iterable[Any]:
        from google.cloud import speech

        requests = (speech.StreamingRecognizeRequest(audio_content=chunk) for chunk in chunks)
        # retry=None: the default retry would reopen the stream with a half-consumed generator.
        return client.streaming_recognize(
            config=self.streaming_config(), requests=requests, retry=None, timeout=timeout)


@dataclass(frozen=True)
class V2Requests(Hinted):
    """google.cloud.speech.v2: the first request names the recognizer (`.../recognizers/_`, an
    implicit one) and carries the whole configuration; the following ones carry audio only."""

    recognizer: str = ""
    language: str = "en-US"
    model: str = "telephony"

    def phrase_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return super().phrase_groups() if self.model in V2_MODELS_WITH_ADAPTATION else []

    def with_hints(self, hints: SpeechHints):
        # a model without adaptation gets no hints: nothing to switch streams for
        return super().with_hints(hints) if self.model in V2_MODELS_WITH_ADAPTATION else self

    def streaming_config(self) -> Any:
        from google.cloud import speech_v2 as speech

        decoding = speech.ExplicitDecodingConfig(
            encoding=speech.ExplicitDecodingConfig.AudioEncoding.MULAW,
            sample_rate_hertz=mulaw.SAMPLE_RATE,
            audio_channel_count=1,
        )
        config = speech.RecognitionConfig(
            explicit_decoding_config=decoding,
            model=self.model,
            language_codes=[self.language],
            features=speech.RecognitionFeatures(enable_automatic_punctuation=True),
        )
        groups = self.phrase_groups()
        if groups:
            config.adaptation = speech.SpeechAdaptation(phrase_sets=[
                speech.SpeechAdaptation.AdaptationPhraseSet(inline_phrase_set=speech.PhraseSet(
                    phrases=[speech.PhraseSet.Phrase(value=p) for p in phrases], boost=boost))
                for phrases, boost in groups])
        features = speech.StreamingRecognitionFeatures(interim_results=True)
        return speech.StreamingRecognitionConfig(config=config, streaming_features=features)

    def open(self, client: Any, chunks: Iterator[bytes], timeout: float) -> Iterable[Any]:
        from google.cloud import speech_v2 as speech

        def requests() -> Iterator[Any]:
            yield speech.StreamingRecognizeRequest(
                recognizer=self.recognizer, streaming_config=self.streaming_config())
            for chunk in chunks:
                yield speech.StreamingRecognizeRequest(audio=chunk)

        return client.streaming_recognize(requests=requests(), retry=None, timeout=timeout)


class GoogleSpeechToText:
    """The SpeechToText port on one Google streaming session per call, restarted as needed.

    `clock` (seconds, monotonic) measures stream age: tests inject a fake one to simulate long calls.
    `transcribe()` waits up to `final_timeout_s` for the final results of the utterance, counted from
    when its audio has gone out (while no stream is open, or audio piles up, it waits for that too, up
    to BACKLOG_WAIT_S), and if they do not come in time it falls back to the latest interim hypothesis.
    """

    def __init__(
        self,
        call_id: str,
        client: Any,
        requests: StreamRequests,
        *,
        clock: Callable[[], float] = time.monotonic,
        restart_after_s: float = 270.0,
        max_stream_s: float = MAX_STREAM_S,
        final_timeout_s: float = 0.8,
        replay_ms: int = 300,
        max_attempts: int = 5,
        backoff_s: float = 0.25,
        max_backoff_s: float = 5.0,
        max_buffered_s: float = 10.0,
        close_timeout_s: float = 2.0,
    ) -> None:
        if not 0 < restart_after_s < max_stream_s:
            raise ValueError(f"need 0 < restart_after_s ({restart_after_s}) < max_stream_s ({max_stream_s})")
        if final_timeout_s < 0 or replay_ms < 0 or max_attempts < 1 or backoff_s < 0:
            raise ValueError("final_timeout_s, replay_ms and backoff_s must be >= 0, max_attempts >= 1")
        self.call_id = call_id
        self._client = client
        self._requests = requests
        self._clock = clock
        self._restart_after_s = restart_after_s
        self._max_stream_s = max_stream_s
        self._final_timeout_s = final_timeout_s
        self._replay_bytes = replay_ms * BYTES_PER_SECOND // 1000
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._max_buffered_bytes = int(max_buffered_s * BYTES_PER_SECOND)
        self._close_timeout_s = close_timeout_s
        self._log_extra = {"call_id": call_id}

        self._cond = threading.Condition()  # guards everything below
        self._pending: deque[bytes] = deque()  # fed, not yet sent
        self._pending_bytes = 0
        self._overflowing = False
        self._tail = bytearray()  # the last audio sent, replayed on the next stream
        self._stream_seq = 0
        self._live_stream = 0  # the stream whose generator may take audio; 0 while none is open
        self._end_requested = False  # the live stream was half-closed on purpose
        self._call: Any = None  # the live stream's response iterator, to cancel on close
        self._closing = False
        self._failed = False
        self._in_utterance = False
        self._finals: list[tuple[str, float]] = []
        self._final_times: list[float] = []  # when each final arrived
        self._switched_at: float | None = None  # the latest planned stream switch
        self._hints_allowed = True  # False once Google rejected a stream with hints (see Errors)
        self._interim = ""
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

        self._thread = threading.Thread(target=self._run, name=f"google-stt-{call_id}", daemon=True)
        self._thread.start()

    # --- the port, called on the event loop --------------------------------------------------

    def feed(self, audio_mulaw: bytes) -> None:
        with self._cond:
            if self._closing or self._failed:
                return
            self._pending.append(audio_mulaw)
            self._pending_bytes += len(audio_mulaw)
            dropped = 0
            while self._pending_bytes > self._max_buffered_bytes:
                dropped += len(self._pending[0])
                self._pending_bytes -= len(self._pending.popleft())
            self._cond.notify_all()
        if dropped and not self._overflowing:
            log.warning("speech stream is not taking audio; dropping the oldest", extra=self._log_extra)
        self._overflowing = bool(dropped)

    def utterance_started(self) -> None:
        with self._cond:
            self._in_utterance = True
            now = self._clock()
            switched = self._switched_at is not None and now - self._switched_at <= ONSET_GRACE_S
            onset = [i for i, at in enumerate(self._final_times)
                     if switched and at >= self._switched_at - ONSET_GRACE_S]
            self._finals = [self._finals[i] for i in onset]
            self._final_times = [self._final_times[i] for i in onset]
            self._interim = ""

    def interim_text(self) -> str:
        """Everything heard since utterance_started(): its final results, then the current interim."""
        with self._cond:
            return self._text()

    def final_ready(self) -> bool:
        """A final result arrived and nothing newer is pending (no interim after it)."""
        with self._cond:
            return bool(self._finals) and not self._interim

    def final_text(self) -> str:
        """The final results heard so far, joined, while no interim is newer than them."""
        with self._cond:
            return self._text() if self._finals and not self._interim else ""

    def expect(self, hints: SpeechHints) -> None:
        """The next streams carry `hints`; the live one is switched between utterances if they differ
        from its own (see Hints)."""
        with self._cond:
            if not self._hints_allowed or self._closing or self._failed:
                return
            self._requests = self._requests.with_hints(hints)
            self._cond.notify_all()

    async def transcribe(self, utterance_mulaw: bytes) -> Transcript:
        """The utterance's final results, joined. The audio argument is not used: the stream
        already carried it."""
        loop = asyncio.get_running_loop()
        woken = asyncio.Event()
        deadline = loop.time() + self._final_timeout_s
        latest = loop.time() + BACKLOG_WAIT_S
        with self._cond:
            self._waiter = (loop, woken)
        try:
            while True:
                woken.clear()
                with self._cond:
                    if self._failed or self._closing or (self._finals and not self._interim):
                        break
                    # no stream is open (the first opening, a switch, a reopening after an error), or
                    # it lags: the utterance's audio has not reached Google, so neither has its final
                    held = not self._live_stream or self._pending_bytes > BACKLOG_BYTES
                now = loop.time()
                if held:
                    deadline = min(max(deadline, now + self._final_timeout_s), latest)
                remaining = deadline - now
                if remaining <= 0:
                    break
                if held:
                    remaining = min(remaining, POLL_S)  # (nothing wakes us when the audio goes out)
                try:
                    await asyncio.wait_for(woken.wait(), remaining)
                except TimeoutError:
                    continue  # (the deadline is checked again: it may have moved)
        finally:
            with self._cond:
                self._waiter = None
                transcript, used_interim = self._transcript(), bool(self._interim)
                self._in_utterance = False
                self._finals.clear()
                self._final_times.clear()
                self._interim = ""
        if used_interim:
            log.info("no final result in time; using the interim hypothesis", extra=self._log_extra)
        return transcript

    async def close(self) -> None:
        with self._cond:
            self._closing = True
            self._pending.clear()
            self._pending_bytes = 0
            call = self._call
            self._wake_waiter()
            self._cond.notify_all()
        if call is not None:
            call.cancel()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._close_timeout_s
        while self._thread.is_alive() and loop.time() < deadline:
            await asyncio.sleep(0.01)
        if self._thread.is_alive():
            log.warning("speech worker still running after close", extra=self._log_extra)

    # --- results (callers hold the lock) ------------------------------------------------------

    def _text(self) -> str:
        return " ".join([text for text, _ in self._finals] + ([self._interim] if self._interim else []))

    def _transcript(self) -> Transcript:
        confidences = [c for _, c in self._finals if c > 0]
        if self._interim or not confidences:
            return Transcript(self._text(), None)
        return Transcript(self._text(), sum(confidences) / len(confidences))

    def _wake_waiter(self) -> None:
        if self._waiter is not None:
            loop, event = self._waiter
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass

    # --- the worker thread --------------------------------------------------------------------

    def _run(self) -> None:
        from google.api_core.exceptions import GoogleAPICallError

        failures = 0
        while True:
            with self._cond:
                if self._closing:
                    return
                self._stream_seq += 1
                stream_id = self._live_stream = self._stream_seq
                self._end_requested = False
                replay = bytes(self._tail)
                requests = self._requests
            opened_at = self._clock()
            error: GoogleAPICallError | None = None
            heard = False
            try:
                chunks = self._audio(stream_id, opened_at, replay, requests)
                responses = requests.open(self._client, chunks, self._max_stream_s + 30)
                with self._cond:
                    self._call = responses
                    if self._closing:
                        responses.cancel()
                for response in responses:
                    heard = True
                    self._on_response(response)
            except GoogleAPICallError as exc:
                error = exc
            except Exception:
                log.exception("speech worker failed; no more transcripts", extra=self._log_extra)
                self._give_up()
                return
            finally:
                with self._cond:
                    self._live_stream = 0
                    self._call = None
                    end_requested = self._end_requested
                    self._cond.notify_all()
            if self._is_closing():
                return
            if error is None and end_requested:
                failures = 0
                continue
            if heard or self._clock() - opened_at >= HEALTHY_STREAM_S:
                failures = 0
            failures += 1
            if not self._recover(error, failures):
                self._give_up()
                return

    def _audio(self, stream_id: int, opened_at: float, replay: bytes, requests: StreamRequests) -> Iterator[bytes]:
        """The stream's request audio, run by gRPC's request thread. Returning half-closes it:
        when it is old (a restart) or its hints are not the expected ones any more (a switch)."""
        for start in range(0, len(replay), MAX_CHUNK_BYTES):
            yield replay[start:start + MAX_CHUNK_BYTES]
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._pending or self._live_stream != stream_id or self._closing, POLL_S)
                if self._live_stream != stream_id or self._closing:
                    return
                age = self._clock() - opened_at
                rehint = self._requests != requests
                if age >= self._max_stream_s or (
                        (age >= self._restart_after_s or rehint) and not self._in_utterance):
                    self._end_requested = True
                    self._switched_at = self._clock()
                    break
                chunk = self._take_chunk()
            if chunk:
                yield chunk
        if age >= self._restart_after_s:
            log.info("restarting the speech stream", extra={**self._log_extra, "stream_age_s": round(age, 1)})
        else:
            log.debug("switching the speech stream to new phrase hints",
                      extra={**self._log_extra, "stream_age_s": round(age, 1)})

    def _take_chunk(self) -> bytes:
        """Up to MAX_CHUNK_BYTES of pending audio, remembered in the tail (lock held)."""
        chunk = bytearray()
        while self._pending and len(chunk) + len(self._pending[0]) <= MAX_CHUNK_BYTES:
            chunk += self._pending.popleft()
        if not chunk and self._pending:  # one frame larger than a chunk: split it
            frame = self._pending.popleft()
            chunk += frame[:MAX_CHUNK_BYTES]
            self._pending.appendleft(frame[MAX_CHUNK_BYTES:])
        self._pending_bytes -= len(chunk)
        self._tail += chunk
        del self._tail[:max(0, len(self._tail) - self._replay_bytes)]
        return bytes(chunk)

    def _on_response(self, response: Any) -> None:
        finals: list[tuple[str, float]] = []
        interim: list[str] = []
        results = [r for r in response.results if r.alternatives]
        if not results:  # speech events, metadata
            return
        for result in results:
            best = result.alternatives[0]
            text = best.transcript.strip()
            if result.is_final and text:
                finals.append((text, best.confidence))
            elif not result.is_final and text:
                interim.append(text)
        with self._cond:
            self._finals.extend(finals)
            self._final_times.extend([self._clock()] * len(finals))
            self._interim = " ".join(interim)
            self._wake_waiter()

    def _recover(self, error: Exception | None, failures: int) -> bool:
        """Log a failed stream and wait before the next one; False: give up."""
        status = getattr(getattr(error, "grpc_status_code", None), "name", "OK")
        extra = {**self._log_extra, "grpc_status": status, "attempt": failures}
        if status in PERMANENT_STATUS:
            if status == "INVALID_ARGUMENT" and self._drop_hints():
                log.error("speech stream rejected (%s); retrying without phrase hints", error, extra=extra)
                return True
            log.error("speech stream rejected (%s); giving up, transcripts will be empty", error, extra=extra)
            return False
        if failures > self._max_attempts:
            log.error("speech stream failed %d times (%s); giving up, transcripts will be empty",
                      failures, error, extra=extra)
            return False
        delay = min(self._backoff_s * 2 ** (failures - 1), self._max_backoff_s)
        log.warning("speech stream failed (%s); reopening in %.2f s", error or "ended by the server", delay,
                    extra=extra)
        with self._cond:
            self._cond.wait_for(lambda: self._closing, delay)
        return True

    def _drop_hints(self) -> bool:
        """No more hints for this call (they were rejected); False if there were none to drop."""
        with self._cond:
            hinted = bool(self._requests.phrase_groups())
            self._hints_allowed = False
            self._requests = self._requests.without_hints()
        return hinted

    def _give_up(self) -> None:
        with self._cond:
            self._failed = True
            self._pending.clear()
            self._pending_bytes = 0
            self._wake_waiter()

    def _is_closing(self) -> bool:
        with self._cond:
            return self._closing


def speech_client(settings: RelaySettings) -> Any:
    """A SpeechClient for the configured API version; regional locations use their own endpoint.

    With `google_stt_endpoint` set (local tests only), the client talks to a fake Speech service on
    that host:port over an insecure channel with anonymous credentials."""
    if settings.google_stt_endpoint:
        return _local_speech_client(settings.google_stt_api, settings.google_stt_endpoint)
    from google.api_core.client_options import ClientOptions

    location = settings.google_stt_location
    endpoint = None if location == "global" else f"{location}-speech.googleapis.com"
    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    if settings.google_stt_api == "v1":
        from google.cloud import speech

        return speech.SpeechClient(client_options=options)
    from google.cloud import speech_v2

    return speech_v2.SpeechClient(client_options=options)


def _local_speech_client(api: str, endpoint: str) -> Any:
    import grpc
    from google.auth.credentials import AnonymousCredentials

    if api == "v1":
        from google.cloud import speech
        from google.cloud.speech_v1.services.speech.transports import SpeechGrpcTransport as transport_type
    else:
        from google.cloud import speech_v2 as speech
        from google.cloud.speech_v2.services.speech.transports import SpeechGrpcTransport as transport_type
    transport = transport_type(credentials=AnonymousCredentials(), channel=grpc.insecure_channel(endpoint))
    return speech.SpeechClient(transport=transport)


def google_stt_factory(
        settings: RelaySettings, client: Any = None, **engine_options: Any) -> SpeechToTextFactory:
    """Checks the settings, builds one SpeechClient (its gRPC channel is shared by all calls) unless
    one is given, and returns the per-call factory. `engine_options` are GoogleSpeechToText's keyword
    options (clock, final_timeout_s, backoff, ...); `max_stream_s` defaults to `stt_max_stream_s`."""
    api, model, location = settings.google_stt_api, settings.google_stt_model, settings.google_stt_location
    if api == "v1" and model.startswith("chirp"):
        raise ValueError(f"google_stt_model {model!r} needs google_stt_api v2")
    if api == "v1" and location not in ("global", "us", "eu"):
        raise ValueError(f"Speech-to-Text v1 serves the global, us and eu endpoints, not {location!r}")
    if api == "v2" and model == "chirp_3" and location == "global":
        log.warning("chirp_3 is served in regional locations (us, eu, ...), not global")
    if api == "v2" and model not in V2_MODELS_WITH_ADAPTATION:
        log.warning("phrase hints are not sent to model %s", model)
    if settings.google_stt_endpoint and settings.environment is not Environment.DEV:
        raise ValueError("google_stt_endpoint points at a local fake Speech service: dev only")
    if not settings.google_stt_endpoint and settings.stt_max_stream_s > MAX_STREAM_S:
        raise ValueError(f"stt_max_stream_s must be at most {MAX_STREAM_S} s: Google ends streams at 300 s")
    engine_options.setdefault("max_stream_s", settings.stt_max_stream_s)
    max_stream_s = engine_options["max_stream_s"]
    if settings.stt_stream_restart_s >= max_stream_s:
        raise ValueError(f"stt_stream_restart_s must be below stt_max_stream_s ({max_stream_s} s)")
    client = client if client is not None else speech_client(settings)
    boosts = {"vocabulary_boost": settings.google_stt_vocabulary_boost, "answer_boost": settings.google_stt_answer_boost}
    recognizer = f"projects/{settings.project_id}/locations/{location}/recognizers/_"

    def for_call(call_id: str, language: str, custom_parameters: dict[str, str]) -> SpeechToText:
        requests: StreamRequests = (
            V1Requests(language=language, model=model, **boosts) if api == "v1"
            else V2Requests(recognizer=recognizer, language=language, model=model, **boosts))
        requests = requests.with_hints(speech_hints(tuple(settings.stt_vocabulary), language))
        return GoogleSpeechToText(
            call_id, client, requests, restart_after_s=settings.stt_stream_restart_s, **engine_options)

    return for_call
