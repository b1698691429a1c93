"""What went over the Pub/Sub emulator during a soak, to check that nothing was left behind.

The emulator cannot say what a push subscription still holds: it has no backlog metric, a pull on
a push subscription returns nothing, and switching it to pull loses the messages it was retrying
(seen on emulator 0.8.20; it does not dead-letter after `max_delivery_attempts` either, it retries
for ever). So the audit counts both ends instead: a *mirror*, one extra pull subscription per topic
created when the soak starts, receives a copy of every message published from then on (its message
keys, per call and type, are what was published); the functions' own records in Firestore say what
was handled (`bench.soak_checks` compares the two). Also read here: what reached the dead-letter
audit subscription, and the log lines for failed pushes (a function that answered an error or could
not be reached: the message is delivered again). The local stack's push delivery
(`devtools/pubsub_push.py`) logs them in the emulator's words, so either log can be read.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from callbot.messages import Subscription, Topic

MIRROR_PREFIX = "bench-soak-mirror-"
ACK_DEADLINE_S = 600  # the emulator's longest: nothing is delivered twice while the audit pulls
PULL_BATCH = 1000
PUSH_FAILED = re.compile(r"Failed to push to endpoint '([^']+)'")

# per call id, per message type: the distinct message keys seen
Published = dict[str, dict[str, set[str]]]


class BusAudit:
    def __init__(self, project_id: str, subscriber: Any | None = None) -> None:
        from google.cloud import pubsub_v1

        self._project_id = project_id
        self._subscriber = subscriber or pubsub_v1.SubscriberClient()

    def _path(self, name: str) -> str:
        return self._subscriber.subscription_path(self._project_id, name)

    def start(self) -> None:
        """One mirror subscription per topic; each holds whatever is published from now on."""
        for topic in Topic:
            self._subscriber.create_subscription(request={
                "name": self._path(MIRROR_PREFIX + topic), "topic": f"projects/{self._project_id}/topics/{topic}",
                "ack_deadline_seconds": ACK_DEADLINE_S})

    def published(self) -> Published:
        """Everything the mirrors received, by the attributes every message carries (`encode`)."""
        seen: Published = defaultdict(lambda: defaultdict(set))
        for topic in Topic:
            if topic == Topic.DEAD_LETTER:
                continue  # read whole by `dead_letters`
            for message in self._drain(self._path(MIRROR_PREFIX + topic)):
                attributes = message.attributes
                seen[attributes.get("call_id", "?")][attributes.get("type", "?")].add(
                    attributes.get("message_key") or message.message_id)
        return seen

    def dead_letters(self) -> list[dict[str, str]]:
        """What the dead-letter audit subscription holds (everything ever dead-lettered)."""
        return [{"call_id": m.attributes.get("call_id", "?"), "type": m.attributes.get("type", "?"),
                 "payload": m.data.decode(errors="replace")[:300]}
                for m in self._drain(self._path(Subscription.DEAD_LETTER_AUDIT))]

    def _drain(self, path: str) -> list[Any]:
        """Pull and acknowledge until the subscription answers empty twice; each message once."""
        received: dict[str, Any] = {}
        empty = 0
        while empty < 2:
            response = self._subscriber.pull(request={"subscription": path, "max_messages": PULL_BATCH,
                                                      "return_immediately": True}, timeout=60)
            if not response.received_messages:
                empty += 1
                continue
            empty = 0
            for item in response.received_messages:
                received.setdefault(item.message.message_id, item.message)
            self._subscriber.acknowledge(request={"subscription": path,
                                                  "ack_ids": [m.ack_id for m in response.received_messages]})
        return list(received.values())

    def close(self) -> None:
        """The mirrors stay: the soak's stack, emulator and all, is stopped next."""
        self._subscriber.close()


def log_size(path: str | Path) -> int:
    """Where the push log ends now: count push failures from here."""
    return Path(path).stat().st_size


def push_failures(path: str | Path, since: int, endpoints: dict[str, str]) -> Counter[str]:
    """Failed pushes logged after byte `since`, by function name (the endpoint URL
    when it is not one of `endpoints`, function name -> URL)."""
    names = {url.rstrip("/"): name for name, url in endpoints.items()}
    with Path(path).open("rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    return Counter(names.get(url.rstrip("/"), url) for url in PUSH_FAILED.findall(text))
