"""The shared body of every Pub/Sub-triggered function: decode the delivery, hand it to the
handler, and dead-letter what no retry can fix.

Returning acknowledges the Pub/Sub message; raising makes Pub/Sub deliver it again. A message that
cannot be decoded into a current, known message (`BadMessage`), or whose handling failed for good
(`PermanentError`), is dead-lettered: logged at ERROR with the call id when one can be read, parked
on the dead-letter topic with the reason, and acknowledged. Anything else raised (a `RetryableError`,
a timeout, a bug) fails the delivery, so Pub/Sub delivers it again, until the subscription's
`max_delivery_attempts` forwards it to the dead-letter topic.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, Protocol

from callbot import tracing
from callbot.bus import Delivery, Publisher, from_cloud_event
from callbot.errors import BadMessage, PermanentError
from callbot.messages import DeadLettered

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 30
UNKNOWN_CALL = "unknown"
# Pub/Sub takes messages up to 10 MB: a dead letter keeps the start of a payload, enough to inspect it
MAX_PAYLOAD_CHARS = 256_000
MAX_REASON_CHARS = 1_000
_CALL_ID = re.compile(r"[\w-]{1,64}")  # a Twilio CallSid, or a test's id; anything else is not shown


class FunctionHandler(Protocol):
    def handle(self, delivery: Delivery) -> None: ...

    def dead_letter(self, call_id: str, turn_seq: int, reason: str, payload: str) -> None: ...


def deliver(event: Any, handler: FunctionHandler) -> None:
    """Decode the Pub/Sub delivery in `event` and hand it to `handler`."""
    try:
        delivery = from_cloud_event(event)
    except BadMessage as exc:
        call_id, turn_seq = _identify(event)
        handler.dead_letter(call_id, turn_seq, str(exc), _raw_payload(event))
        return
    message = delivery.message
    try:
        with tracing.continued(delivery.attributes, f"handle {message.type}", call_id=message.call_id,
                               turn_seq=message.turn_seq):
            handler.handle(delivery)
    except PermanentError as exc:  # BadMessage too: a message for another function
        handler.dead_letter(message.call_id, message.turn_seq, str(exc) or type(exc).__name__, _raw_payload(event))


def deliver_unconverted(error: Exception, handler: Callable[[], FunctionHandler]) -> Any:
    """functions-framework answers 400 to a Pub/Sub push it cannot turn into a CloudEvent, before
    the function runs: a message with attributes but no data (Pub/Sub omits empty data), or one
    without a message id. Pub/Sub would deliver it again until `max_delivery_attempts`, with nothing
    logged; registered as the app's 400 handler, this delivers such a push to `deliver` (which
    dead-letters what it cannot decode). Any other bad request keeps its 400."""
    import flask

    body = flask.request.get_json(silent=True)
    message = body.get("message") if isinstance(body, dict) and "subscription" in body else None
    if not isinstance(message, dict):
        return error
    deliver(SimpleNamespace(data={"message": message}), handler())
    return "OK", 200


def dead_letter(publisher: Publisher, source: str, call_id: str, turn_seq: int, reason: str, payload: str,
                sent_at_ms: int) -> None:
    """Log a permanent failure with the call id and park the message on the dead-letter topic."""
    reason = _cut(reason, MAX_REASON_CHARS)
    log.error("message dead-lettered: %s", reason, extra={"call_id": call_id, "source": source, "turn_seq": turn_seq})
    publisher.publish(DeadLettered(call_id=call_id, turn_seq=turn_seq, source=source, reason=reason,
                                   payload=_cut(payload, MAX_PAYLOAD_CHARS), sent_at_ms=sent_at_ms)
                      ).result(timeout=PUBLISH_TIMEOUT_S)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


def _envelope(event: Any) -> dict:
    data = getattr(event, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, dict) else {}


def _identify(event: Any) -> tuple[str, int]:
    """The call id and turn of an undecodable message, as far as they can be read: the call id from
    the attributes or else the payload, the turn from the payload; `unknown` and 0 otherwise."""
    attributes = _envelope(event).get("attributes")
    call_id = attributes.get("call_id") if isinstance(attributes, dict) else None
    body = _json_object(_raw_payload(event))
    call_id = call_id if _is_call_id(call_id) else body.get("call_id")
    turn_seq = body.get("turn_seq")
    return (call_id if _is_call_id(call_id) else UNKNOWN_CALL,
            turn_seq if type(turn_seq) is int and turn_seq >= 0 else 0)


def _is_call_id(value: object) -> bool:
    return isinstance(value, str) and _CALL_ID.fullmatch(value) is not None


def _json_object(payload: str) -> dict:
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


def _raw_payload(event: Any) -> str:
    data = _envelope(event).get("data", "")
    try:
        return base64.b64decode(data).decode("utf-8", "replace")
    except (binascii.Error, ValueError, TypeError):
        return "" if data is None else str(data)
