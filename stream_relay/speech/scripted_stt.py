"""Scripted speech-to-text for tests and benchmarks: the call's custom parameters carry the
transcripts (parameter `stt_script`, a JSON list of strings, one per utterance), released in order
when the endpointer decides that the caller has finished speaking. Audio is ignored.

While an utterance is in progress its scripted text is also its interim hypothesis, and a final
result counts as ready from the start, as if a perfect streaming engine had already heard it.
"""

from __future__ import annotations

import json
import logging

from stream_relay.speech.stt import Transcript

log = logging.getLogger(__name__)
SCRIPT_PARAMETER = "stt_script"


class ScriptedSpeechToText:
    def __init__(self, transcripts: list[str]) -> None:
        self._pending = list(transcripts)
        self._in_utterance = False

    @classmethod
    def for_call(cls, call_id: str, language: str, custom_parameters: dict[str, str]) -> ScriptedSpeechToText:
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

    def utterance_started(self) -> None:
        self._in_utterance = True

    def interim_text(self) -> str:
        return self._pending[0] if self._in_utterance and self._pending else ""

    def final_ready(self) -> bool:
        return self._in_utterance and bool(self._pending)

    async def transcribe(self, utterance_mulaw: bytes) -> Transcript:
        self._in_utterance = False
        return Transcript(self._pending.pop(0), confidence=1.0) if self._pending else Transcript("")

    async def close(self) -> None:
        pass
