"""Both directions of a call, aligned in time, for a stereo recording (caller left, bot right).

Caller audio is placed by stream time (frame n at 20 n ms). Bot audio is placed at the time it
starts playing for the caller, on the same time line; audio cleared by a barge-in is cut at the
moment of the clear, since the caller never heard it.
"""

from __future__ import annotations

import numpy as np

from stream_relay import mulaw


class CallRecorder:
    def __init__(self) -> None:
        self._caller = bytearray()
        self._bot: list[tuple[int, bytes]] = []  # (start sample, mu-law) per frame sent

    @property
    def caller_samples(self) -> int:
        return len(self._caller)

    def caller_frame(self, audio: bytes) -> None:
        self._caller += audio

    def bot_frame(self, audio: bytes, at_sample: int) -> None:
        self._bot.append((at_sample, audio))

    def bot_cleared(self, at_sample: int) -> None:
        """Twilio dropped what it had not played yet: cut every frame sent so far at `at_sample`."""
        kept = []
        for start, audio in self._bot:
            if start + len(audio) <= at_sample:
                kept.append((start, audio))
            elif start < at_sample:
                kept.append((start, audio[: at_sample - start]))
        self._bot = kept

    def tracks(self) -> tuple[np.ndarray, np.ndarray]:
        """(caller, bot) as int16 PCM at 8 kHz, the same length."""
        caller = mulaw.decode(bytes(self._caller))
        end = max([len(caller)] + [start + len(audio) for start, audio in self._bot])
        bot = np.zeros(end, dtype=np.int16)
        for start, audio in self._bot:
            bot[start:start + len(audio)] = mulaw.decode(audio)
        padded = np.zeros(end, dtype=np.int16)
        padded[: len(caller)] = caller
        return padded, bot


class RecordingArchive:
    """Stores a finished call's stereo WAV in the recordings store; returns its URI."""

    def __init__(self, store) -> None:
        self._store = store

    async def store(self, call_id: str, recorder: CallRecorder) -> str:
        import asyncio

        from stream_relay.speech.wav import stereo_wav

        def encode_and_put() -> str:  # ~0.4 s for a 30-minute call: never on the event loop
            caller, bot = recorder.tracks()
            return self._store.put(f"{call_id}.wav", stereo_wav(caller, bot, mulaw.SAMPLE_RATE), "audio/wav")

        return await asyncio.to_thread(encode_and_put)
