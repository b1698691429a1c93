"""The message bus: the `Publisher` port, and decoding of messages delivered to functions.

Adapters: `pubsub.py` (Google Pub/Sub, also against its emulator) and `memory.py` (a recording fake).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from callbot.errors import BadMessage
from callbot.messages import SCHEMA_VERSION, AnyMessage, Message, decode


class Publisher(Protocol):
    """Publishes a typed message on its topic, ordered by call. The future resolves to the message id."""

    def publish(self, message: Message) -> Future[str]: ...


@dataclass(frozen=True)
class Delivery:
    """A message as a function receives it, with what the transport says about it."""

    message: AnyMessage
    message_id: str
    published_at: datetime | None
    attributes: dict[str, str] = field(default_factory=dict)  # the Pub/Sub attributes (trace context)

    def older_than(self, max_age_s: float, clock: Callable[[], float]) -> bool:
        """Published more than `max_age_s` before `clock()` (epoch seconds): too old to act on."""
        return self.published_at is not None and clock() - self.published_at.timestamp() > max_age_s


def check_schema_attribute(attributes: dict[str, Any]) -> None:
    """Raise `BadMessage` for a `schema_version` attribute other than ours: a newer publisher, whose
    payload may mean something else (the body's own version is checked by `decode`)."""
    version = attributes.get("schema_version", str(SCHEMA_VERSION))
    if str(version) != str(SCHEMA_VERSION):
        raise BadMessage(f"unsupported schema_version attribute {str(version)[:20]!r}")


def from_cloud_event(event: Any) -> Delivery:
    """Decode the CloudEvent of a Pub/Sub delivery (Eventarc, or a push subscription converted by
    functions-framework) into a typed message. Raises `BadMessage` for anything undecodable, and
    for a `schema_version` attribute other than ours (the body's is checked by `decode`)."""
    data = getattr(event, "data", None)
    envelope = data.get("message") if isinstance(data, dict) else None
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise BadMessage("CloudEvent does not carry a Pub/Sub message")
    attributes = envelope.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise BadMessage("Pub/Sub attributes are not a map")
    check_schema_attribute(attributes)
    try:
        payload = base64.b64decode(envelope["data"], validate=True)
    except (binascii.Error, TypeError) as exc:
        raise BadMessage(f"Pub/Sub data is not base64: {exc}") from exc
    return Delivery(
        message=decode(payload),
        message_id=str(envelope.get("messageId") or envelope.get("message_id") or ""),
        published_at=_parse_time(envelope.get("publishTime") or envelope.get("publish_time")),
        attributes={str(key): str(value) for key, value in attributes.items()},
    )


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
