"""The speech-to-text port: one recognizer per call, fed every frame of the caller's audio, asked
for the transcript of an utterance once the endpointer has closed it.

Engines: `scripted_stt.py` (tests, benchmarks), `whisper_stt.py` (local, faster-whisper),
`google_stt.py` (Google Speech-to-Text streaming). `bootstrap.py` picks one from settings.

Each engine starts with the company's vocabulary as hints; the call session adds, whenever the bot
asks for something, the phrases its answer is likely to contain (`hints.py`, `expect`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class SpeechHints:
    """What the caller's next utterances are likely to contain (built by `hints.py`).

    `vocabulary`: the company's words, hinted on every utterance. `slot`: what the bot just asked for
    (`BotSpeech.listen_for`), `answer`: phrases its answer is likely to contain (and words of any
    sales call), `question`: the bot's last words (empty until it said something). `choices`: the
    phrases of `answer` that each pick one of several alternatives ("yes" or "no", "the first one"
    or "the third one"): an engine that weighs hints alike may take them, one that may copy a hint
    it was given instead of the one said (Whisper) leaves them out."""

    vocabulary: tuple[str, ...] = ()
    slot: str | None = None
    answer: tuple[str, ...] = ()
    question: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transcript:
    """What the engine heard in one utterance."""

    text: str
    confidence: float | None = None  # 0..1 where the engine reports one


class SpeechToText(Protocol):
    """A per-call recognizer. Methods are called on the relay's event loop and must not block it:
    engines that compute run their work in a worker thread or process."""

    def feed(self, audio_mulaw: bytes) -> None:
        """One inbound frame (20 ms of 8 kHz mu-law), as it arrives, speech or not."""

    def utterance_started(self) -> None:
        """The endpointer heard the caller start talking (pre-roll already fed)."""

    def interim_text(self) -> str:
        """The engine's current hypothesis for the utterance in progress ('' when it has none).
        Used to tell a backchannel ("mm-hm") from a real barge-in before the utterance ends."""

    def final_ready(self) -> bool:
        """Whether the engine has already produced a final result for the utterance in progress,
        so the endpointer can close the turn on a shorter silence."""

    def expect(self, hints: SpeechHints) -> None:
        """The bot asked for something: bias the caller's next utterances towards `hints` (they
        replace the previous ones). An utterance in progress is finished with the hints it began with."""

    async def transcribe(self, utterance_mulaw: bytes) -> Transcript:
        """The transcript of the utterance the endpointer just closed (its audio, pre-roll included)."""

    async def close(self) -> None:
        """Release the engine's resources for this call (streams, threads)."""


@runtime_checkable
class EarlyFinal(Protocol):
    """An engine whose final result can be read before the endpointer closes the utterance (a
    streaming engine's final): the relay starts a preemptive turn on it. Batch engines (Whisper)
    transcribe only once the utterance is closed, and have no such method."""

    def final_text(self) -> str:
        """The final transcript of the utterance in progress while `final_ready()`, else ''."""


class SpeechToTextFactory(Protocol):
    def __call__(self, call_id: str, language: str, custom_parameters: dict[str, str]) -> SpeechToText: ...
