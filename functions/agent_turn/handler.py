"""One agent turn: deduplicate, run the graph on the caller's input, publish the reply.

The graph's checkpoint is the dedupe record: the key of every handled input is part of the state
that the checkpointer writes atomically, so a redelivered message finds its key and changes
nothing. Publishing happens after the checkpoint; `published_key` records that it succeeded, so a
crash in between republishes the same reply on redelivery (with the same message keys) and a plain
duplicate publishes nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from callbot.bus import Delivery, Publisher
from callbot.errors import BadMessage
from callbot.logs import bind_call
from callbot.messages import BotInterrupted, BotSpeech, CallStarted, DeadLettered, DtmfReceived, UserUtterance
from callbot.settings import AgentTurnSettings
from functions.agent_turn.graph import Inbound

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 30


class TurnHandler:
    def __init__(self, graph: Any, publisher: Publisher, settings: AgentTurnSettings,
                 clock=time.time) -> None:
        self._graph = graph
        self._publisher = publisher
        self._settings = settings
        self._clock = clock

    def handle(self, delivery: Delivery) -> None:
        message = delivery.message
        if not isinstance(message, (CallStarted, UserUtterance, DtmfReceived, BotInterrupted)):
            raise BadMessage(f"{message.type} does not belong on the turns topic")
        with bind_call(message.call_id):
            if self._too_old(delivery):
                self.dead_letter(message.call_id, message.turn_seq, "older than max_message_age_s",
                                 message.model_dump_json())
                return
            config = {"configurable": {"thread_id": message.call_id}}
            state = self._graph.get_state(config).values
            if message.message_key in state.get("handled_keys", ()):
                if state.get("last_key") == message.message_key and state.get("published_key") != message.message_key:
                    log.warning("reply of a handled input was not published; publishing it again")
                    self._publish_reply(message, state, config)
                else:
                    log.info("duplicate delivery ignored", extra={"message_key": message.message_key})
                return
            state = self._graph.invoke({"inbound": _inbound(message)}, config)
            self._publish_reply(message, state, config)

    def _publish_reply(self, message, state: dict[str, Any], config: dict[str, Any]) -> None:
        sentences = state.get("reply") or []
        if not sentences:
            return
        last = len(sentences) - 1
        futures = [
            self._publisher.publish(BotSpeech(
                call_id=message.call_id, turn_seq=message.turn_seq, relay_instance=message.relay_instance,
                segment=index, text=text, is_last=index == last,
                end_call=bool(state.get("end_call")) and index == last,
                transfer=bool(state.get("transfer")) and index == last,
                sent_at_ms=int(self._clock() * 1000),
            ))
            for index, text in enumerate(sentences)
        ]
        for future in futures:
            future.result(timeout=PUBLISH_TIMEOUT_S)
        self._graph.update_state(config, {"published_key": message.message_key})
        log.info("reply published", extra={"turn_seq": message.turn_seq, "segments": len(sentences)})

    def _too_old(self, delivery: Delivery) -> bool:
        if delivery.published_at is None:
            return False
        return self._clock() - delivery.published_at.timestamp() > self._settings.max_message_age_s

    def dead_letter(self, call_id: str, turn_seq: int, reason: str, payload: str) -> None:
        """Log a permanent failure with the call id and park the message on the dead-letter topic."""
        log.error("message dead-lettered: %s", reason, extra={"call_id": call_id})
        self._publisher.publish(DeadLettered(
            call_id=call_id, turn_seq=turn_seq, source="agent_turn", reason=reason, payload=payload,
            sent_at_ms=int(self._clock() * 1000),
        )).result(timeout=PUBLISH_TIMEOUT_S)


def _inbound(message: CallStarted | UserUtterance | DtmfReceived | BotInterrupted) -> Inbound:
    common: Inbound = {"key": message.message_key, "turn_seq": message.turn_seq}
    match message:
        case CallStarted():
            return {**common, "kind": "call_started", "language": message.language}
        case DtmfReceived():
            return {**common, "kind": "dtmf", "digit": message.digit}
        case BotInterrupted():
            return {**common, "kind": "bot_interrupted", "text": message.heard}
        case UserUtterance():
            return {**common, "kind": "utterance", "text": message.text}
