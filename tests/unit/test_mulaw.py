"""The mu-law codec against the textbook G.711 algorithm, written out one sample at a time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stream_relay import mulaw

_EXP_LUT = [0, 0, 1, 1] + [2] * 4 + [3] * 8 + [4] * 16 + [5] * 32 + [6] * 64 + [7] * 128


def textbook_encode(sample: int) -> int:
    """linear2ulaw as in the widely copied reference code (bias 0x84, clip 32635)."""
    sign = (sample >> 8) & 0x80
    if sign:
        sample = -sample
    sample = min(sample, 32635)
    sample += 0x84
    exponent = _EXP_LUT[(sample >> 7) & 0xFF]
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def textbook_decode(code: int) -> int:
    code = ~code & 0xFF
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    sample = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -sample if sign else sample


def test_frame_constants() -> None:
    assert (mulaw.SAMPLE_RATE, mulaw.FRAME_MS, mulaw.FRAME_BYTES) == (8000, 20, 160)


def test_decode_matches_textbook_for_all_codes() -> None:
    pcm = mulaw.decode(bytes(range(256)))
    assert pcm.dtype == np.int16
    assert pcm.tolist() == [textbook_decode(code) for code in range(256)]


def test_encode_matches_textbook_for_every_int16() -> None:
    samples = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    encoded = mulaw.encode(samples)
    expected = bytes(textbook_encode(int(s)) for s in samples)
    assert encoded == expected


def test_round_trip_is_stable_for_all_codes() -> None:
    codes = bytes(range(256))
    once = mulaw.decode(codes)
    assert np.array_equal(mulaw.decode(mulaw.encode(once)), once)


def test_known_values() -> None:
    assert mulaw.decode(b"\xff\x7f").tolist() == [0, 0]
    assert mulaw.encode(np.array([0, 32767, -32768], dtype=np.int16)) == b"\xff\x80\x00"


def test_encode_rejects_non_int16() -> None:
    with pytest.raises(TypeError):
        mulaw.encode(np.zeros(4, dtype=np.float32))


def test_encode_accepts_a_non_contiguous_view() -> None:
    pcm = np.arange(-100, 100, dtype=np.int16)
    assert mulaw.encode(pcm[::2]) == mulaw.encode(pcm[::2].copy())


def test_silence_and_duration() -> None:
    quiet = mulaw.silence(40)
    assert quiet == b"\xff" * 320
    assert mulaw.duration_ms(quiet) == 40
    assert mulaw.duration_ms(b"\xff" * 161) == 20
    assert mulaw.silence(0) == b""
    with pytest.raises(ValueError):
        mulaw.silence(-1)


def test_frames_split_and_pad_the_last_one() -> None:
    data = bytes(range(200)) * 2  # 400 bytes: two whole frames and 80 bytes
    chunks = list(mulaw.frames(data))
    assert [len(c) for c in chunks] == [160, 160, 160]
    assert b"".join(chunks)[:400] == data
    assert chunks[-1][80:] == b"\xff" * 80
    assert list(mulaw.frames(b"")) == []


def test_rms_dbfs() -> None:
    assert mulaw.rms_dbfs(np.zeros(160, dtype=np.int16)) == mulaw.DBFS_FLOOR
    assert mulaw.rms_dbfs(np.array([], dtype=np.int16)) == mulaw.DBFS_FLOOR
    square = np.array([-32768, 32767] * 80, dtype=np.int16)
    assert mulaw.rms_dbfs(square) == pytest.approx(0.0, abs=0.01)
    t = np.arange(8000) / 8000
    sine = (0.1 * 32768 * np.sin(2 * math.pi * 440 * t)).astype(np.int16)
    assert mulaw.rms_dbfs(sine) == pytest.approx(-20 - 3.01, abs=0.05)


@pytest.mark.parametrize("scale", [0, 3, 30, 300, 3000, 30000])
@pytest.mark.parametrize("threshold", [-60.0, -50.0, -45.0, -20.0])
def test_louder_than_agrees_with_the_rms_level(scale, threshold):
    rng = np.random.default_rng(scale)
    for length in (0, 1, 80, 160):
        audio = mulaw.encode(np.clip(rng.normal(0, scale, length), -32768, 32767).astype(np.int16))
        assert mulaw.louder_than(audio, threshold) == (mulaw.rms_dbfs(mulaw.decode(audio)) > threshold)
