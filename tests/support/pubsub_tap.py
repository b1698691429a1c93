"""A pull subscription on one topic of the Pub/Sub emulator, for asserting what was published."""

from __future__ import annotations

import time
import uuid

from callbot.messages import Topic, decode


class TopicTap:
    """A pull subscription on one topic, for asserting what was published."""

    def __init__(self, project: str, topic: Topic) -> None:
        from google.cloud import pubsub_v1

        self.subscriber = pubsub_v1.SubscriberClient()
        self.path = self.subscriber.subscription_path(project, f"tap-{topic}-{uuid.uuid4().hex[:8]}")
        self.subscriber.create_subscription(request={"name": self.path,
                                                     "topic": f"projects/{project}/topics/{topic}"})

    def drain(self, expect: int, timeout_s: float = 10.0) -> list:
        """Pull until `expect` messages arrived or the timeout passed; then pull once more for extras."""
        received, deadline = [], time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(received) < expect:
            received += self._pull(1.0)
        received += self._pull(1.0)
        return received

    def _pull(self, timeout: float) -> list:
        from google.api_core.exceptions import DeadlineExceeded

        try:
            response = self.subscriber.pull(request={"subscription": self.path, "max_messages": 50},
                                            timeout=timeout)
        except DeadlineExceeded:
            return []
        if response.received_messages:
            self.subscriber.acknowledge(request={"subscription": self.path,
                                                 "ack_ids": [m.ack_id for m in response.received_messages]})
        return [decode(m.message.data) for m in response.received_messages]

    def close(self) -> None:
        self.subscriber.delete_subscription(request={"subscription": self.path})
        self.subscriber.close()
