"""The local stack's push delivery (`devtools/pubsub_push.py`) on the Pub/Sub emulator: messages of
distinct ordering keys are pushed at once, as production's push does (the emulator's own push sends
two at a time), messages of one key one at a time in order, a failed push is delivered again, and
one that fails every allowed delivery is dead-lettered without blocking its ordering key."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from callbot.bus import topology
from callbot.messages import Subscription, Topic
from devtools.processes import free_port, spawn, wait_logged
from devtools.pubsub_push import READY

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BURST = 10
WAIT_S = 30  # how long a request waits for the others of its burst before the test calls it failed


class Endpoint:
    """A push endpoint whose answer to each push `respond` decides (a status), recording the bodies."""

    def __init__(self, respond: Callable[[dict], int]) -> None:
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with endpoint.lock:
                    endpoint.bodies.append(body)
                self.send_response(respond(body))
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def data(self) -> list[str]:
        with self.lock:
            return [base64.b64decode(body["message"].get("data", "")).decode() for body in self.bodies]


@pytest.fixture
def deliver_turns(pubsub_emulator, unique, tmp_path) -> Iterator[Callable]:
    """`deliver_turns(respond)`: the topology of a project of its own, its turns pushed by
    devtools.pubsub_push to an `Endpoint(respond)`; returns the endpoint and a publisher of turns."""
    from google.cloud import pubsub_v1

    started = []
    publisher = pubsub_v1.PublisherClient(
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True))
    project = f"push-{unique}"

    def make(respond: Callable[[dict], int], max_delivery_attempts: int | None = None):
        endpoint = Endpoint(respond)
        started.append(endpoint)
        functions = {"agent_turn": endpoint.url}
        topology.apply(project, functions, push_endpoints=False)
        if max_delivery_attempts:  # fewer attempts, retried at once: the test need not wait minutes
            subscriber = pubsub_v1.SubscriberClient()
            subscription = subscriber.get_subscription(
                subscription=subscriber.subscription_path(project, Subscription.AGENT_TURN))
            subscription.dead_letter_policy.max_delivery_attempts = max_delivery_attempts
            subscription.retry_policy.minimum_backoff = {"seconds": 0}
            subscription.retry_policy.maximum_backoff = {"seconds": 1}
            subscriber.update_subscription(request={"subscription": subscription, "update_mask": {
                "paths": ["dead_letter_policy", "retry_policy"]}})
            subscriber.close()
        child = spawn("pubsub-push", [sys.executable, "-m", "devtools.pubsub_push", "--project", project,
                                      "--functions", json.dumps(functions)], tmp_path, cwd=ROOT)
        started.append(child)
        wait_logged(child, READY)
        topic = publisher.topic_path(project, Topic.TURNS)

        def publish(data: str, key: str) -> None:
            publisher.publish(topic, data.encode(), ordering_key=key).result(timeout=10)

        return endpoint, publish

    make.project = project
    yield make
    for thing in reversed(started):
        if isinstance(thing, Endpoint):
            thing.server.shutdown()
        else:
            thing.stop()
            assert not thing.alive()


def test_a_burst_on_distinct_ordering_keys_is_pushed_all_at_once(deliver_turns):
    # every request waits for the whole burst to be in flight: it only gets through if all are
    barrier = threading.Barrier(BURST, timeout=WAIT_S)
    passed, answered = [], threading.Semaphore(0)

    def respond(body: dict) -> int:
        try:
            barrier.wait()
            passed.append(body)
            return 204
        except threading.BrokenBarrierError:
            return 500
        finally:
            answered.release()

    endpoint, publish = deliver_turns(respond)
    for call in range(BURST):
        publish(f"turn of call {call}", f"CA{call}")
    for _ in range(BURST):
        assert answered.acquire(timeout=2 * WAIT_S)
    assert len(passed) == BURST
    assert sorted(endpoint.data()) == sorted(f"turn of call {call}" for call in range(BURST))


def test_messages_of_one_ordering_key_are_pushed_one_at_a_time_in_order(deliver_turns):
    in_flight, peak = [0], [0]
    finished = threading.Semaphore(0)
    lock = threading.Lock()

    def respond(body: dict) -> int:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.2)  # long enough for a second push of the key to overlap, were one sent
        with lock:
            in_flight[0] -= 1
        finished.release()
        return 204

    endpoint, publish = deliver_turns(respond)
    for turn in range(4):
        publish(f"turn {turn}", "CAone")
    for _ in range(4):
        assert finished.acquire(timeout=WAIT_S)
    assert endpoint.data() == [f"turn {turn}" for turn in range(4)]
    assert peak[0] == 1


def test_a_failed_push_is_delivered_again_in_pubsubs_push_format(deliver_turns):
    answers = iter([500, 204])
    acknowledged = threading.Event()

    def respond(body: dict) -> int:
        status = next(answers, 204)
        if status == 204:
            acknowledged.set()
        return status

    endpoint, publish = deliver_turns(respond)
    publish("a turn", "CAretry")
    assert acknowledged.wait(WAIT_S)
    first, second = endpoint.bodies[:2]
    assert first["message"]["messageId"] == second["message"]["messageId"]
    assert (first["deliveryAttempt"], second["deliveryAttempt"]) == (1, 2)
    assert first["message"]["orderingKey"] == "CAretry"
    assert first["subscription"].endswith(f"/subscriptions/{Subscription.AGENT_TURN}")
    assert endpoint.data()[:2] == ["a turn", "a turn"]


def test_a_message_that_fails_every_delivery_is_dead_lettered_and_its_key_moves_on(deliver_turns):
    from google.cloud import pubsub_v1

    answered_next = threading.Event()

    def respond(body: dict) -> int:
        if base64.b64decode(body["message"]["data"]) == b"poison":
            return 500
        answered_next.set()
        return 204

    endpoint, publish = deliver_turns(respond, max_delivery_attempts=5)
    publish("poison", "CAstuck")
    publish("next", "CAstuck")
    assert answered_next.wait(WAIT_S)
    assert endpoint.data() == ["poison"] * 5 + ["next"]
    subscriber = pubsub_v1.SubscriberClient()
    try:
        pulled = subscriber.pull(request={"subscription": subscriber.subscription_path(
            deliver_turns.project, Subscription.DEAD_LETTER_AUDIT), "max_messages": 10}, timeout=WAIT_S)
    finally:
        subscriber.close()
    [dead] = [item.message for item in pulled.received_messages]
    assert dead.data == b"poison"
    assert dead.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == "5"
    assert dead.attributes["CloudPubSubDeadLetterSourceSubscription"] == Subscription.AGENT_TURN
