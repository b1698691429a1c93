"""A deterministic, speech-like signal for a sentence of text: no words, but the timing and energy of speech.

Two offline stand-ins need audio that behaves like a voice without any speech engine:
- the placeholder text-to-speech engine, which must return real mu-law audio about as long as the
  sentence would take to say, so pacing, marks and barge-in are exercised as with a real engine;
- the simulated caller, whose audio must look like speech to the relay's energy VAD and endpointer.

The signal is a harmonic buzz (a glottal-like tone with a slowly drifting, slightly falling pitch)
shaped by a ~4 Hz syllable envelope that stays well above the VAD threshold inside words, with short
(~60 ms) dips at the spaces between words. No dip comes near 200 ms, so a sentence is one turn.
The same text always gives the same samples: randomness is seeded from zlib.crc32 of the text,
never from Python's per-process hash().
"""

from __future__ import annotations

import zlib

import numpy as np

from stream_relay import mulaw

CHARS_PER_SECOND = 14.0  # a calm speaking pace
MIN_DURATION_MS = 300
WORD_GAP_MS = 60
_FADE_MS = 10
_ENVELOPE_FLOOR = 0.2  # syllable troughs, relative to syllable peaks (-14 dB)
_TOP_HZ = 3400.0  # telephone band edge: no harmonics above it


def speech_duration_ms(text: str, chars_per_second: float = CHARS_PER_SECOND) -> int:
    """How long `text` takes to say, rounded to whole 20 ms frames, at least MIN_DURATION_MS."""
    if chars_per_second <= 0:
        raise ValueError(f"chars_per_second must be positive, got {chars_per_second}")
    raw_ms = len(text.strip()) / chars_per_second * 1000.0
    frames = int(raw_ms / mulaw.FRAME_MS + 0.5)
    return max(MIN_DURATION_MS, frames * mulaw.FRAME_MS)


def synthesize(
    text: str,
    chars_per_second: float = CHARS_PER_SECOND,
    pitch_hz: float = 120.0,
    level_dbfs: float = -18.0,
) -> np.ndarray:
    """8 kHz int16 samples of speech-like sound for `text`, exactly speech_duration_ms long.

    `level_dbfs` is the RMS level of the whole utterance (see mulaw.rms_dbfs).
    """
    if not 40.0 <= pitch_hz <= 400.0:
        raise ValueError(f"pitch_hz must be a voice pitch between 40 and 400 Hz, got {pitch_hz}")
    if level_dbfs >= 0:
        raise ValueError(f"level_dbfs must be below full scale, got {level_dbfs}")
    duration_ms = speech_duration_ms(text, chars_per_second)
    n = duration_ms * mulaw.SAMPLE_RATE // 1000
    t = np.arange(n) / mulaw.SAMPLE_RATE
    rng = np.random.default_rng(zlib.crc32(text.encode("utf-8")))

    signal = _buzz(t, pitch_hz, rng) * _syllable_envelope(t, rng) * _word_gaps(text, n) * _fades(n)
    return _scale_to(signal, level_dbfs)


def synthesize_mulaw(
    text: str,
    chars_per_second: float = CHARS_PER_SECOND,
    pitch_hz: float = 120.0,
    level_dbfs: float = -18.0,
) -> bytes:
    """synthesize(), encoded as headerless 8 kHz mu-law: a whole number of 160-byte frames."""
    return mulaw.encode(synthesize(text, chars_per_second, pitch_hz, level_dbfs))


def _buzz(t: np.ndarray, pitch_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Harmonics of a pitch that drifts (+-6 %) and falls ~10 % over the utterance, like a statement."""
    drift = 1.0 + 0.06 * np.sin(2 * np.pi * rng.uniform(0.5, 1.2) * t + rng.uniform(0, 2 * np.pi))
    fall = 1.0 - 0.1 * t / max(t[-1], 1e-9)
    f0 = pitch_hz * drift * fall
    phase = 2 * np.pi * np.cumsum(f0) / mulaw.SAMPLE_RATE
    harmonics = min(20, int(_TOP_HZ // (pitch_hz * 1.1)))
    weights = rng.uniform(0.7, 1.3, size=harmonics) / np.arange(1, harmonics + 1)
    buzz = np.zeros_like(t)
    for k, weight in enumerate(weights, start=1):
        buzz += weight * np.sin(k * phase)
    breath = rng.normal(0.0, 0.05, size=t.size)
    return buzz / np.max(np.abs(buzz)) + breath


def _syllable_envelope(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 3.5-4.5 Hz rise and fall that never drops below _ENVELOPE_FLOOR."""
    rate = rng.uniform(3.5, 4.5)
    rise = 0.5 - 0.5 * np.cos(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
    return _ENVELOPE_FLOOR + (1.0 - _ENVELOPE_FLOOR) * rise


def _word_gaps(text: str, n: int) -> np.ndarray:
    """A smooth WORD_GAP_MS dip to silence at each space between words, placed by character position."""
    gains = np.ones(n)
    stripped = text.strip()
    if not stripped:
        return gains
    width = WORD_GAP_MS * mulaw.SAMPLE_RATE // 1000
    dip = 0.5 + 0.5 * np.cos(2 * np.pi * np.arange(width) / (width - 1))  # 1 -> 0 -> 1
    for index, char in enumerate(stripped):
        if char.isspace() and not stripped[index - 1].isspace():
            centre = int(n * (index + 0.5) / len(stripped))
            start = min(max(0, centre - width // 2), n - width)
            gains[start : start + width] = np.minimum(gains[start : start + width], dip)
    return gains


def _fades(n: int) -> np.ndarray:
    """Short linear fade in and out, so the audio does not start or stop with a click."""
    width = min(n // 2, _FADE_MS * mulaw.SAMPLE_RATE // 1000)
    gains = np.ones(n)
    ramp = np.linspace(0.0, 1.0, width, endpoint=False)
    gains[:width] = ramp
    gains[n - width :] = ramp[::-1]
    return gains


def _scale_to(signal: np.ndarray, level_dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(signal * signal)))
    target = 32768.0 * 10 ** (level_dbfs / 20.0)
    scaled = signal * (target / rms) if rms > 0 else signal
    return np.clip(np.round(scaled), -32768, 32767).astype(np.int16)
