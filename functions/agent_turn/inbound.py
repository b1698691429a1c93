"""Turn-topic messages reduced to what the graph needs (`Inbound`)."""

from __future__ import annotations

from callbot.agents.state import Inbound
from callbot.messages import BotInterrupted, CallStarted, DtmfReceived, UserUtterance


def inbound_of(message: CallStarted | UserUtterance | DtmfReceived | BotInterrupted) -> Inbound:
    common: Inbound = {"key": message.message_key, "turn_seq": message.turn_seq}
    match message:
        case CallStarted():
            return {**common, "kind": "call_started", "language": message.language,
                    "caller_number": message.from_number}
        case DtmfReceived():
            return {**common, "kind": "dtmf", "digit": message.digit}
        case BotInterrupted():
            return {**common, "kind": "bot_interrupted", "text": message.heard}
        case UserUtterance():
            return {**common, "kind": "utterance", "text": message.text}
    raise TypeError(f"not a caller input: {message.type}")
