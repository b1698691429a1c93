"""Google Pub/Sub adapter (the real service, or its emulator when PUBSUB_EMULATOR_HOST is set)."""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Future
from typing import Any

from callbot import tracing
from callbot.messages import Message, encode

log = logging.getLogger(__name__)


class PubSubPublisher:
    """Publishes with message ordering on (ordering key = call id) and a short batch window.

    After a permanent publish error, Pub/Sub pauses the ordering key: the batches queued behind the
    failed one are cancelled and every later publish on the key fails at once until it is resumed.
    The failure is left on the futures for their callers to raise; the key is resumed here, on the
    next publish of that call, so that the call's next message goes out.

    The resume is never done in a future's done-callback: the client cancels the queued batches on
    the thread that holds the key's sequencer lock, and `resume_publish` takes that lock again, so
    the thread waits on itself while holding the client's lock, and every later publish blocks.
    """

    def __init__(self, project_id: str, client: Any | None = None) -> None:
        self._project_id = project_id
        self._client = client
        self._resume_lock = threading.Lock()

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
        tracing.inject(attributes)  # the turn's trace continues in whoever receives it
        topic = self.topic_path(message.topic)
        send = functools.partial(self.client.publish, topic, data, ordering_key=message.ordering_key, **attributes)
        future = send()
        if _refused_as_paused(future):
            with self._resume_lock:  # one resume per pause, however many threads saw it
                future = send()
                if _refused_as_paused(future):
                    log.warning("ordering key paused by an earlier failure, resumed",
                                extra={"call_id": message.call_id, "topic": topic})
                    self.client.resume_publish(topic, message.ordering_key)
                    future = send()
        future.add_done_callback(lambda f: _log_failure(f, topic, message))
        return future


def _refused_as_paused(future: Future[str]) -> bool:
    """Whether the client refused the message at once because its ordering key is paused (the
    message was not queued, so publishing it again sends it once)."""
    from google.cloud.pubsub_v1.publisher.exceptions import PublishToPausedOrderingKeyException

    return future.done() and isinstance(future.exception(), PublishToPausedOrderingKeyException)


def _log_failure(future: Future[str], topic: str, message: Message) -> None:
    """Done-callback: it may run on the client's thread holding its locks, so it only logs."""
    if future.exception() is not None:
        log.warning("publish failed", extra={"call_id": message.call_id, "topic": topic,
                                             "error": repr(future.exception())})
