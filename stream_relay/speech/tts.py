"""The text-to-speech port: a sentence in, headerless 8 kHz mu-law audio out.

Engines: `tone_tts.py` (placeholder tone), `espeak_tts.py` (local, espeak-ng), `hibari_tts.py`
(local, a neural English voice), `google_tts.py` (Google Text-to-Speech). `audio_cache.py` wraps
any of them with pre-synthesized phrases.
"""

from __future__ import annotations

from typing import Protocol


class TextToSpeech(Protocol):
    voice_id: str  # names the voice (engine, voice, rate): part of the audio cache key

    async def synthesize(self, text: str, language: str) -> bytes:
        """8 kHz mu-law audio of `text` spoken in `language` (BCP-47, e.g. en-US, fr-FR)."""
