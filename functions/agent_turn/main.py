"""Cloud Functions entry point of agent_turn (CloudEvent, Pub/Sub turns topic).

Returning acknowledges the message; raising makes Pub/Sub deliver it again.
"""

import base64
import logging

import functions_framework

from callbot.bus import from_cloud_event
from callbot.errors import BadMessage
from functions.agent_turn.bootstrap import turn_handler

log = logging.getLogger("agent_turn")


@functions_framework.cloud_event
def agent_turn(event) -> None:
    handler = turn_handler()
    try:
        delivery = from_cloud_event(event)
        handler.handle(delivery)
    except BadMessage as exc:
        handler.dead_letter(_call_id(event), 0, str(exc), _raw_payload(event))


def _envelope(event) -> dict:
    data = getattr(event, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, dict) else {}


def _call_id(event) -> str:
    attributes = _envelope(event).get("attributes") or {}
    return attributes.get("call_id") or "unknown"


def _raw_payload(event) -> str:
    data = _envelope(event).get("data", "")
    try:
        return base64.b64decode(data).decode("utf-8", "replace")
    except (ValueError, TypeError):
        return str(data)
