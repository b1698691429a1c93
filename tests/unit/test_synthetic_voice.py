"""The synthetic voice: right length, deterministic, at the asked level, and never silent long enough to
end a turn (20 ms frames measured against -45 dBFS, the energy VAD's default threshold)."""

from __future__ import annotations

import numpy as np
import pytest

from stream_relay import mulaw
from stream_relay.speech.synthetic_voice import speech_duration_ms, synthesize, synthesize_mulaw

SENTENCES = [
    "Hi",
    "Thanks for calling Acme, this is the scheduling assistant.",
    "Could we do Tuesday at three? My email is jane at example dot com.",
    "a b c d e f g h i j k l m n o p",
    "Sure.   Let me check   that for you . . . one moment please",
    " ".join(["We can book a demo with a sales engineer next week."] * 6),
]


def longest_quiet_run_ms(pcm: np.ndarray, threshold_dbfs: float = -45.0) -> int:
    longest = run = 0
    for start in range(0, len(pcm), mulaw.FRAME_BYTES):
        quiet = mulaw.rms_dbfs(pcm[start : start + mulaw.FRAME_BYTES]) <= threshold_dbfs
        run = run + 1 if quiet else 0
        longest = max(longest, run)
    return longest * mulaw.FRAME_MS


@pytest.mark.parametrize(
    ("text", "expected_ms"),
    [
        ("", 300),
        ("Hi", 300),
        ("x" * 14, 1000),
        ("x" * 140, 10000),
        ("x" * 15, 1080),  # 1071.4 ms rounds to 54 frames
        ("  padded  ", 420),  # 6 characters after stripping: 428.6 ms
    ],
)
def test_speech_duration(text: str, expected_ms: int) -> None:
    assert speech_duration_ms(text) == expected_ms


def test_speech_duration_scales_with_rate() -> None:
    assert speech_duration_ms("x" * 28, chars_per_second=28.0) == 1000
    with pytest.raises(ValueError):
        speech_duration_ms("hello", chars_per_second=0)


@pytest.mark.parametrize("text", SENTENCES)
def test_length_is_exact(text: str) -> None:
    pcm = synthesize(text)
    assert pcm.dtype == np.int16
    assert len(pcm) == speech_duration_ms(text) * 8
    encoded = synthesize_mulaw(text)
    assert len(encoded) % mulaw.FRAME_BYTES == 0
    assert mulaw.duration_ms(encoded) == speech_duration_ms(text)


def test_deterministic_per_text() -> None:
    text = SENTENCES[1]
    assert np.array_equal(synthesize(text), synthesize(text))
    assert synthesize_mulaw(text) == synthesize_mulaw(text)
    assert not np.array_equal(synthesize(text), synthesize(text.upper()))


@pytest.mark.parametrize("level", [-12.0, -18.0, -30.0])
@pytest.mark.parametrize("text", SENTENCES[:3])
def test_level_matches_target(text: str, level: float) -> None:
    assert mulaw.rms_dbfs(synthesize(text, level_dbfs=level)) == pytest.approx(level, abs=1.0)
    assert mulaw.rms_dbfs(mulaw.decode(synthesize_mulaw(text, level_dbfs=level))) == pytest.approx(
        level, abs=1.5
    )


@pytest.mark.parametrize("text", SENTENCES)
def test_no_silence_long_enough_to_end_a_turn(text: str) -> None:
    assert longest_quiet_run_ms(mulaw.decode(synthesize_mulaw(text))) < 200


@pytest.mark.parametrize("pitch", [85.0, 120.0, 220.0])
def test_other_voices_also_stay_voiced(pitch: float) -> None:
    assert longest_quiet_run_ms(synthesize(SENTENCES[2], pitch_hz=pitch)) < 200


def test_energy_is_in_the_voice_band() -> None:
    pcm = synthesize(SENTENCES[1]).astype(np.float64)
    power = np.abs(np.fft.rfft(pcm)) ** 2
    freqs = np.fft.rfftfreq(len(pcm), d=1 / 8000)
    in_band = power[(freqs >= 80) & (freqs <= 3400)].sum()
    assert in_band / power.sum() > 0.95


def test_rejects_nonsense_parameters() -> None:
    with pytest.raises(ValueError):
        synthesize("hello", pitch_hz=5.0)
    with pytest.raises(ValueError):
        synthesize("hello", level_dbfs=3.0)
