"""The text-to-speech port: a sentence in, headerless 8 kHz mu-law audio out."""

from __future__ import annotations

from typing import Protocol


class TextToSpeech(Protocol):
    async def synthesize(self, text: str) -> bytes: ...
