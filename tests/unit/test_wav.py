"""WAV parsing walks RIFF chunks (no fixed offsets), and mu-law comes out at 8 kHz whatever went in."""

from __future__ import annotations

import io
import struct
import wave

import numpy as np
import pytest

from stream_relay import mulaw
from stream_relay.speech.wav import (
    BadWav,
    mulaw_from_wav,
    mulaw_wav,
    parse_wav,
    stereo_wav,
    write_wav,
)


def chunk(chunk_id: bytes, body: bytes, declared: int | None = None) -> bytes:
    size = len(body) if declared is None else declared
    return chunk_id + struct.pack("<I", size) + body + b"\x00" * (len(body) & 1)


def fmt(format_tag: int = 7, channels: int = 1, rate: int = 8000, bits: int = 8) -> bytes:
    align = channels * bits // 8
    return chunk(b"fmt ", struct.pack("<HHIIHH", format_tag, channels, rate, rate * align, align, bits))


def riff(*chunks: bytes, declared: int | None = None) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if declared is None else declared) + body


def pcm16_wav(pcm: np.ndarray, rate: int) -> bytes:
    frames = pcm.astype("<i2").tobytes()
    return write_wav(frames, format_tag=1, channels=1, sample_rate=rate, bits_per_sample=16)


AUDIO = bytes(range(1, 161))  # one 20 ms frame of mu-law codes


def test_canonical_mulaw_wav() -> None:
    wav = parse_wav(riff(fmt(), chunk(b"data", AUDIO)))
    assert (wav.format_tag, wav.channels, wav.sample_rate, wav.bits_per_sample) == (7, 1, 8000, 8)
    assert wav.frames == AUDIO


def test_chunks_before_data_are_skipped_including_odd_sized_ones() -> None:
    odd_list = chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00Lavf\x00")  # 17 bytes + 1 pad byte
    fact = chunk(b"fact", struct.pack("<I", len(AUDIO)))
    data = riff(odd_list, fmt(), fact, chunk(b"junk", b"xyz"), chunk(b"data", AUDIO))
    assert parse_wav(data).frames == AUDIO
    assert mulaw_from_wav(data) == AUDIO


@pytest.mark.parametrize("declared", [0, 0xFFFFFFFF, 0x7FFFF000, 0x7FFFFFFF])
def test_streaming_writer_data_size_means_rest_of_file(declared: int) -> None:
    data = riff(fmt(), chunk(b"LIST", b"abcd"), chunk(b"data", AUDIO, declared=declared), declared=declared)
    assert parse_wav(data).frames == AUDIO


def test_espeak_ng_piped_output() -> None:
    """The first 44 bytes of `espeak-ng --stdout "Hello there"` (22050 Hz PCM16, sizes unknown)."""
    header = bytes.fromhex("52494646 24f0ff7f 57415645 666d7420 10000000 01000100 22560000 44ac0000"
                           "02001000 64617461 00f0ff7f")
    pcm = (np.sin(np.arange(22050) / 9) * 7000).astype("<i2")
    out = mulaw_from_wav(header + pcm.tobytes())
    assert abs(len(out) - 8000) <= 1


def test_chunks_after_data_are_not_audio() -> None:
    data = riff(fmt(), chunk(b"data", AUDIO[:3]), chunk(b"LIST", b"abcd"))
    assert parse_wav(data).frames == AUDIO[:3]


def test_partial_trailing_frame_is_dropped() -> None:
    pcm = np.array([1, -2, 3], dtype="<i2").tobytes()
    streamed = b"data" + struct.pack("<I", 0) + pcm + b"\x07"  # cut mid-sample, no pad byte
    wav = parse_wav(riff(fmt(1, 1, 16000, 16), streamed))
    assert wav.frames == pcm


def test_wave_format_extensible_reports_its_sub_format() -> None:
    pcm_guid = struct.pack("<H", 1) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    body = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 16000, 32000, 2, 16, 22, 16, 4) + pcm_guid
    wav = parse_wav(riff(chunk(b"fmt ", body), chunk(b"data", b"\x01\x00")))
    assert (wav.format_tag, wav.sample_rate, wav.bits_per_sample) == (1, 16000, 16)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"RIFX\x00\x00\x00\x00WAVE",
        b"RIFF\x00\x00\x00\x00AVI ",
        riff(chunk(b"data", AUDIO)),  # no fmt before data
        riff(fmt()),  # no data
        riff(chunk(b"LIST", b"ab")),  # neither
        riff(fmt(), chunk(b"data", AUDIO, declared=1000)),  # truncated
        riff(chunk(b"fmt ", b"\x07\x00\x01\x00")),  # fmt too short
        riff(fmt(), chunk(b"LIST", b"ab", declared=99)),  # a chunk running past the end
        riff(fmt(7, 0, 8000, 8), chunk(b"data", AUDIO)),  # zero channels
    ],
)
def test_malformed_input_raises_bad_wav(data: bytes) -> None:
    with pytest.raises(BadWav):
        parse_wav(data)


def test_bad_wav_is_a_value_error() -> None:
    assert issubclass(BadWav, ValueError)


def test_pcm16_at_8k_is_encoded_not_resampled() -> None:
    pcm = (np.sin(np.arange(800) / 5) * 8000).astype(np.int16)
    data = pcm16_wav(pcm, 8000)
    assert mulaw_from_wav(data) == mulaw.encode(pcm)


@pytest.mark.parametrize("rate", [16000, 22050, 24000])
def test_pcm16_at_other_rates_is_resampled_to_8k(rate: int) -> None:
    t = np.arange(rate) / rate  # one second
    pcm = (np.sin(2 * np.pi * 440 * t) * 10000).astype(np.int16)
    data = pcm16_wav(pcm, rate)
    out = mulaw.decode(mulaw_from_wav(data))
    assert abs(len(out) - 8000) <= 1
    # still a 440 Hz tone at the same level
    spectrum = np.abs(np.fft.rfft(out[:8000].astype(np.float64)))
    assert abs(int(np.argmax(spectrum)) - 440) <= 1
    assert abs(mulaw.rms_dbfs(out[100:-100]) - mulaw.rms_dbfs(pcm)) < 0.5


def test_mulaw_at_16k_is_resampled() -> None:
    audio = mulaw.encode((np.sin(np.arange(1600) / 7) * 6000).astype(np.int16))
    data = write_wav(audio, format_tag=7, channels=1, sample_rate=16000, bits_per_sample=8)
    assert len(mulaw_from_wav(data)) == 800


@pytest.mark.parametrize(
    "format_tag, channels, bits",
    [(7, 2, 8), (1, 2, 16), (1, 1, 8), (1, 1, 24), (3, 1, 32), (6, 1, 8)],
)
def test_unsupported_formats_raise_bad_wav(format_tag: int, channels: int, bits: int) -> None:
    data = write_wav(b"\x00" * 12, format_tag=format_tag, channels=channels, sample_rate=8000,
                     bits_per_sample=bits)
    with pytest.raises(BadWav):
        mulaw_from_wav(data)


def test_mulaw_wav_round_trip_with_odd_length() -> None:
    audio = AUDIO[:7]
    data = mulaw_wav(audio)
    assert len(data) % 2 == 0
    assert mulaw_from_wav(data) == audio


def test_stereo_wav_pads_the_shorter_track_and_reads_back_with_the_wave_module() -> None:
    left = np.array([1, 2, 3, 4], dtype=np.int16)
    right = np.array([-1, -32768], dtype=np.int16)
    data = stereo_wav(left, right)
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (2, 2, 8000)
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    np.testing.assert_array_equal(frames[:, 0], [1, 2, 3, 4])
    np.testing.assert_array_equal(frames[:, 1], [-1, -32768, 0, 0])
    wav = parse_wav(data)
    assert (wav.format_tag, wav.channels, wav.bits_per_sample, len(wav.frames)) == (1, 2, 16, 16)


def test_stereo_wav_other_rate_and_empty_tracks() -> None:
    data = stereo_wav(np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.int16), sample_rate=16000)
    wav = parse_wav(data)
    assert (wav.sample_rate, wav.frames) == (16000, b"")


def test_stereo_wav_rejects_non_int16() -> None:
    with pytest.raises(TypeError):
        stereo_wav(np.zeros(3), np.zeros(3, dtype=np.int16))
