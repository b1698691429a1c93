"""The Google streaming STT adapter against a fake Speech service: a real gRPC server on localhost
that speaks StreamingRecognize (v1 and v2) and a real SpeechClient pointed at it. No network.

The fake "recognizes" numbered frames. Each frame is 160 bytes, ends with its index, and is either
silence or a word (`WORD:<text>`). A word produces an interim result with the words heard so far;
`final_after` silent frames after a word produce the final result. Time is simulated: the caller
advances a fake clock by 20 ms per frame, so a six-minute call runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from dataclasses import dataclass, field

import grpc
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import speech_v1, speech_v2
from google.cloud.speech_v1.services.speech.transports import SpeechGrpcTransport as V1Transport
from google.cloud.speech_v2.services.speech.transports import SpeechGrpcTransport as V2Transport

from callbot.settings import RelaySettings
from devtools.fake_speech import recognition_response, start_server
from stream_relay.speech.google_stt import GoogleSpeechToText, google_stt_factory
from stream_relay.speech.hints import SALES_TALK, speech_hints
from stream_relay.speech.stt import Transcript

FRAME = 160
FRAMES_PER_S = 50
REPLAY_FRAMES = 15  # the adapter's default 300 ms tail
HINTS = ("demo", "pricing", "Salesforce")


def frame(index: int, word: str = "") -> bytes:
    body = b"WORD:" + word.encode() if word else b""
    return body.ljust(FRAME - 8, b"\xff") + index.to_bytes(8, "big")


def parse(data: bytes) -> tuple[int, str]:
    body = data[:-8].rstrip(b"\xff")
    return int.from_bytes(data[-8:], "big"), body[5:].decode() if body.startswith(b"WORD:") else ""


@dataclass
class FakeStream:
    config: object = None
    audio: bytearray = field(default_factory=bytearray)
    indices: list[int] = field(default_factory=list)
    aborted: grpc.StatusCode | None = None


class FakeSpeech:
    """StreamingRecognize, scripted. `fail(stream_number, stream)` may return a status to abort
    the stream with, checked on the config request and after every frame."""

    def __init__(self, api: str, *, finals: bool = True, final_after: int = 5, fail=None) -> None:
        self.api = api
        self.finals = finals
        self.final_after = final_after
        self.fail = fail
        self.streams: list[FakeStream] = []

    def last_index(self) -> int:
        for stream in reversed(self.streams):
            if stream.indices:
                return stream.indices[-1]
        return -1

    def _response(self, text: str, is_final: bool):
        return recognition_response(self.api, text, is_final)

    def _check(self, number: int, stream: FakeStream, context) -> None:
        status = self.fail(number, stream) if self.fail else None
        if status is not None:
            stream.aborted = status
            context.abort(status, f"fake {status.name}")

    def streaming_recognize(self, requests, context):
        stream = FakeStream()
        self.streams.append(stream)
        number = len(self.streams) - 1
        pending, words, silent = b"", [], 0
        for request in requests:
            if "streaming_config" in request:
                stream.config = request
                self._check(number, stream, context)
                continue
            audio = request.audio_content if self.api == "v1" else request.audio
            stream.audio += audio
            pending += audio
            while len(pending) >= FRAME:
                (index, word), pending = parse(pending[:FRAME]), pending[FRAME:]
                stream.indices.append(index)
                self._check(number, stream, context)
                if word:
                    words.append(word)
                    silent = 0
                    yield self._response(" ".join(words), is_final=False)
                elif words:
                    silent += 1
                    if self.finals and silent >= self.final_after:
                        yield self._response(" ".join(words), is_final=True)
                        words = []
        if words and self.finals:  # half-close: Google finalizes what it heard
            yield self._response(" ".join(words), is_final=True)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def until(predicate, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.002)


class Caller:
    """Feeds numbered frames to the engine as Twilio would, 20 ms of fake time per frame."""

    def __init__(self, stt: GoogleSpeechToText, clock: FakeClock, fake: FakeSpeech) -> None:
        self.stt, self.clock, self.fake = stt, clock, fake
        self.fed: list[bytes] = []
        self.utterances: list[tuple[int, int]] = []  # frame indices: utterance_started .. transcribed

    def feed(self, word: str = "") -> None:
        self.fed.append(frame(len(self.fed), word))
        self.stt.feed(self.fed[-1])
        self.clock.now += 1 / FRAMES_PER_S

    async def settle(self) -> None:
        """Wait until the fake has received everything fed."""
        await until(lambda: self.fake.last_index() == len(self.fed) - 1)

    async def silence(self, seconds: float) -> None:
        for n in range(round(seconds * FRAMES_PER_S)):
            self.feed()
            if n % 250 == 249:  # do not outrun the stream (the adapter buffers at most 10 s)
                await self.settle()
        await self.settle()

    async def say(self, *words: str, gap_s: float = 0.1) -> Transcript:
        """One utterance: the words, `gap_s` of silence after each, then the transcript."""
        self.stt.utterance_started()
        start = len(self.fed)
        for word in words:
            self.feed(word)
            await self.silence(gap_s)
            # as on a real call, the word's result arrives before the endpointer closes the utterance
            await until(lambda word=word: self.stt.interim_text().split()[-1:] == [word])
        transcript = await self.stt.transcribe(b"".join(self.fed[start:]))
        self.utterances.append((start, len(self.fed) - 1))
        return transcript


def assert_audio_complete(fake: FakeSpeech, fed: list[bytes], replay_frames: int = REPLAY_FRAMES) -> None:
    """Every fed frame reached the fake, in order, unchanged; a stream may begin by replaying at most
    `replay_frames` frames that the previous one already carried."""
    covered = 0
    for number, stream in enumerate(s for s in fake.streams if s.indices):
        first, last = stream.indices[0], stream.indices[-1]
        assert stream.indices == list(range(first, last + 1)), f"stream {number} is not contiguous"
        assert bytes(stream.audio) == b"".join(fed[first:last + 1])
        assert covered - replay_frames <= first <= covered, f"stream {number} starts at {first}"
        covered = max(covered, last + 1)
    assert covered == len(fed)


@pytest.fixture
def servers():
    started = []

    def start(fake: FakeSpeech):
        server, port = start_server(lambda api: fake.streaming_recognize, (fake.api,), workers=4)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        transport_type = V1Transport if fake.api == "v1" else V2Transport
        transport = transport_type(credentials=AnonymousCredentials(), channel=channel)
        started.append((server, channel))
        return (speech_v1 if fake.api == "v1" else speech_v2).SpeechClient(transport=transport)

    yield start
    for server, channel in started:
        channel.close()
        server.stop(grace=None)


@pytest.fixture
async def engines():
    """Builds engines through the factory; closes them and checks that no worker is left."""
    built: list[GoogleSpeechToText] = []

    def build(client, api="v1", *, language="en-US", model="telephony", restart_after_s=270.0, **options):
        settings = RelaySettings(
            project_id="proj-test", google_stt_api=api, google_stt_model=model,
            google_stt_location=options.pop("location", "global"),
            stt_vocabulary=options.pop("hints", HINTS), stt_stream_restart_s=restart_after_s)
        options = {"backoff_s": 0.01, **options}
        stt = google_stt_factory(settings, client, **options)(f"CA{len(built)}", language, {})
        built.append(stt)
        return stt

    yield build
    for stt in built:
        await stt.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("google-stt-") and t.is_alive()]


@pytest.fixture
def clock():
    return FakeClock()


async def test_v1_first_request_configures_mulaw_8k_and_audio_passes_unchanged(servers, engines):
    fake = FakeSpeech("v1")
    stt = engines(servers(fake), "v1", language="fr-FR")
    fed = [os.urandom(FRAME) for _ in range(40)]
    for chunk in fed:
        stt.feed(chunk)
    await until(lambda: fake.streams and len(fake.streams[0].audio) == 40 * FRAME)

    config = fake.streams[0].config.streaming_config
    assert config.interim_results is True
    assert config.config.encoding == speech_v1.RecognitionConfig.AudioEncoding.MULAW
    assert config.config.sample_rate_hertz == 8000
    assert config.config.language_code == "fr-FR"
    assert config.config.model == "telephony"
    assert config.config.use_enhanced is False  # only phone_call and video have enhanced variants
    assert phrase_groups("v1", fake.streams[0]) == start_groups("fr")
    assert bytes(fake.streams[0].audio) == b"".join(fed)


@pytest.mark.parametrize(("model", "location", "adapted"), [
    ("telephony", "global", True), ("chirp_3", "us", True), ("latest_long", "global", False)])
async def test_v2_first_request_configures_recognizer_decoding_and_hints(
        servers, engines, model, location, adapted):
    fake = FakeSpeech("v2")
    stt = engines(servers(fake), "v2", language="fr-FR", model=model, location=location)
    fed = [os.urandom(FRAME) for _ in range(40)]
    for chunk in fed:
        stt.feed(chunk)
    await until(lambda: fake.streams and len(fake.streams[0].audio) == 40 * FRAME)

    first = fake.streams[0].config
    assert first.recognizer == f"projects/proj-test/locations/{location}/recognizers/_"
    config = first.streaming_config.config
    assert first.streaming_config.streaming_features.interim_results is True
    decoding = config.explicit_decoding_config
    assert decoding.encoding == speech_v2.ExplicitDecodingConfig.AudioEncoding.MULAW
    assert (decoding.sample_rate_hertz, decoding.audio_channel_count) == (8000, 1)
    assert config.model == model
    assert list(config.language_codes) == ["fr-FR"]
    assert phrase_groups("v2", fake.streams[0]) == (start_groups("fr") if adapted else [])
    assert bytes(fake.streams[0].audio) == b"".join(fed)


def phrase_groups(api: str, stream: FakeStream) -> list[tuple[list[str], float]]:
    """The phrase hints a stream was opened with: (phrases, boost) per phrase set."""
    if api == "v1":
        return [(list(c.phrases), c.boost) for c in stream.config.streaming_config.config.speech_contexts]
    sets = stream.config.streaming_config.config.adaptation.phrase_sets
    return [([p.value for p in s.inline_phrase_set.phrases], s.inline_phrase_set.boost) for s in sets]


def start_groups(language: str) -> list[tuple[list[str], float]]:
    """A call's first stream: the vocabulary, boosted, then the sales talk, boosted less."""
    return [(list(HINTS), 10.0), ([w for w in SALES_TALK[language] if w not in HINTS], 5.0)]


def email_hints(question: str = "What's the best email to reach you?"):
    return speech_hints(HINTS, "en-US", "email", question)


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_the_vocabulary_is_boosted_and_the_expected_answer_is_added_between_utterances(
        servers, engines, clock, api):
    fake = FakeSpeech(api)
    stt = engines(servers(fake), api, clock=clock)
    caller = Caller(stt, clock, fake)
    await caller.silence(0.2)
    assert phrase_groups(api, fake.streams[0]) == start_groups("en")

    stt.utterance_started()  # the bot's reply asking for the email arrives while the caller talks
    caller.feed("sure")
    stt.expect(email_hints())
    await caller.silence(0.5)
    assert len(fake.streams) == 1  # the utterance in progress keeps its stream
    assert (await stt.transcribe(b"")).text == "sure"
    await caller.silence(0.3)

    assert len(fake.streams) == 2
    [vocabulary, answer] = phrase_groups(api, fake.streams[1])
    assert vocabulary == (list(HINTS), 10.0)
    assert {"at", "dot", "dash", "underscore", "gmail dot com"} <= set(answer[0]) and answer[1] == 5.0
    assert (await caller.say("dana", "at", "acme", "dot", "com", gap_s=0.1)).text == "dana at acme dot com"
    assert_audio_complete(fake, caller.fed)


async def test_the_stream_is_switched_only_when_the_phrases_change(servers, engines, clock):
    fake = FakeSpeech("v1")
    stt = engines(servers(fake), clock=clock)
    caller = Caller(stt, clock, fake)
    await caller.silence(0.2)
    stt.expect(speech_hints(HINTS, "en-US", "first_name", "May I have your name?"))
    await caller.silence(0.3)
    assert len(fake.streams) == 2
    stt.expect(speech_hints(HINTS, "en-US", "last_name", "And your last name?"))  # the same phrases
    await caller.silence(0.3)
    assert len(fake.streams) == 2
    stt.expect(speech_hints(HINTS, "en-US", None, "Anything else?"))  # back to the call's first hints
    await caller.silence(0.3)
    assert len(fake.streams) == 3 and phrase_groups("v1", fake.streams[2]) == start_groups("en")
    assert (await caller.say("no", "thanks", gap_s=0.2)).text == "no thanks"
    assert_audio_complete(fake, caller.fed)


async def test_a_v2_model_without_adaptation_is_never_switched_for_hints(servers, engines, clock):
    fake = FakeSpeech("v2")
    stt = engines(servers(fake), "v2", model="latest_long", clock=clock)
    caller = Caller(stt, clock, fake)
    await caller.silence(0.2)
    stt.expect(email_hints())
    await caller.silence(0.5)
    assert len(fake.streams) == 1 and phrase_groups("v2", fake.streams[0]) == []


async def test_hints_rejected_once_are_not_sent_again_in_the_call(servers, engines, clock):
    fake = FakeSpeech("v1", fail=lambda number, stream: grpc.StatusCode.INVALID_ARGUMENT if number == 0 else None)
    stt = engines(servers(fake), clock=clock)
    caller = Caller(stt, clock, fake)
    await until(lambda: len(fake.streams) == 2)
    stt.expect(email_hints())
    await caller.silence(0.5)
    assert len(fake.streams) == 2 and phrase_groups("v1", fake.streams[1]) == []
    assert (await caller.say("hello", gap_s=0.2)).text == "hello"


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_interim_and_final_results_make_the_transcript(servers, engines, clock, api):
    fake = FakeSpeech(api, final_after=10)
    stt = engines(servers(fake), api, clock=clock)
    caller = Caller(stt, clock, fake)
    await caller.silence(0.5)
    stt.utterance_started()
    caller.feed("book")
    caller.feed("a")
    caller.feed("demo")
    await caller.settle()
    await until(lambda: stt.interim_text() == "book a demo")
    assert not stt.final_ready()
    await caller.silence(0.2)  # 10 frames: the fake finalizes
    await until(stt.final_ready)

    transcript = await stt.transcribe(b"")
    assert transcript.text == "book a demo"
    assert transcript.confidence == pytest.approx(0.9)
    assert (stt.interim_text(), stt.final_ready()) == ("", False)

    assert (await caller.say("next", "tuesday", gap_s=0.2)).text == "next tuesday"


async def test_finals_of_one_utterance_are_joined_and_results_between_utterances_dropped(
        servers, engines, clock):
    fake = FakeSpeech("v1")
    stt = engines(servers(fake), clock=clock)
    caller = Caller(stt, clock, fake)
    assert (await caller.say("my", "email", gap_s=0.5)).text == "my email"  # two finals
    caller.feed("cough")  # heard before the endpointer opens the next utterance
    await caller.silence(0.5)
    await until(lambda: stt.final_ready() and stt.interim_text() == "cough")
    assert (await caller.say("is", gap_s=0.2)).text == "is"


async def test_transcribe_falls_back_to_the_interim_hypothesis(servers, engines, clock):
    fake = FakeSpeech("v1", finals=False)
    stt = engines(servers(fake), clock=clock, final_timeout_s=0.15)
    caller = Caller(stt, clock, fake)
    stt.utterance_started()
    caller.feed("hello")
    await caller.silence(0.2)
    await until(lambda: stt.interim_text() == "hello")
    started = asyncio.get_running_loop().time()
    assert await stt.transcribe(b"") == Transcript("hello", None)
    assert asyncio.get_running_loop().time() - started >= 0.14


async def test_restart_waits_for_the_utterance_in_progress_and_loses_no_audio(
        servers, engines, clock, caplog):
    caplog.set_level(logging.INFO, logger="stream_relay.speech.google_stt")
    fake = FakeSpeech("v1")
    stt = engines(servers(fake), clock=clock, restart_after_s=10.0, max_stream_s=20.0)
    caller = Caller(stt, clock, fake)
    await caller.silence(9.0)
    stt.utterance_started()
    caller.feed("we")
    await caller.silence(2.0)  # the stream is now 11 s old, but the caller is talking
    caller.feed("use")
    await caller.silence(0.5)  # the endpointer waits this long: the replayed tail will be silence
    await until(lambda: stt.interim_text() == "we use")
    assert len(fake.streams) == 1
    assert (await stt.transcribe(b"")).text == "we use"
    utterance_end = len(caller.fed) - 1

    caller.feed()
    await caller.settle()
    await caller.silence(0.5)
    assert (await caller.say("hubspot", gap_s=0.2)).text == "hubspot"
    assert len(fake.streams) == 2
    old, new = fake.streams
    assert old.indices[-1] == utterance_end  # the first frame after the utterance went to the new stream
    assert new.indices[0] == old.indices[-1] + 1 - REPLAY_FRAMES  # a 300 ms tail is replayed
    assert_audio_complete(fake, caller.fed)
    restarts = [r for r in caplog.records if r.message == "restarting the speech stream"]
    assert [r.call_id for r in restarts] == [stt.call_id]


async def test_an_endless_utterance_still_restarts_before_the_hard_limit(servers, engines, clock):
    fake = FakeSpeech("v1")
    stt = engines(servers(fake), clock=clock, restart_after_s=10.0, max_stream_s=20.0)
    caller = Caller(stt, clock, fake)
    await caller.silence(5.0)
    stt.utterance_started()
    await caller.silence(20.0)  # never transcribed
    assert len(fake.streams) == 2
    assert len(fake.streams[0].indices) <= 20 * FRAMES_PER_S + 1
    assert_audio_complete(fake, caller.fed)


@pytest.mark.parametrize("restarts", ["planned", "forced by the limit"])
async def test_a_six_minute_call_keeps_transcribing_under_an_enforced_stream_limit(
        servers, engines, clock, restarts):
    limit_frames = 300 * FRAMES_PER_S  # the fake ends streams longer than 300 s, as Google does

    def stream_limit(number, stream):
        return grpc.StatusCode.OUT_OF_RANGE if len(stream.indices) > limit_frames else None

    fake = FakeSpeech("v1", fail=stream_limit)
    # planned: restart after 270 s between utterances, 290 s at the latest; otherwise never
    options = {} if restarts == "planned" else {"restart_after_s": 1000.0, "max_stream_s": 2000.0}
    stt = engines(servers(fake), clock=clock, **options)
    caller = Caller(stt, clock, fake)
    heard = []
    for turn in range(18):  # one 3-word utterance every 20 s; the one at 266-272 s spans 270 s
        await caller.silence(5.0 if turn == 0 else 14.0)
        heard.append((await caller.say(f"w{turn}a", f"w{turn}b", f"w{turn}c", gap_s=2.0)).text)
    await caller.silence(10.0)

    assert clock.now - 1000.0 >= 360
    assert heard == [f"w{t}a w{t}b w{t}c" for t in range(18)]
    if restarts == "planned":
        assert len(fake.streams) == 2 and not any(s.aborted for s in fake.streams)
        boundary = fake.streams[1].indices[0] + REPLAY_FRAMES  # the first frame the new stream got first-hand
        assert boundary > 270 * FRAMES_PER_S  # the restart waited for the utterance in progress at 270 s
        assert not any(start <= boundary <= end for start, end in caller.utterances)
        assert_audio_complete(fake, caller.fed)
    else:
        assert [s.aborted for s in fake.streams] == [grpc.StatusCode.OUT_OF_RANGE, None]


@pytest.mark.parametrize("status", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                    grpc.StatusCode.INTERNAL, grpc.StatusCode.OUT_OF_RANGE,
                                    grpc.StatusCode.ABORTED])
async def test_a_stream_error_mid_call_is_logged_and_the_stream_reopened(
        servers, engines, clock, caplog, status):
    caplog.set_level(logging.INFO, logger="stream_relay.speech.google_stt")
    abort_at = []

    def fail_once(number, stream):
        return status if number == 0 and abort_at and stream.indices[-1:] == abort_at else None

    fake = FakeSpeech("v1", fail=fail_once)
    stt = engines(servers(fake), clock=clock)
    caller = Caller(stt, clock, fake)
    assert (await caller.say("hello", gap_s=0.2)).text == "hello"
    abort_at.append(len(caller.fed) + 5)
    for _ in range(20):  # one frame at a time: what was in flight at the error fits in the replayed tail
        caller.feed()
        await caller.settle()
    assert len(fake.streams) == 2 and fake.streams[0].aborted == status
    assert (await caller.say("still", "here", gap_s=0.2)).text == "still here"
    assert_audio_complete(fake, caller.fed)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and warnings[0].call_id == stt.call_id and warnings[0].grpc_status == status.name


async def test_audio_waits_while_the_stream_is_down_and_only_the_oldest_is_dropped_past_the_cap(
        servers, engines, clock, caplog):
    fake = FakeSpeech("v1", fail=lambda number, stream: grpc.StatusCode.UNAVAILABLE if number == 0 else None)
    stt = engines(servers(fake), clock=clock, backoff_s=0.3, max_buffered_s=1.0)
    caller = Caller(stt, clock, fake)
    await until(lambda: any(r.message.startswith("speech stream failed") for r in caplog.records))
    for _ in range(75):  # 1.5 s while the adapter waits to reopen
        caller.feed()
    await caller.settle()
    assert fake.streams[1].indices == list(range(25, 75))  # the last second, in order
    assert any(r.message.startswith("speech stream is not taking audio") for r in caplog.records)


async def test_an_utterance_said_while_no_stream_is_open_waits_for_its_final(servers, engines, clock, caplog):
    """The caller speaks while the stream is down (here: reopening after an error; on a busy relay:
    the call's first stream still opening): its final can only come once its audio has gone out, so
    the transcript waits for it rather than coming back empty after `final_timeout_s`."""
    fake = FakeSpeech("v1", fail=lambda number, stream: grpc.StatusCode.UNAVAILABLE if number == 0 else None)
    stt = engines(servers(fake), clock=clock, backoff_s=1.5, final_timeout_s=0.3)
    caller = Caller(stt, clock, fake)
    await until(lambda: any(r.message.startswith("speech stream failed") for r in caplog.records))
    stt.utterance_started()
    caller.feed("hello")
    for _ in range(10):
        caller.feed()
    assert (await stt.transcribe(b"")).text == "hello"
    assert len(fake.streams) == 2


@pytest.mark.parametrize(("status", "streams"),
                         [(grpc.StatusCode.INVALID_ARGUMENT, 2), (grpc.StatusCode.PERMISSION_DENIED, 1)])
async def test_a_permanent_error_is_not_retried_and_transcripts_come_back_empty(
        servers, engines, clock, caplog, status, streams):
    fake = FakeSpeech("v1", fail=lambda number, stream: status)
    stt = engines(servers(fake), clock=clock)
    caller = Caller(stt, clock, fake)
    await until(lambda: any(r.levelno == logging.ERROR and "giving up" in r.message for r in caplog.records))
    for _ in range(50):
        caller.feed()
    await asyncio.sleep(0.2)
    assert len(fake.streams) == streams
    if streams == 2:  # an INVALID_ARGUMENT is tried once more without phrase hints
        assert not fake.streams[1].config.streaming_config.config.speech_contexts
    started = asyncio.get_running_loop().time()
    stt.utterance_started()
    assert await stt.transcribe(b"") == Transcript("")
    assert asyncio.get_running_loop().time() - started < 0.1
    assert all(r.call_id == stt.call_id for r in caplog.records if r.name == "stream_relay.speech.google_stt")


async def test_retryable_errors_give_up_after_max_attempts(servers, engines, clock, caplog):
    fake = FakeSpeech("v1", fail=lambda number, stream: grpc.StatusCode.UNAVAILABLE)
    engines(servers(fake), clock=clock, max_attempts=3)
    await until(lambda: any(r.levelno == logging.ERROR and "giving up" in r.message for r in caplog.records))
    await asyncio.sleep(0.1)
    assert len(fake.streams) == 4  # the first try and three retries


async def test_close_stops_the_worker_thread(servers, engines, clock):
    fake = FakeSpeech("v1")
    stt = engines(servers(fake), clock=clock)
    caller = Caller(stt, clock, fake)
    assert (await caller.say("bye", gap_s=0.2)).text == "bye"
    await stt.close()
    assert not [t for t in threading.enumerate() if t.name == f"google-stt-{stt.call_id}"]
    stt.feed(frame(999))  # ignored after close
    assert await stt.transcribe(b"") == Transcript("")


def test_the_factory_refuses_settings_google_cannot_serve(servers):
    client = servers(FakeSpeech("v1"))
    with pytest.raises(ValueError, match="v2"):
        google_stt_factory(RelaySettings(google_stt_api="v1", google_stt_model="chirp_3"), client)
    with pytest.raises(ValueError, match="stt_stream_restart_s"):
        google_stt_factory(RelaySettings(stt_stream_restart_s=300.0), client)
    with pytest.raises(ValueError, match="v1"):
        google_stt_factory(RelaySettings(google_stt_location="us-central1"), client)
    with pytest.raises(ValueError, match="at most"):
        google_stt_factory(RelaySettings(stt_max_stream_s=400.0), client)
    with pytest.raises(ValueError, match="dev only"):
        google_stt_factory(RelaySettings(environment="prod", twilio_auth_token="t",
                                         google_stt_endpoint="127.0.0.1:1"), client)


async def test_a_word_finalized_by_the_stream_being_restarted_starts_the_next_utterance(servers, engines, clock):
    """The caller starts talking just as the stream is switched: the old stream returns that word
    after its half-close, a moment before the endpointer opens the utterance; it is kept."""
    fake = FakeSpeech("v1")
    stt = engines(servers(fake), clock=clock, restart_after_s=10.0, max_stream_s=20.0)
    caller = Caller(stt, clock, fake)
    await caller.silence(9.96)
    caller.feed("yes")  # still on the first stream
    await caller.silence(0.1)  # the stream is 10 s old: switched between utterances
    await until(lambda: len(fake.streams) == 2 and stt.final_ready())
    assert (await caller.say("please", gap_s=0.2)).text == "yes please"
    caller.feed("cough")
    await caller.silence(1.0)
    await until(lambda: stt.final_ready())
    assert (await caller.say("thanks", gap_s=0.2)).text == "thanks"  # long after a switch: dropped as before
