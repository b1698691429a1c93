"""The simulated caller's voices: the neural voice, a second lower one from the same model at the same
pace, espeak-ng for French and for a bad line, and a tone. Real engines (hibari's model loads once,
about 1 s)."""

from __future__ import annotations

import numpy as np
import pytest

from devtools.simcall.voices import caller_voice
from stream_relay import mulaw

TEXT = "Hi, this is Jordan Ellis from Acme Logistics. How much does it cost?"


def _median_pitch_hz(audio: bytes) -> float:
    """The median pitch of the loud 40 ms frames, from each frame's autocorrelation peak (60-400 Hz)."""
    pcm = mulaw.decode(audio).astype(np.float64)
    n, pitches = 320, []
    for start in range(0, len(pcm) - n, n):
        frame = pcm[start:start + n] - pcm[start:start + n].mean()
        if np.sqrt(np.mean(frame**2)) < 500:
            continue
        correlation = np.correlate(frame, frame, "full")[n - 1:]
        shortest, longest = mulaw.SAMPLE_RATE // 400, mulaw.SAMPLE_RATE // 60
        lag = shortest + int(np.argmax(correlation[shortest:longest]))
        if correlation[lag] > 0.3 * correlation[0]:
            pitches.append(mulaw.SAMPLE_RATE / lag)
    return float(np.median(pitches))


async def test_the_low_voice_is_lower_than_the_neural_voice_at_about_the_same_pace():
    heart = await caller_voice("hibari", "en-US")(TEXT)
    low = await caller_voice("hibari-low", "en-US")(TEXT)

    assert 0.85 < len(low) / len(heart) < 1.15
    assert _median_pitch_hz(low) < 0.9 * _median_pitch_hz(heart)  # ~157 Hz against ~200 Hz


async def test_every_voice_speaks_english_and_french_as_line_audio():
    for name in ("hibari", "hibari-low", "espeak", "tone"):
        for language, text in (("en-US", "Yes, that's fine."), ("fr-FR", "Oui, ça me va.")):
            audio = await caller_voice(name, language)(text)
            assert len(audio) > 0.4 * mulaw.SAMPLE_RATE and mulaw.rms_dbfs(mulaw.decode(audio)) > -35, (name, language)


async def test_a_french_line_in_a_neural_voice_is_spoken_by_espeak():
    french = "Bonjour, je voudrais une démonstration."
    assert await caller_voice("hibari", "fr-FR")(french) == await caller_voice("espeak", "fr-FR")(french)


def test_an_unknown_voice_is_refused():
    with pytest.raises(ValueError, match="unknown caller voice 'piper'"):
        caller_voice("piper", "en-US")
