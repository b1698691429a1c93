"""G.711 mu-law codec and frame arithmetic for Twilio's 8 kHz telephone audio.

Twilio Media Streams carry headerless mu-law, 8000 samples per second, one byte per sample, in 20 ms
frames of 160 bytes. Everything the relay does with audio (VAD, level checks, TTS output, pacing)
goes through this module, so the codec is table driven and vectorised with numpy: a call produces
50 frames per second in each direction.

The codec is the classic G.711 one (bias 0x84, clip 32635) used by Sun's g711.c and most telephony
stacks. Decoding maps each of the 256 codes to a 16-bit sample through a table; encoding maps each of
the 65536 int16 values to a code through another, both built once at import.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000  # 160
SILENCE_BYTE = 0xFF  # mu-law code for a zero sample
DBFS_FLOOR = -120.0

BIAS = 0x84
CLIP = 32635


def decode(data: bytes) -> np.ndarray:
    """Decode mu-law bytes to int16 PCM samples (a new, writable array)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    return _DECODE_TABLE[codes]


def encode(pcm: np.ndarray) -> bytes:
    """Encode int16 PCM samples to mu-law bytes.

    Only int16 is accepted: silently rescaling floats or wider integers would hide a bug upstream.
    """
    samples = np.asarray(pcm)
    if samples.dtype != np.int16:
        raise TypeError(f"mu-law encode expects int16 samples, got {samples.dtype}")
    return _ENCODE_TABLE[samples.view(np.uint16)].tobytes()


def silence(ms: int) -> bytes:
    """`ms` milliseconds of digital silence, as mu-law bytes."""
    if ms < 0:
        raise ValueError(f"silence needs a non-negative duration, got {ms} ms")
    return bytes([SILENCE_BYTE]) * (SAMPLE_RATE * ms // 1000)


def silence_samples(count: int) -> bytes:
    """`count` samples of digital silence, as mu-law bytes."""
    return bytes([SILENCE_BYTE]) * max(0, count)


def frames(data: bytes, per_chunk: int = 1) -> Iterator[bytes]:
    """Split mu-law audio into 160-byte (20 ms) frames, or chunks of `per_chunk` frames; the last
    one is padded with silence to a whole frame."""
    size = FRAME_BYTES * per_chunk
    for start in range(0, len(data), size):
        chunk = bytes(data[start : start + size])
        yield chunk + bytes([SILENCE_BYTE]) * (-len(chunk) % FRAME_BYTES)


def duration_ms(data: bytes) -> int:
    """Playing time of mu-law audio in whole milliseconds (rounded down)."""
    return len(data) * 1000 // SAMPLE_RATE


def rms_dbfs(pcm: np.ndarray) -> float:
    """Root-mean-square level of int16 PCM in dBFS (full scale 32768), never below DBFS_FLOOR.

    A full-scale square wave reads 0 dBFS and a full-scale sine about -3 dBFS. Empty input and
    digital silence read DBFS_FLOOR rather than -inf, so callers can compare without special cases.
    """
    samples = np.asarray(pcm, dtype=np.float64)
    if samples.size == 0:
        return DBFS_FLOOR
    rms = math.sqrt(float(np.mean(samples * samples)))
    if rms == 0.0:
        return DBFS_FLOOR
    return max(DBFS_FLOOR, 20.0 * math.log10(rms / 32768.0))


def louder_than(data: bytes, dbfs: float) -> bool:
    """Whether mu-law audio's RMS level is above `dbfs` (rms_dbfs(decode(data)) > dbfs), from a table
    of squared samples: a third of the time, for a check made on every frame."""
    if not data:
        return DBFS_FLOOR > dbfs
    mean_square = float(_SQUARE_TABLE[np.frombuffer(data, dtype=np.uint8)].mean())
    level = 10.0 * math.log10(mean_square / 32768.0**2) if mean_square else DBFS_FLOOR
    return max(DBFS_FLOOR, level) > dbfs


def _build_decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _build_encode_table() -> np.ndarray:
    samples = np.arange(65536, dtype=np.int32).astype(np.uint16).view(np.int16).astype(np.int32)
    sign = np.where(samples < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(samples), CLIP) + BIAS
    # exponent = position of the highest set bit of (magnitude >> 7), 0..7
    exponent = np.zeros_like(magnitude)
    for bit in range(1, 8):
        exponent = np.where((magnitude >> 7) >= (1 << bit), bit, exponent)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)


_DECODE_TABLE = _build_decode_table()
_SQUARE_TABLE = _DECODE_TABLE.astype(np.float64) ** 2
_ENCODE_TABLE = _build_encode_table()
