"""A preemptive turn, as the relay sees it: an utterance sent to the agent on the STT's final,
before the silence that closes the turn, so that the reply is under way while the endpointer
still listens. Its reply segments are queued but held (the caller is still "speaking" for the
playback), and nothing of it is recorded, until the turn closes: the same words and no more speech
keep it (`TurnSettled(kept=True)`); more speech, or other words, withdraw it
(`TurnSettled(kept=False)`, its segments dropped) and the whole utterance goes as a new turn."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from callbot.messages import BotSpeech
from stream_relay.turn_latency import TurnTiming

_PUNCTUATION = re.compile(r"[^\w\s']+")


def same_words(a: str, b: str) -> bool:
    """Whether two transcripts say the same words (case, punctuation and spacing aside)."""
    def words(text: str) -> list[str]:
        return _PUNCTUATION.sub(" ", text.casefold()).split()
    return words(a) == words(b)


@dataclass
class TentativeTurn:
    turn_seq: int
    text: str
    speech_end_ms: int  # stream time of the caller's last speech frame when it was sent
    timing: TurnTiming
    held: list[BotSpeech] = field(default_factory=list)  # its reply so far, primed for listening once kept

    def went_on(self, speech_end_ms: int) -> bool:
        """The caller spoke again after the final it was sent on."""
        return speech_end_ms > self.speech_end_ms

    def answers(self, text: str, speech_end_ms: int) -> bool:
        """The closed utterance is the one it was sent on."""
        return not self.went_on(speech_end_ms) and same_words(self.text, text)
