"""What a TTS engine's output must be for the phone line, checked the same way for every engine."""

from __future__ import annotations

import numpy as np

from stream_relay import mulaw


def voice_band_share(audio: bytes) -> float:
    """The share of the spectrum of 8 kHz mu-law `audio` that lies in the voice band (100-3400 Hz):
    speech resampled properly to 8 kHz keeps nearly all of it there, below the 4 kHz Nyquist limit."""
    pcm = mulaw.decode(audio)
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    freqs = np.fft.rfftfreq(len(pcm), 1 / mulaw.SAMPLE_RATE)
    return float(spectrum[(freqs > 100) & (freqs < 3400)].sum() / spectrum.sum())
