"""The body the local stack's push delivery POSTs: Pub/Sub's wrapped push format."""

import base64
import json
import logging
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

from bench.bus_audit import push_failures
from devtools.pubsub_push import PushTarget, push_body

SUBSCRIPTION = "projects/p/subscriptions/s"


def pulled(data: bytes, ordering_key: str = "") -> SimpleNamespace:
    return SimpleNamespace(data=data, attributes={"call_id": "CA1"}, message_id="42", ordering_key=ordering_key,
                           publish_time=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))


def test_a_message_is_wrapped_as_pubsub_pushes_it():
    body = json.loads(push_body(pulled(b"{}", "CA1"), SUBSCRIPTION, 3))
    assert body == {"subscription": SUBSCRIPTION, "deliveryAttempt": 3, "message": {
        "data": base64.b64encode(b"{}").decode(), "attributes": {"call_id": "CA1"}, "orderingKey": "CA1",
        "messageId": "42", "message_id": "42",
        "publishTime": "2026-01-02T03:04:05.678000Z", "publish_time": "2026-01-02T03:04:05.678000Z"}}


def test_empty_data_is_left_out_and_so_are_an_absent_key_and_attempt():
    body = json.loads(push_body(pulled(b""), SUBSCRIPTION, None))
    assert "data" not in body["message"] and "orderingKey" not in body["message"]
    assert "deliveryAttempt" not in body


def test_a_failed_delivery_is_retried_after_an_exponential_backoff_within_the_retry_policy():
    target = PushTarget("http://127.0.0.1:9/", SUBSCRIPTION, 60, (1.0, 10.0), "", 0, None, threading.Event())
    assert [target.retry_delay_s(attempt) for attempt in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_a_failed_push_is_logged_as_the_soaks_bus_audit_counts_it(caplog, tmp_path):
    stopped = threading.Event()
    stopped.set()  # no retry: the process is stopping
    target = PushTarget("http://127.0.0.1:9/", SUBSCRIPTION, 5, (0.0, 0.0), "", 0, None, stopped)
    message = pulled(b"{}")
    message.delivery_attempt = 1
    with caplog.at_level(logging.WARNING, logger="pubsub_push"):
        target(message)  # nothing listens on port 9
    log = tmp_path / "pubsub-push.log"
    log.write_text(caplog.text)
    assert push_failures(log, 0, {"agent_turn": "http://127.0.0.1:9/"}) == {"agent_turn": 1}
