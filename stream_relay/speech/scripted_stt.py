"""Scripted speech-to-text for tests and benchmarks: the call's custom parameters carry the
transcripts (parameter `stt_script`, a JSON list of strings, one per utterance), released in order
when the endpointer decides that the caller has finished speaking. Audio is ignored."""

from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)
SCRIPT_PARAMETER = "stt_script"


class ScriptedSpeechToText:
    def __init__(self, transcripts: list[str]) -> None:
        self._pending = list(transcripts)

    @classmethod
    def for_call(cls, call_id: str, custom_parameters: dict[str, str]) -> ScriptedSpeechToText:
        raw = custom_parameters.get(SCRIPT_PARAMETER, "[]")
        try:
            transcripts = json.loads(raw)
        except ValueError:
            transcripts = None
        if not isinstance(transcripts, list) or not all(isinstance(t, str) for t in transcripts):
            log.warning("stt_script parameter is not a JSON list of strings; no transcripts",
                        extra={"call_id": call_id})
            transcripts = []
        return cls(transcripts)

    def feed(self, audio_mulaw: bytes) -> None:
        pass

    async def transcribe(self, utterance_mulaw: bytes) -> str:
        return self._pending.pop(0) if self._pending else ""

    async def close(self) -> None:
        pass
