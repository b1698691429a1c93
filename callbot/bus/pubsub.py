"""Google Pub/Sub adapter (the real service, or its emulator when PUBSUB_EMULATOR_HOST is set)."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from callbot.messages import Message, encode

log = logging.getLogger(__name__)


class PubSubPublisher:
    """Publishes with message ordering on (ordering key = call id) and a short batch window.

    After a failed publish, Pub/Sub pauses the ordering key; it is resumed here so that the next
    message of the call can go out, and the failure is left on the future for the caller to raise.
    """

    def __init__(self, project_id: str, client: Any | None = None) -> None:
        self._project_id = project_id
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.cloud import pubsub_v1

            self._client = pubsub_v1.PublisherClient(
                batch_settings=pubsub_v1.types.BatchSettings(max_messages=10, max_latency=0.002),
                publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True),
            )
        return self._client

    def topic_path(self, topic: str) -> str:
        return f"projects/{self._project_id}/topics/{topic}"

    def publish(self, message: Message) -> Future[str]:
        data, attributes = encode(message)
        topic = self.topic_path(message.topic)
        future = self.client.publish(topic, data, ordering_key=message.ordering_key, **attributes)
        future.add_done_callback(lambda f: self._resume_if_failed(f, topic, message))
        return future

    def _resume_if_failed(self, future: Future[str], topic: str, message: Message) -> None:
        if future.exception() is not None:
            log.warning("publish failed, ordering key resumed", extra={"call_id": message.call_id,
                        "topic": topic, "error": repr(future.exception())})
            self.client.resume_publish(topic, message.ordering_key)
