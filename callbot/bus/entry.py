"""The shared body of every Pub/Sub-triggered function: decode the delivery, hand it to the
handler, and dead-letter what no retry can fix.

Returning acknowledges the Pub/Sub message; raising makes Pub/Sub deliver it again. A message that
cannot be decoded is dead-lettered (logged with the call id, parked on the dead-letter topic) and
acknowledged.
"""

from __future__ import annotations

import base64
import logging
from typing import Any, Protocol

from callbot.bus import Delivery, Publisher, from_cloud_event
from callbot.errors import BadMessage
from callbot.messages import DeadLettered

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 30


class FunctionHandler(Protocol):
    def handle(self, delivery: Delivery) -> None: ...

    def dead_letter(self, call_id: str, turn_seq: int, reason: str, payload: str) -> None: ...


def deliver(event: Any, handler: FunctionHandler) -> None:
    """Decode the Pub/Sub delivery in `event` and hand it to `handler`."""
    try:
        handler.handle(from_cloud_event(event))
    except BadMessage as exc:
        handler.dead_letter(_call_id(event), 0, str(exc), _raw_payload(event))


def dead_letter(publisher: Publisher, source: str, call_id: str, turn_seq: int, reason: str, payload: str,
                sent_at_ms: int) -> None:
    """Log a permanent failure with the call id and park the message on the dead-letter topic."""
    log.error("message dead-lettered: %s", reason, extra={"call_id": call_id, "source": source})
    publisher.publish(DeadLettered(call_id=call_id, turn_seq=turn_seq, source=source, reason=reason, payload=payload,
                                   sent_at_ms=sent_at_ms)).result(timeout=PUBLISH_TIMEOUT_S)


def _envelope(event: Any) -> dict:
    data = getattr(event, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, dict) else {}


def _call_id(event: Any) -> str:
    attributes = _envelope(event).get("attributes") or {}
    return attributes.get("call_id") or "unknown"


def _raw_payload(event: Any) -> str:
    data = _envelope(event).get("data", "")
    try:
        return base64.b64decode(data).decode("utf-8", "replace")
    except (ValueError, TypeError):
        return str(data)
