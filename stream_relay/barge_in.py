"""When caller speech over the bot is a barge-in, and when it is only a backchannel.

A barge-in must cut the bot off fast (within ~300 ms of the caller starting), while "mm-hm",
"yeah" or line noise must not. The decision is made per frame while the caller speaks over the bot:

- shorter than `min_speech_ms`: not yet (clicks, coughs, line noise);
- the STT's interim hypothesis is a real phrase: barge in;
- the hypothesis is a backchannel phrase: hold on;
- no hypothesis yet (or an engine without interim results): barge in once speech passes
  `backchannel_max_ms`, since backchannels are short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORDS = re.compile(r"[^\w'\-]+")


def normalise(text: str) -> str:
    return " ".join(w for w in _WORDS.split(text.lower()) if w)


@dataclass(frozen=True)
class BargeInPolicy:
    min_speech_ms: int
    backchannel_max_ms: int
    backchannels: frozenset[str]

    @classmethod
    def from_phrases(cls, min_speech_ms: int, backchannel_max_ms: int, phrases: tuple[str, ...]) -> BargeInPolicy:
        return cls(min_speech_ms, backchannel_max_ms, frozenset(normalise(p) for p in phrases))

    def is_backchannel(self, text: str) -> bool:
        words = normalise(text)
        return bool(words) and words in self.backchannels

    def should_interrupt(self, speech_ms: int, interim: str) -> bool:
        if speech_ms < self.min_speech_ms:
            return False
        if interim.strip():
            return not self.is_backchannel(interim)
        return speech_ms >= self.backchannel_max_ms
