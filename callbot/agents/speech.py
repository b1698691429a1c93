"""What the bot says: reply segments, spoken as soon as each sentence exists.

A node that speaks calls `Speaker.say`: the sentence goes out at once through LangGraph's custom
stream (so `agent_turn` publishes it while the graph is still running) and into the node's state
update (so the checkpoint knows what was said, for a republish after a crash and for the history).
The last segment of a reply carries the directive, if any (`end_call`, `transfer`).
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.config import get_stream_writer

from callbot.agents.tool_text import looks_like_code
from callbot.spoken import SENTENCE_END as _SENTENCE_END


def split_sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]


class SentenceBuffer:
    """Collects streamed text; `feed` returns the sentences completed so far, `flush` the rest.

    From where the text starts like JSON or code (at a sentence start, or a code fence or `{"`
    anywhere), nothing more is spoken: the rest of the reply is kept in `held`, to be read as a tool
    call written as text or dropped, once the reply has ended (`callbot.agents.tool_text`)."""

    def __init__(self) -> None:
        self._text = ""
        self.held = ""

    def feed(self, text: str) -> list[str]:
        if self.held:
            self.held += text
            return []
        self._text += text
        if (cut := _code_start(self._text)) is not None:
            self._text, self.held = self._text[:cut], self._text[cut:]
        last = None
        for last in _SENTENCE_END.finditer(self._text):
            pass
        if last is None:
            return []
        done, self._text = self._text[:last.start()], self._text[last.end():]
        return split_sentences(done)

    def flush(self) -> list[str]:
        rest, self._text = self._text.strip(), ""
        return [rest] if rest else []


_CODE_INSIDE = re.compile(r"```|\{\s*\"")


def _code_start(text: str) -> int | None:
    """Where code begins in `text`, the unspoken rest of a reply: at its start or a sentence's, or at
    a code fence or a JSON object anywhere."""
    starts = [m.end() for m in _SENTENCE_END.finditer(text)]
    if text.strip():
        starts.append(len(text) - len(text.lstrip()))
    found = [i for i in starts if looks_like_code(text[i:]) and text[i:].strip()]
    if inside := _CODE_INSIDE.search(text):
        found.append(inside.start())
    return min(found) if found else None


class Speaker:
    """Speaks the segments of one reply from inside a node; `segments` is the node's `reply` update."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.turn: int = state.get("reply_turn", 0)
        self.segments: list[dict[str, Any]] = list(state.get("reply") or [])
        self._write = _writer()

    @property
    def spoken(self) -> bool:
        return bool(self.segments)

    def say(self, text: str, *, last: bool = False, end_call: bool = False, transfer: bool = False) -> None:
        segment = {"turn": self.turn, "segment": len(self.segments), "text": text.strip(), "last": last,
                   "end_call": end_call and last, "transfer": transfer and last}
        self.segments.append(segment)
        self._write({"say": segment})

    def waited_for_llm(self, ms: float) -> None:
        """Report time spent waiting on the LLM (agent_turn adds up what comes before the first
        sentence: the LLM's share of the turn's latency)."""
        self._write({"llm_ms": ms})

    def said(self, *, since: int = 0) -> str:
        return " ".join(s["text"] for s in self.segments[since:])


def _writer():
    try:
        return get_stream_writer()
    except RuntimeError:  # called outside a graph run (unit tests of a node)
        return lambda _: None
