"""The body of every action function's CloudEvent entry point.

Returning acknowledges the Pub/Sub message; raising makes Pub/Sub deliver it again. A message that
cannot be decoded is dead-lettered and acknowledged, since no retry can fix it.
"""

from __future__ import annotations

import base64
from typing import Any

from callbot.actions.handler import ActionHandler
from callbot.bus import from_cloud_event
from callbot.errors import BadMessage


def deliver(event: Any, handler: ActionHandler) -> None:
    """Decode the Pub/Sub delivery in `event` and hand it to `handler`."""
    try:
        handler.handle(from_cloud_event(event))
    except BadMessage as exc:
        handler.dead_letter(_call_id(event), 0, str(exc), _raw_payload(event))


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
