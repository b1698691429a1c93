"""Turn-topic messages reduced to what the graph needs (`Inbound`).

Caller text is bounded here, before it reaches a prompt or the checkpoint: every later turn sends
the whole history to the LLM and writes it to Firestore, so one runaway transcript (minutes of
noise transcribed as words, or a forged message) would slow and bloat every turn after it. Longer
text is cut to its first `MAX_CALLER_TEXT_CHARS` characters, at a word boundary, and logged.
"""

from __future__ import annotations

import logging

from callbot.agents.state import Inbound
from callbot.messages import BotInterrupted, CallStarted, DtmfReceived, UserUtterance

log = logging.getLogger(__name__)
# about two minutes of speech; the handler passes AgentTurnSettings.max_caller_text_chars
MAX_CALLER_TEXT_CHARS = 2000
ELLIPSIS = "…"


def inbound_of(message: CallStarted | UserUtterance | DtmfReceived | BotInterrupted,
               max_text_chars: int = MAX_CALLER_TEXT_CHARS) -> Inbound:
    common: Inbound = {"key": message.message_key, "turn_seq": message.turn_seq}
    match message:
        case CallStarted():
            return {**common, "kind": "call_started", "language": message.language,
                    "caller_number": message.from_number}
        case DtmfReceived():
            return {**common, "kind": "dtmf", "digit": message.digit}
        case BotInterrupted():
            return {**common, "kind": "bot_interrupted", "text": bounded(message.heard, max_text_chars, message)}
        case UserUtterance():
            return {**common, "kind": "utterance", "text": bounded(message.text, max_text_chars, message)}
    raise TypeError(f"not a caller input: {message.type}")


def bounded(text: str, limit: int, message: UserUtterance | BotInterrupted) -> str:
    """`text` if it has at most `limit` characters, else its start, cut at a word boundary, ending
    with an ellipsis (so that the agent can tell it was cut)."""
    if len(text) <= limit:
        return text
    head = text[:limit - len(ELLIPSIS)]
    space = head.rfind(" ")
    if space > len(head) * 0.9:  # a word boundary near the end: do not cut a word in two
        head = head[:space]
    log.warning("caller text of %d characters cut to %d", len(text), limit,
                extra={"call_id": message.call_id, "turn_seq": message.turn_seq, "input": message.type})
    return head.rstrip() + ELLIPSIS
