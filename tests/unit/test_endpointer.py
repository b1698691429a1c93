"""The endpointer on synthetic speech and silence: when turns start and end, what audio they carry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stream_relay import mulaw
from stream_relay.speech.endpointer import Endpointer, EnergyVad, Event, SpeechEnded, SpeechStarted
from stream_relay.speech.synthetic_voice import synthesize_mulaw

FRAME = mulaw.FRAME_MS
SENTENCE = "Could we do Tuesday at three? My email is jane at example dot com."


def tone(ms: int, level: float = 0.1) -> bytes:
    t = np.arange(ms * 8) / 8000
    return mulaw.encode((level * 32767 * np.sin(2 * math.pi * 300 * t)).astype(np.int16))


def feed(endpointer: Endpointer, audio: bytes) -> list[tuple[int, Event]]:
    """Each event with the stream time at which it was reported (the end of the frame that completed it)."""
    reported = []
    for frame in mulaw.frames(audio):
        events = endpointer.process(frame)
        reported.extend((endpointer.stream_ms, event) for event in events)
    return reported


def endpointer() -> Endpointer:
    return Endpointer(EnergyVad(), min_speech_ms=60, silence_ms=500, pre_roll_ms=200)


def test_energy_vad() -> None:
    vad = EnergyVad(threshold_dbfs=-45.0)
    assert not vad.is_speech(mulaw.decode(mulaw.silence(FRAME)))
    assert vad.is_speech(mulaw.decode(tone(FRAME)))
    assert not vad.is_speech(mulaw.decode(tone(FRAME, level=0.001)))
    with pytest.raises(ValueError):
        EnergyVad(threshold_dbfs=3.0)


def test_one_utterance_start_end_and_audio() -> None:
    voice = synthesize_mulaw(SENTENCE)
    voice_ms = mulaw.duration_ms(voice)
    stream = mulaw.silence(1000) + voice + mulaw.silence(1000)
    ep = endpointer()
    reported = feed(ep, stream)

    assert [type(e) for _, e in reported] == [SpeechStarted, SpeechEnded]
    (started_at, started), (ended_at, ended) = reported
    assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded)
    assert abs(started.at_ms - 1000) <= FRAME
    assert started_at == started.at_ms + 60  # after min_speech_ms of speech
    assert abs(ended.at_ms - (1000 + voice_ms)) <= FRAME
    assert ended_at == ended.at_ms + 500  # after silence_ms of silence
    assert ended.speech_ms == ended.at_ms - started.at_ms
    assert not ep.in_speech

    # the audio runs from 200 ms before the first speech frame to the end of the last one
    assert ended.audio == stream[(started.at_ms - 200) * 8 : ended.at_ms * 8]
    assert len(ended.audio) == (200 + ended.speech_ms) * 8
    assert ended.audio.startswith(mulaw.silence(200 - (started.at_ms - 1000)) + voice[:1600])


def test_in_speech_follows_the_events() -> None:
    ep = endpointer()
    feed(ep, mulaw.silence(200) + tone(100))
    assert ep.in_speech
    feed(ep, mulaw.silence(480))
    assert ep.in_speech
    feed(ep, mulaw.silence(20))
    assert not ep.in_speech


def test_exact_frame_times_with_a_dip_shorter_than_silence_ms() -> None:
    # speech 100-160 ms, a 480 ms gap (one frame short of ending the turn), speech 640-680 ms
    stream = mulaw.silence(100) + tone(60) + mulaw.silence(480) + tone(40) + mulaw.silence(600)
    reported = feed(endpointer(), stream)
    assert reported[0] == (160, SpeechStarted(at_ms=100))
    ended_at, ended = reported[1]
    assert isinstance(ended, SpeechEnded)
    assert (ended_at, ended.at_ms, ended.speech_ms) == (1180, 680, 580)
    assert ended.audio == stream[0 : 680 * 8]  # pre-roll reaches back to 0 ms, clipped by the stream start
    assert len(reported) == 2


def test_a_burst_shorter_than_min_speech_is_ignored() -> None:
    ep = endpointer()
    assert feed(ep, mulaw.silence(1000) + tone(40, level=0.5) + mulaw.silence(1000)) == []
    assert not ep.in_speech


def test_a_burst_of_exactly_min_speech_counts() -> None:
    reported = feed(endpointer(), mulaw.silence(1000) + tone(60, level=0.5) + mulaw.silence(1000))
    assert reported[0][1] == SpeechStarted(at_ms=1000)
    assert [e.speech_ms for _, e in reported if isinstance(e, SpeechEnded)] == [60]


def test_two_utterances_separated_by_a_second_of_silence() -> None:
    first = synthesize_mulaw("Hi, this is Jane from Globex.")
    second = synthesize_mulaw("I wanted to ask about pricing.")
    second_start = 500 + mulaw.duration_ms(first) + 1000
    stream = mulaw.silence(500) + first + mulaw.silence(1000) + second + mulaw.silence(800)
    events = [e for _, e in feed(endpointer(), stream)]

    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded, SpeechStarted, SpeechEnded]
    starts = [e.at_ms for e in events if isinstance(e, SpeechStarted)]
    ends = [e.at_ms for e in events if isinstance(e, SpeechEnded)]
    assert abs(starts[0] - 500) <= FRAME and abs(ends[0] - (500 + mulaw.duration_ms(first))) <= FRAME
    assert abs(starts[1] - second_start) <= FRAME
    assert abs(ends[1] - (second_start + mulaw.duration_ms(second))) <= FRAME
    second_audio = events[3].audio  # type: ignore[union-attr]
    assert second_audio == stream[(starts[1] - 200) * 8 : ends[1] * 8]


def test_speech_from_the_first_frame() -> None:
    voice = synthesize_mulaw("Hello?")
    reported = feed(Endpointer(EnergyVad(), ignore_first_ms=0), voice + mulaw.silence(600))
    started, ended = (e for _, e in reported)
    assert started == SpeechStarted(at_ms=0)
    assert isinstance(ended, SpeechEnded) and ended.audio == voice[: ended.at_ms * 8]


def test_the_first_100_ms_of_the_line_are_not_taken_for_speech_by_default() -> None:
    voice = synthesize_mulaw("Hello?")
    started, _ = (e for _, e in feed(endpointer(), voice + mulaw.silence(600)))
    assert started == SpeechStarted(at_ms=100)


def test_reset_drops_the_utterance_but_keeps_stream_time() -> None:
    ep = endpointer()
    feed(ep, mulaw.silence(100) + tone(200))
    assert ep.in_speech
    ep.reset()
    assert not ep.in_speech and ep.stream_ms == 300
    assert feed(ep, mulaw.silence(1000)) == []
    reported = feed(ep, tone(100) + mulaw.silence(500))
    assert reported[0][1] == SpeechStarted(at_ms=1300)


def test_zero_pre_roll() -> None:
    ep = Endpointer(EnergyVad(), pre_roll_ms=0)
    stream = mulaw.silence(400) + tone(100) + mulaw.silence(600)
    ended = [e for _, e in feed(ep, stream) if isinstance(e, SpeechEnded)]
    assert ended[0].audio == tone(100)


def test_odd_sized_chunks_are_analysed_in_whole_frames() -> None:
    stream = mulaw.silence(1000) + synthesize_mulaw(SENTENCE) + mulaw.silence(1000)
    by_frame = [e for _, e in feed(endpointer(), stream)]
    ep = endpointer()
    by_chunk = [event for i in range(0, len(stream), 233) for event in ep.process(stream[i : i + 233])]
    assert by_chunk == by_frame
    assert ep.stream_ms == len(stream) // 160 * FRAME


def test_a_partial_frame_waits_for_the_rest() -> None:
    ep = endpointer()
    assert ep.process(b"\xff" * 159) == [] and ep.stream_ms == 0
    ep.process(b"\xff")
    assert ep.stream_ms == FRAME


def test_rejects_bad_settings() -> None:
    for bad in ({"min_speech_ms": 0}, {"silence_ms": -20}, {"pre_roll_ms": -1}):
        with pytest.raises(ValueError):
            Endpointer(EnergyVad(), **bad)


def test_speech_ms_counts_speech_not_the_silence_after_it():
    endpointer = Endpointer(EnergyVad(), silence_ms=500)
    audio = synthesize_mulaw("Okay.") + mulaw.silence(400)
    for frame in mulaw.frames(audio):
        endpointer.process(frame)
    assert endpointer.in_speech
    assert endpointer.speech_ms <= mulaw.duration_ms(synthesize_mulaw("Okay.")) + 20


def test_noise_at_the_very_start_of_the_line_does_not_open_an_utterance():
    from stream_relay.speech.endpointer import WebRtcVad

    rng = np.random.default_rng(7)
    noise = (rng.standard_normal(8000) * 32768 * 10 ** (-50 / 20)).astype(np.int16)
    endpointer = Endpointer(WebRtcVad(2))
    events = []
    for frame in mulaw.frames(mulaw.encode(noise)):
        events += endpointer.process(frame)
    assert not any(isinstance(e, SpeechStarted) for e in events)
