"""The speech-to-text port: one recognizer per call, fed the caller's audio, asked for the
transcript of an utterance once the endpointer has closed it."""

from __future__ import annotations

from typing import Protocol


class SpeechToText(Protocol):
    """A per-call recognizer."""

    def feed(self, audio_mulaw: bytes) -> None:
        """Audio of the caller, 20 ms frames of 8 kHz mu-law, as they arrive."""

    async def transcribe(self, utterance_mulaw: bytes) -> str:
        """The text of the utterance the endpointer just closed (its audio, pre-roll included)."""

    async def close(self) -> None: ...


class SpeechToTextFactory(Protocol):
    def __call__(self, call_id: str, custom_parameters: dict[str, str]) -> SpeechToText: ...
