"""A placeholder text-to-speech engine: real 8 kHz mu-law audio of a speech-like tone, as long as
the sentence would take to say. It has no words in it; tests and benchmarks use it because it is
instant and deterministic. `latency_ms` makes it wait before answering, as a real engine's time to
first audio, for the voice-to-voice latency benchmark; `speaking_rate` (`CALLBOT_TTS_SPEAKING_RATE`)
shortens or lengthens its sentences, as it does a real voice's (the end-to-end suite's calls speak
fast: their time is mostly the bot's audio played in real time)."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from stream_relay.speech.synthetic_voice import CHARS_PER_SECOND, synthesize_mulaw


class ToneTextToSpeech:
    def __init__(self, pitch_hz: float = 180.0, latency_ms: int = 0, speaking_rate: float = 1.0) -> None:
        self._pitch_hz = pitch_hz
        self._latency_s = latency_ms / 1000
        self._chars_per_second = CHARS_PER_SECOND * speaking_rate
        self.voice_id = f"tone:{pitch_hz:g}" + (f",rate={speaking_rate:g}" if speaking_rate != 1.0 else "")

    async def synthesize(self, text: str, language: str) -> bytes:
        if self._latency_s:
            await asyncio.sleep(self._latency_s)
        return await asyncio.to_thread(_synthesized, text, self._pitch_hz, self._chars_per_second)


@lru_cache(maxsize=256)
def _synthesized(text: str, pitch_hz: float, chars_per_second: float) -> bytes:
    """~8 ms of CPU a sentence, which the relay's benchmarks would count as the relay's own: a line
    said again (a reprompt, "Tell me more.") is synthesized once."""
    return synthesize_mulaw(text, chars_per_second=chars_per_second, pitch_hz=pitch_hz)
