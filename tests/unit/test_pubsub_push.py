"""The body the local stack's push delivery POSTs: Pub/Sub's wrapped push format."""

import base64
import json
from datetime import UTC, datetime
from types import SimpleNamespace

from devtools.pubsub_push import push_body

SUBSCRIPTION = "projects/p/subscriptions/s"


def pulled(data: bytes, ordering_key: str = "", delivery_attempt: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(data=data, attributes={"call_id": "CA1"}, message_id="42", ordering_key=ordering_key,
                           publish_time=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
                           delivery_attempt=delivery_attempt)


def test_a_message_is_wrapped_as_pubsub_pushes_it():
    body = json.loads(push_body(pulled(b"{}", "CA1", 3), SUBSCRIPTION))
    assert body == {"subscription": SUBSCRIPTION, "deliveryAttempt": 3, "message": {
        "data": base64.b64encode(b"{}").decode(), "attributes": {"call_id": "CA1"}, "orderingKey": "CA1",
        "messageId": "42", "message_id": "42",
        "publishTime": "2026-01-02T03:04:05.678000Z", "publish_time": "2026-01-02T03:04:05.678000Z"}}


def test_empty_data_is_left_out_and_so_are_an_absent_key_and_attempt():
    body = json.loads(push_body(pulled(b""), SUBSCRIPTION))
    assert "data" not in body["message"] and "orderingKey" not in body["message"]
    assert "deliveryAttempt" not in body
