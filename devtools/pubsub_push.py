"""Push delivery of the local stack's Pub/Sub-triggered functions, in place of the emulator's push.

The Cloud SDK's Pub/Sub emulator (0.8.20) pushes a subscription's messages through two loops, each of
which sends one request and waits for its answer before taking the next message (two `PushLoop`s per
subscription, a constant in the emulator with no flag to change it): at most two deliveries at once
per subscription, whatever their ordering keys. Ten calls whose first turns end together then wait
in line for agent_turn, two at a time. In production, Pub/Sub pushes messages of distinct ordering
keys in parallel (adjusting its rate to the rate of successful responses) and Cloud Functions runs
each request on an instance of its own (one request per instance), up to the function's
`max_instances`.

So the local stack creates these subscriptions without a push endpoint, and this process delivers
them the way production's push does: it pulls each one from the emulator (streaming pull: the
emulator still keeps one outstanding message per ordering key, in order) and POSTs each message to
its function in Pub/Sub's wrapped push format, at most `max_instances` of that function at a time
(the instances production may run; each function's process has as many threads,
`devtools/stack.py`). A success status acknowledges the message. Any other answer, or none within
the ack deadline, fails the delivery: the same message is pushed again after the subscription's
retry-policy backoff, and the next message of its ordering key waits meanwhile (a pulled message
that was nacked would let the client library hand out the next one of its key at once, which push
never does). Once `max_delivery_attempts` deliveries failed, the message is forwarded to the
dead-letter topic with the attributes Pub/Sub adds, and acknowledged; the emulator's own push
retries for ever instead. A failed push is logged in the emulator's words ("Failed to push to
endpoint ..."), which the soak's bus audit counts.

    python -m devtools.pubsub_push --project callbot-local --functions '{"agent_turn": "http://..."}'
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import json
import logging
import signal
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from callbot.bus.topology import PUSH_SUBSCRIPTIONS, PushSubscription
from callbot.production_settings import FUNCTIONS

log = logging.getLogger("pubsub_push")
READY = "pubsub push: delivering"  # logged once every subscription is being pulled
# the statuses by which a push endpoint acknowledges a message (Pub/Sub's push documentation)
ACK_STATUSES = frozenset({102, 200, 201, 202, 204})
PUBLISH_TIMEOUT_S = 30
DEFAULT_BACKOFF_S = (0.1, 60.0)  # a subscription without a retry policy: push's own backoff, roughly


def push_body(message, subscription: str, attempt: int | None) -> bytes:
    """The JSON Pub/Sub POSTs to a push endpoint for `message` (a pulled `Message`): the wrapped
    format, which leaves `data` out when the message has none; `attempt` is its `deliveryAttempt`
    (given when the subscription has a dead-letter policy)."""
    published = _rfc3339(message.publish_time)
    envelope = {"attributes": dict(message.attributes), "messageId": message.message_id,
                "message_id": message.message_id, "publishTime": published, "publish_time": published}
    if message.data:
        envelope["data"] = base64.b64encode(message.data).decode()
    if message.ordering_key:
        envelope["orderingKey"] = message.ordering_key
    body = {"message": envelope, "subscription": subscription}
    if attempt is not None:
        body["deliveryAttempt"] = attempt
    return json.dumps(body).encode()


@dataclass(frozen=True)
class PushTarget:
    """Where the messages of one subscription go, how failed deliveries are retried, and where those
    that keep failing end up."""

    endpoint: str
    subscription: str  # its path
    timeout_s: float  # the ack deadline
    backoff_s: tuple[float, float]  # the retry policy's minimum and maximum
    dead_letter_topic: str  # '' without a dead-letter policy
    max_delivery_attempts: int
    publisher: Any  # a PublisherClient, for the dead-letter topic
    stopped: threading.Event

    def __call__(self, message) -> None:
        """Push one pulled message until it is acknowledged or dead-lettered (or the process stops:
        then its lease lapses and the emulator delivers it again)."""
        attempt = message.delivery_attempt or 1
        while True:
            status = self._post(message, attempt if self.dead_letter_topic else None)
            if status in ACK_STATUSES:
                message.ack()
                return
            log.warning("Failed to push to endpoint '%s': message %s, attempt %d: %s", self.endpoint,
                        message.message_id, attempt, status)
            if self.dead_letter_topic and attempt >= self.max_delivery_attempts:
                self._dead_letter(message, attempt)
                message.ack()
                return
            if self.stopped.wait(self.retry_delay_s(attempt)):
                return
            attempt += 1

    def retry_delay_s(self, attempt: int) -> float:
        """Exponential backoff after failed delivery `attempt`, within the retry policy's bounds."""
        low, high = self.backoff_s
        return min(high, low * 2 ** (attempt - 1))

    def _post(self, message, attempt: int | None) -> int | str:
        request = urllib.request.Request(self.endpoint, data=push_body(message, self.subscription, attempt),
                                         method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, or no answer in the deadline
            return str(exc)

    def _dead_letter(self, message, attempts: int) -> None:
        """Forward `message` to the dead-letter topic as Pub/Sub does, with the source's attributes."""
        project, _, name = self.subscription.removeprefix("projects/").partition("/subscriptions/")
        source = {"CloudPubSubDeadLetterSourceDeliveryCount": str(attempts),
                  "CloudPubSubDeadLetterSourceSubscription": name,
                  "CloudPubSubDeadLetterSourceSubscriptionProject": project,
                  "CloudPubSubDeadLetterSourceTopicPublishTime": _rfc3339(message.publish_time)}
        self.publisher.publish(self.dead_letter_topic, message.data, **dict(message.attributes), **source
                               ).result(timeout=PUBLISH_TIMEOUT_S)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def subscribe(subscriber, publisher, stopped: threading.Event, project_id: str, subscription: PushSubscription,
              endpoint: str):
    """Pull `subscription` and push it to `endpoint`, at most its function's `max_instances` at once;
    the streaming pull's future."""
    from google.cloud import pubsub_v1
    from google.cloud.pubsub_v1.subscriber.scheduler import ThreadScheduler

    in_flight = FUNCTIONS[subscription.function].max_instances
    path = subscriber.subscription_path(project_id, subscription.name)
    config = subscriber.get_subscription(subscription=path)
    retry = config.retry_policy
    backoff = ((retry.minimum_backoff.total_seconds(), retry.maximum_backoff.total_seconds())
               if "retry_policy" in config else DEFAULT_BACKOFF_S)
    target = PushTarget(endpoint, path, config.ack_deadline_seconds, backoff,
                        config.dead_letter_policy.dead_letter_topic, config.dead_letter_policy.max_delivery_attempts,
                        publisher, stopped)
    return subscriber.subscribe(
        path, callback=target, flow_control=pubsub_v1.types.FlowControl(max_messages=in_flight),
        scheduler=ThreadScheduler(concurrent.futures.ThreadPoolExecutor(max_workers=in_flight,
                                                                        thread_name_prefix=subscription.name)))


def run(project_id: str, function_urls: dict[str, str]) -> None:
    """Deliver every push subscription whose function has a URL until SIGTERM or SIGINT; raise what
    ends a streaming pull."""
    from google.cloud import pubsub_v1

    subscriber, publisher, stopped = pubsub_v1.SubscriberClient(), pubsub_v1.PublisherClient(), threading.Event()
    futures = [subscribe(subscriber, publisher, stopped, project_id, sub, function_urls[sub.function])
               for sub in PUSH_SUBSCRIPTIONS if sub.function in function_urls]

    def stop(signum, frame) -> None:
        stopped.set()
        for future in futures:
            future.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    log.info("%s %d subscriptions", READY, len(futures))
    try:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        if not stopped.is_set():
            for future in done:
                future.result()  # the error that ended the pull
            raise RuntimeError("a streaming pull ended without an error")
    finally:
        stopped.set()
        for future in futures:
            future.cancel()
        concurrent.futures.wait(futures)  # every pull shut down before its channel closes
        subscriber.close()
        publisher.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", required=True)
    parser.add_argument("--functions", required=True, help="JSON: function name -> URL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    run(args.project, json.loads(args.functions))


if __name__ == "__main__":
    main()
