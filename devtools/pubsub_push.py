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
them the way production does: it pulls each one from the emulator (streaming pull: the emulator
still keeps the ordering, one outstanding message per ordering key, the ack deadline, the retry
policy's backoff and the dead-letter policy) and POSTs each message to its function in Pub/Sub's
wrapped push format, at most `max_instances` of that function at a time (the instances production
may run; each function's process has as many threads, `devtools/stack.py`). A success status
acknowledges the message; any other answer, or none within the ack deadline, is a negative
acknowledgement, so the emulator delivers the message again after the retry policy's backoff and
dead-letters it after `max_delivery_attempts`.

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
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC

from callbot.bus.topology import PUSH_SUBSCRIPTIONS, PushSubscription
from callbot.production_settings import FUNCTIONS

log = logging.getLogger("pubsub_push")
READY = "pubsub push: delivering"  # logged once every subscription is being pulled
# the statuses by which a push endpoint acknowledges a message (Pub/Sub's push documentation)
ACK_STATUSES = frozenset({102, 200, 201, 202, 204})


def push_body(message, subscription: str) -> bytes:
    """The JSON Pub/Sub POSTs to a push endpoint for `message` (a pulled `Message`): the wrapped
    format, which leaves `data` out when the message has none, and gives `deliveryAttempt` when the
    subscription has a dead-letter policy."""
    published = message.publish_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    envelope = {"attributes": dict(message.attributes), "messageId": message.message_id,
                "message_id": message.message_id, "publishTime": published, "publish_time": published}
    if message.data:
        envelope["data"] = base64.b64encode(message.data).decode()
    if message.ordering_key:
        envelope["orderingKey"] = message.ordering_key
    body = {"message": envelope, "subscription": subscription}
    if message.delivery_attempt is not None:
        body["deliveryAttempt"] = message.delivery_attempt
    return json.dumps(body).encode()


def push(endpoint: str, subscription: str, timeout_s: float) -> Callable:
    """The callback that POSTs one pulled message to `endpoint`, then acks or nacks it."""

    def deliver(message) -> None:
        request = urllib.request.Request(endpoint, data=push_body(message, subscription), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, or no answer in the deadline
            log.warning("push of %s to %s failed: %s", message.message_id, endpoint, exc)
            message.nack()
            return
        if status in ACK_STATUSES:
            message.ack()
        else:
            log.warning("push of %s to %s answered %s", message.message_id, endpoint, status)
            message.nack()

    return deliver


def subscribe(subscriber, project_id: str, subscription: PushSubscription, endpoint: str):
    """Pull `subscription` and push it to `endpoint`, at most its function's `max_instances` at once;
    the streaming pull's future."""
    from google.cloud import pubsub_v1
    from google.cloud.pubsub_v1.subscriber.scheduler import ThreadScheduler

    in_flight = FUNCTIONS[subscription.function].max_instances
    path = subscriber.subscription_path(project_id, subscription.name)
    return subscriber.subscribe(
        path, callback=push(endpoint, path, subscription.ack_deadline_s),
        flow_control=pubsub_v1.types.FlowControl(max_messages=in_flight),
        scheduler=ThreadScheduler(concurrent.futures.ThreadPoolExecutor(max_workers=in_flight,
                                                                        thread_name_prefix=subscription.name)))


def run(project_id: str, function_urls: dict[str, str]) -> None:
    """Deliver every push subscription whose function has a URL until SIGTERM or SIGINT; raise what
    ends a streaming pull."""
    from google.cloud import pubsub_v1

    subscriber = pubsub_v1.SubscriberClient()
    futures = [subscribe(subscriber, project_id, sub, function_urls[sub.function])
               for sub in PUSH_SUBSCRIPTIONS if sub.function in function_urls]
    stopping = []

    def stop(signum, frame) -> None:
        stopping.append(signum)
        for future in futures:
            future.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    log.info("%s %d subscriptions", READY, len(futures))
    try:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        if not stopping:
            for future in futures:
                future.cancel()
            for future in done:
                future.result()  # the error that ended the pull
            raise RuntimeError("a streaming pull ended without an error")
    finally:
        subscriber.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", required=True)
    parser.add_argument("--functions", required=True, help="JSON: function name -> URL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    run(args.project, json.loads(args.functions))


if __name__ == "__main__":
    main()
