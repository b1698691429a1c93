"""WAV (RIFF/WAVE) reading and writing, pure: bytes in, bytes out.

Speech engines hand back WAV files (Google Text-to-Speech wraps even MULAW in one), while Twilio
wants headerless 8 kHz mu-law. The header is parsed chunk by chunk, never cut at a fixed offset:
writers put LIST, fact or other chunks before `data`, and streaming writers leave a placeholder for
the `data` size because they did not know it yet: 0, 0xFFFFFFFF, or near 2 GiB (espeak-ng writing
to a pipe puts 0x7FFFF000). The audio then runs to the end of the file. Any other size past the end
of the file means the file was cut short, and is an error.
Call recordings are written here too, as interleaved 16-bit stereo.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from stream_relay import mulaw

FORMAT_PCM = 1
FORMAT_MULAW = 7
FORMAT_EXTENSIBLE = 0xFFFE
_PLACEHOLDER_MIN = 0x7FFF0000  # data sizes from here up, and 0, are streaming writers' placeholders


class BadWav(ValueError):
    """Not a WAV file, a damaged one, or one whose audio format cannot be turned into what was asked."""


@dataclass(frozen=True)
class WavAudio:
    format_tag: int  # 1 PCM, 7 mu-law; a WAVE_FORMAT_EXTENSIBLE file reports its sub-format
    channels: int
    sample_rate: int
    bits_per_sample: int
    frames: bytes  # the sample data, interleaved, whole frames only

    @property
    def block_align(self) -> int:
        return self.channels * ((self.bits_per_sample + 7) // 8)


def parse_wav(data: bytes) -> WavAudio:
    """The format and sample data of a WAV file, found by walking its RIFF chunks."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise BadWav("not a RIFF/WAVE file")
    fmt: tuple[int, int, int, int] | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        body = offset + 8
        if chunk_id == b"data":
            if fmt is None:
                raise BadWav("data chunk before the fmt chunk")
            if size == 0 or (size >= _PLACEHOLDER_MIN and body + size > len(data)):
                size = len(data) - body
            elif body + size > len(data):
                raise BadWav(f"data chunk declares {size} bytes, only {len(data) - body} present")
            return _audio(fmt, data[body : body + size])
        if body + size > len(data):
            raise BadWav(f"chunk {chunk_id!r} runs past the end of the file")
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(data[body : body + size])
        offset = body + size + (size & 1)  # chunks are padded to an even length
    raise BadWav("no data chunk" if fmt else "no fmt chunk")


def mulaw_from_wav(data: bytes) -> bytes:
    """Headerless 8 kHz mono mu-law from a mono WAV that is mu-law or 16-bit PCM at any rate."""
    wav = parse_wav(data)
    if wav.channels != 1:
        raise BadWav(f"expected mono audio, got {wav.channels} channels")
    if wav.format_tag == FORMAT_MULAW and wav.bits_per_sample == 8:
        if wav.sample_rate == mulaw.SAMPLE_RATE:
            return wav.frames
        pcm = mulaw.decode(wav.frames)
    elif wav.format_tag == FORMAT_PCM and wav.bits_per_sample == 16:
        pcm = np.frombuffer(wav.frames, dtype="<i2").astype(np.int16)
    else:
        raise BadWav(f"unsupported audio: format {wav.format_tag}, {wav.bits_per_sample} bits")
    if wav.sample_rate != mulaw.SAMPLE_RATE:
        import soxr

        pcm = soxr.resample(pcm, wav.sample_rate, mulaw.SAMPLE_RATE)
    return mulaw.encode(pcm)


def mulaw_wav(audio: bytes, sample_rate: int = mulaw.SAMPLE_RATE) -> bytes:
    """Headerless mono mu-law wrapped in a WAV file (format 7), so that it plays anywhere."""
    return write_wav(audio, format_tag=FORMAT_MULAW, channels=1, sample_rate=sample_rate, bits_per_sample=8)


def stereo_wav(
    left_pcm16: np.ndarray, right_pcm16: np.ndarray, sample_rate: int = mulaw.SAMPLE_RATE
) -> bytes:
    """A 16-bit stereo WAV of two int16 tracks; the shorter one is padded with silence."""
    return write_wav(stereo_frames(left_pcm16, right_pcm16), format_tag=FORMAT_PCM, channels=2,
                     sample_rate=sample_rate, bits_per_sample=16)


def stereo_frames(left_pcm16: np.ndarray, right_pcm16: np.ndarray) -> bytes:
    """The sample data of `stereo_wav`: the two int16 tracks interleaved, little-endian, the
    shorter one padded with silence. Pieces of a time line encode to pieces of the whole."""
    left, right = np.asarray(left_pcm16), np.asarray(right_pcm16)
    for track in (left, right):
        if track.dtype != np.int16 or track.ndim != 1:
            raise TypeError(f"stereo_wav expects 1-D int16 tracks, got {track.dtype} with {track.ndim} dims")
    interleaved = np.zeros((max(len(left), len(right)), 2), dtype="<i2")
    interleaved[: len(left), 0] = left
    interleaved[: len(right), 1] = right
    return interleaved.tobytes()


def write_wav(
    frames: bytes, *, format_tag: int, channels: int, sample_rate: int, bits_per_sample: int
) -> bytes:
    """A canonical WAV file: RIFF header, 16-byte fmt chunk, data chunk (padded to even length)."""
    pad = b"\x00" * (len(frames) & 1)
    return wav_header(len(frames), format_tag=format_tag, channels=channels, sample_rate=sample_rate,
                      bits_per_sample=bits_per_sample) + frames + pad


def wav_header(
    data_size: int, *, format_tag: int, channels: int, sample_rate: int, bits_per_sample: int
) -> bytes:
    """The 44 bytes `write_wav` puts before `data_size` bytes of sample data: a file written in
    pieces (a recording uploaded during the call) is this header followed by the pieces."""
    block_align = channels * ((bits_per_sample + 7) // 8)
    fmt = struct.pack("<HHIIHH", format_tag, channels, sample_rate, sample_rate * block_align, block_align,
                      bits_per_sample)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_size)
    return b"RIFF" + struct.pack("<I", len(body) + data_size + (data_size & 1)) + body


def _parse_fmt(chunk: bytes) -> tuple[int, int, int, int]:
    if len(chunk) < 16:
        raise BadWav(f"fmt chunk of {len(chunk)} bytes, at least 16 expected")
    format_tag, channels, sample_rate, _, _, bits = struct.unpack_from("<HHIIHH", chunk)
    if format_tag == FORMAT_EXTENSIBLE:
        if len(chunk) < 40:
            raise BadWav("WAVE_FORMAT_EXTENSIBLE fmt chunk without its sub-format")
        (format_tag,) = struct.unpack_from("<H", chunk, 24)  # first two bytes of the sub-format GUID
    if channels == 0 or sample_rate == 0 or bits == 0:
        raise BadWav(f"fmt chunk with {channels} channels, {sample_rate} Hz, {bits} bits")
    return format_tag, channels, sample_rate, bits


def _audio(fmt: tuple[int, int, int, int], frames: bytes) -> WavAudio:
    format_tag, channels, sample_rate, bits = fmt
    wav = WavAudio(format_tag, channels, sample_rate, bits, frames)
    whole = len(frames) - len(frames) % wav.block_align  # a streaming writer may stop mid-frame
    return wav if whole == len(frames) else WavAudio(format_tag, channels, sample_rate, bits, frames[:whole])
