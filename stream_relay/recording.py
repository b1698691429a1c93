"""Both directions of a call, aligned in time, for a stereo recording (caller left, bot right),
written out during the call in parts so that a call holds only a bounded window of its audio.

Caller audio is placed by stream time (frame n at 20 n ms). Bot audio is placed at the time it
starts playing for the caller, on the same time line; audio cleared by a barge-in is cut at the
moment of the clear, since the caller never heard it.

What can no longer change is *settled*: every caller sample received, and the bot's track up to the
earlier of now and the playback clock (audio sent ahead is placed after that, and a clear cuts at
now or later). The settled part is encoded (16-bit stereo) and stored as a part object every
`PART_SECONDS` of call; at the end the rest is stored, and the 44-byte WAV header and the parts are
composed into `<call id>.wav` (the same bytes as encoding the whole call at once), then the parts
are deleted. A call holds about `PART_SECONDS` of mu-law per track, plus the parts being uploaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import numpy as np

from stream_relay import mulaw
from stream_relay.speech import wav

PART_SECONDS = 30
PARTS_FOLDER = "parts"  # <folder>/<call id>/<n>.pcm: the parts of a call in progress
Part = tuple[bytes, bytes, int]  # caller and bot mu-law of one stretch of the time line, its length in samples
Offload = Callable[..., Awaitable]  # runs a blocking store call away from the event loop: asyncio.to_thread


class CallRecorder:
    """Both tracks as mu-law bytearrays from the first sample not yet handed out, one byte per
    sample of the call's time line (the bot's gaps are silence). Settled stretches go to `on_part`
    (in time order, together covering the whole call once `finish` has run)."""

    def __init__(self, on_part: Callable[[Part], None] | None = None,
                 part_samples: int = PART_SECONDS * mulaw.SAMPLE_RATE) -> None:
        self._caller = bytearray()
        self._bot = bytearray()
        self._start = 0  # the time-line sample both buffers begin at
        self._on_part = on_part
        self._part_samples = part_samples

    @property
    def caller_samples(self) -> int:
        return self._start + len(self._caller)

    @property
    def held_bytes(self) -> int:
        """Audio held now, both tracks: about a part's worth, however long the call."""
        return len(self._caller) + len(self._bot)

    @property
    def part_due(self) -> bool:
        """A part's worth of caller audio is held: time to `settle` (cheap, checked every frame)."""
        return len(self._caller) >= self._part_samples

    def caller_frame(self, audio: bytes) -> None:
        self._caller += audio

    def bot_frame(self, audio: bytes, at_sample: int) -> None:
        at = self._offset(at_sample)
        if at > len(self._bot):
            self._bot += mulaw.silence_samples(at - len(self._bot))
        self._bot[at:at + len(audio)] = audio

    def bot_cleared(self, at_sample: int) -> None:
        """Twilio dropped what it had not played yet: cut the bot's track at `at_sample`."""
        del self._bot[self._offset(at_sample):]

    def settle(self, bot_settled_sample: int) -> None:
        """Hand out a part if both tracks are settled that far: the caller's up to its last frame,
        the bot's up to `bot_settled_sample` (nothing will be written or cleared before it)."""
        end = min(len(self._caller), bot_settled_sample - self._start)
        if end >= self._part_samples:
            self._hand_out(end)

    def finish(self) -> None:
        """The call is over: hand out the rest, both tracks to the end of the longer one."""
        end = max(len(self._caller), len(self._bot))
        if end:
            self._hand_out(end)

    def _hand_out(self, end: int) -> None:
        part = (bytes(self._caller[:end]), bytes(self._bot[:end]), end)
        del self._caller[:end], self._bot[:end]
        self._start += end
        if self._on_part is not None:
            self._on_part(part)

    def _offset(self, at_sample: int) -> int:
        if at_sample < self._start:
            raise ValueError(f"bot audio at sample {at_sample}, before the settled part (up to {self._start})")
        return at_sample - self._start


def part_frames(part: Part) -> bytes:
    """A part as WAV sample data: both tracks decoded and interleaved, padded to its length."""
    caller, bot, samples = part
    left, right = mulaw.decode(caller), mulaw.decode(bot)
    return wav.stereo_frames(np.pad(left, (0, samples - len(left))), np.pad(right, (0, samples - len(right))))


class CallRecording:
    """One call's recording as it is written: a recorder whose parts are uploaded as they settle."""

    def __init__(self, store, call_id: str, part_samples: int = PART_SECONDS * mulaw.SAMPLE_RATE,
                 offload: Offload = asyncio.to_thread) -> None:
        self._store, self.call_id, self._offload = store, call_id, offload
        self.recorder = CallRecorder(self._upload, part_samples)
        self._parts: list[str] = []
        self._uploads: list[asyncio.Future] = []
        self._last: list[tuple[str, Part]] = []  # handed out by `finish`: stored there, in no task of its own
        self._finishing = False
        self._data_size = 0

    def _upload(self, part: Part) -> None:
        name = f"{PARTS_FOLDER}/{self.call_id}/{len(self._parts) + 1:05d}.pcm"
        self._parts.append(name)
        self._data_size += part[2] * 4  # 16-bit stereo
        if self._finishing:
            self._last.append((name, part))
            return
        self._uploads.append(asyncio.ensure_future(self._offload(self._put_part, name, part)))

    def _put_part(self, name: str, part: Part) -> None:
        self._store.put(name, part_frames(part), "application/octet-stream")

    async def finish(self) -> str:
        """Store the rest, compose `<call id>.wav` from the header and the parts, delete the parts;
        returns the recording's URI. An upload that failed is raised here."""
        self._finishing = True
        self.recorder.finish()
        for name, part in self._last:
            await self._offload(self._put_part, name, part)
        for upload in self._uploads:
            await upload
        return await self._offload(self._compose)

    def _compose(self) -> str:
        header = f"{PARTS_FOLDER}/{self.call_id}/00000.header"
        self._store.put(header, wav.wav_header(self._data_size, format_tag=wav.FORMAT_PCM, channels=2,
                                               sample_rate=mulaw.SAMPLE_RATE, bits_per_sample=16),
                        "application/octet-stream")
        uri = self._store.compose(f"{self.call_id}.wav", [header, *self._parts], "audio/wav")
        self._store.delete([header, *self._parts])
        return uri


class RecordingArchive:
    """The recordings store: opens a call's recording, written out during the call."""

    def __init__(self, store, part_samples: int = PART_SECONDS * mulaw.SAMPLE_RATE,
                 offload: Offload = asyncio.to_thread) -> None:
        self._store, self._part_samples, self._offload = store, part_samples, offload

    def open(self, call_id: str) -> CallRecording:
        return CallRecording(self._store, call_id, self._part_samples, self._offload)
