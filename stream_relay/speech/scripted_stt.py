"""Scripted speech-to-text for tests and benchmarks: the call's custom parameters carry the
transcripts (parameter `stt_script`, a JSON list of strings, one per utterance), released in order
when the endpointer decides that the caller has finished speaking. The words are not recognized.

While an utterance is in progress its scripted text is also its interim hypothesis. Its final
result counts as ready `final_ms` after the caller's last loud frame (stream time, so runs are
reproducible), as a streaming engine's final comes some time after the end of speech; with
`final_ms` 0 it is ready from the start, as if a perfect engine had already heard it.

The hints it is given are not used, only recorded (`hints`, oldest first), for tests to see.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from stream_relay import mulaw
from stream_relay.speech.hints import speech_hints
from stream_relay.speech.stt import SpeechHints, Transcript

log = logging.getLogger(__name__)
SCRIPT_PARAMETER = "stt_script"
LOUD_DBFS = -50.0  # a frame louder than this is the caller speaking; the simulated line is silent below


class ScriptedSpeechToText:
    def __init__(self, transcripts: list[str], final_ms: int = 0, hints: SpeechHints | None = None) -> None:
        self._pending = list(transcripts)
        self._in_utterance = False
        self._final_ms = final_ms
        self._quiet_ms = 0
        self.hints: list[SpeechHints] = [hints or SpeechHints()]

    @classmethod
    def for_call(cls, call_id: str, language: str, custom_parameters: dict[str, str],
                 final_ms: int = 0, vocabulary: tuple[str, ...] = ()) -> ScriptedSpeechToText:
        raw = custom_parameters.get(SCRIPT_PARAMETER, "[]")
        try:
            transcripts = json.loads(raw)
        except ValueError:
            transcripts = None
        if not isinstance(transcripts, list) or not all(isinstance(t, str) for t in transcripts):
            log.warning("stt_script parameter is not a JSON list of strings; no transcripts",
                        extra={"call_id": call_id})
            transcripts = []
        return cls(transcripts, final_ms, speech_hints(vocabulary, language))

    @classmethod
    def factory(cls, final_ms: int,
                vocabulary: tuple[str, ...] = ()) -> Callable[[str, str, dict[str, str]], ScriptedSpeechToText]:
        return lambda call_id, language, parameters: cls.for_call(call_id, language, parameters, final_ms,
                                                                  vocabulary)

    def feed(self, audio_mulaw: bytes) -> None:
        if not self._final_ms:
            return
        if mulaw.louder_than(audio_mulaw, LOUD_DBFS):
            self._quiet_ms = 0
        else:
            self._quiet_ms += mulaw.duration_ms(audio_mulaw)

    def utterance_started(self) -> None:
        self._in_utterance = True

    def interim_text(self) -> str:
        return self._pending[0] if self._in_utterance and self._pending else ""

    def final_ready(self) -> bool:
        return self._in_utterance and bool(self._pending) and self._quiet_ms >= self._final_ms

    def final_text(self) -> str:
        return self._pending[0] if self.final_ready() else ""

    def expect(self, hints: SpeechHints) -> None:
        self.hints.append(hints)

    async def transcribe(self, utterance_mulaw: bytes) -> Transcript:
        self._in_utterance = False
        return Transcript(self._pending.pop(0), confidence=1.0) if self._pending else Transcript("")

    async def close(self) -> None:
        pass
