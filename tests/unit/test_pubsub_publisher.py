"""The Pub/Sub adapter over the real `PublisherClient`, whose Publish RPC is answered in-process by a
transport that can hold a request and fail it: no emulator, no network."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import grpc
from google.api_core.exceptions import NotFound
from google.cloud import pubsub_v1
from google.pubsub_v1.services.publisher.transports.grpc import PublisherGrpcTransport
from google.pubsub_v1.types import PublishResponse

from callbot.bus.pubsub import PubSubPublisher
from callbot.messages import UserUtterance, decode

DEADLOCK_LIMIT_S = 10  # only a deadlock takes this long; nothing here waits for it otherwise


class HeldPublishTransport(PublisherGrpcTransport):
    """Answers Publish itself: the first request is held until `release(error)` and then fails with
    `error`; every later request succeeds. `sent` holds the payloads that went out."""

    def __init__(self) -> None:
        super().__init__(channel=grpc.insecure_channel("localhost:9"))  # never dialled
        self.held = threading.Event()
        self._released = threading.Event()
        self._error: Exception | None = None
        self._calls = 0
        self.sent: list[bytes] = []

    @property
    def publish(self) -> Any:
        return self._answer_publish

    def _answer_publish(self, request: Any, **_: Any) -> PublishResponse:
        self._calls += 1
        if self._calls == 1:
            self.held.set()
            self._released.wait(DEADLOCK_LIMIT_S)
            assert self._error is not None
            raise self._error
        self.sent.extend(message.data for message in request.messages)
        return PublishResponse(message_ids=[str(i) for i, _ in enumerate(request.messages)])

    def release(self, error: Exception) -> None:
        self._error = error
        self._released.set()


def _publisher(transport: HeldPublishTransport) -> PubSubPublisher:
    client = pubsub_v1.PublisherClient(
        batch_settings=pubsub_v1.types.BatchSettings(max_messages=10, max_latency=0.002),
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True),
        transport=transport,
    )
    return PubSubPublisher("p", client=client)


def _utterance(seq: int) -> UserUtterance:
    return UserUtterance(call_id="CA1", turn_seq=seq, relay_instance="r", text=f"turn {seq}")


def _publish_in_a_thread(publisher: PubSubPublisher, seq: int) -> Future[str] | None:
    """Publishes on a daemon thread and returns its future, or None if publish() is still blocked
    after the deadlock limit (the thread is then left behind, and the suite goes on)."""
    done: list[Future[str]] = []
    thread = threading.Thread(target=lambda: done.append(publisher.publish(_utterance(seq))), daemon=True)
    thread.start()
    thread.join(DEADLOCK_LIMIT_S)
    return done[0] if done else None


def test_a_permanent_failure_with_a_second_batch_queued_does_not_block_later_publishes() -> None:
    transport = HeldPublishTransport()
    publisher = _publisher(transport)
    first = publisher.publish(_utterance(1))
    assert transport.held.wait(DEADLOCK_LIMIT_S)
    queued = publisher.publish(_utterance(2))  # a second batch: the first one is in flight
    transport.release(NotFound("topic gone"))

    assert queued.exception(DEADLOCK_LIMIT_S) is not None  # cancelled: a message before it failed
    after = _publish_in_a_thread(publisher, 3)

    assert after is not None, "publish() blocked: the publisher client is deadlocked"
    assert isinstance(first.exception(DEADLOCK_LIMIT_S), NotFound)
    assert after.result(DEADLOCK_LIMIT_S)  # the ordering key was resumed for it
    assert [decode(data).turn_seq for data in transport.sent] == [3]
