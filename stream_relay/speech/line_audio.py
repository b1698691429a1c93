"""A local engine's speech made ready for the phone line: resampled to 8 kHz with soxr, silence beyond
`KEEP_SILENCE_MS` cut from both ends (an engine's own lead-in and tail would delay the next sentence
and the caller's turn), encoded as headerless mu-law.

Shared by the local text-to-speech engines (`espeak_tts.py`, `hibari_tts.py`) and, through them, by
the simulated caller's voices.
"""

from __future__ import annotations

import numpy as np
import soxr

from stream_relay import mulaw

KEEP_SILENCE_MS = 50
SILENCE_LEVEL = 100  # |int16 sample| at or below this (about -50 dBFS) counts as silence


def line_mulaw(samples: np.ndarray, sample_rate: float) -> bytes:
    """8 kHz mu-law of `samples` (int16 PCM, or float in [-1, 1]) taken at `sample_rate`, trimmed.

    `sample_rate` may be any positive number: audio read at a rate other than the one it was made at
    plays lower or higher, which is how a second voice is made from one model."""
    if samples.size == 0:
        return b""
    scale = 32768.0 if np.issubdtype(samples.dtype, np.floating) else 1.0
    resampled = soxr.resample(samples.astype(np.float32) * scale, sample_rate, mulaw.SAMPLE_RATE)
    pcm = np.clip(np.round(resampled), -32768, 32767).astype(np.int16)
    return mulaw.encode(trim_silence(pcm))


def trim_silence(samples: np.ndarray, sample_rate: float = mulaw.SAMPLE_RATE) -> np.ndarray:
    """Cut leading and trailing silence down to KEEP_SILENCE_MS; all-silent audio becomes empty.
    `samples`: int16 PCM, or float in [-1, 1]."""
    level = SILENCE_LEVEL / 32768.0 if np.issubdtype(samples.dtype, np.floating) else SILENCE_LEVEL
    loud = np.flatnonzero(np.abs(samples.astype(np.float64)) > level)
    if loud.size == 0:
        return samples[:0]
    keep = int(sample_rate * KEEP_SILENCE_MS / 1000)
    return samples[max(0, loud[0] - keep): loud[-1] + 1 + keep]
