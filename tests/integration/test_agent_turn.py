"""agent_turn on the real emulators: in-process through functions-framework's test client, and as
a functions-framework process fed by a Pub/Sub push subscription."""

import base64
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from functions_framework import create_app

from callbot.bus.pubsub import PubSubPublisher
from callbot.checkpoint.firestore import FirestoreSaver
from callbot.messages import (
    ActionCompleted,
    CallStarted,
    DtmfReceived,
    Topic,
    TurnSettled,
    UserUtterance,
    encode,
)
from devtools.processes import free_port, spawn
from functions.agent_turn import bootstrap

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SOURCE = str(ROOT / "functions/agent_turn/main.py")


def push_body(message, message_id="1"):
    payload, attributes = encode(message)
    return {"message": {"data": base64.b64encode(payload).decode(), "attributes": attributes,
                        "messageId": message_id, "publishTime": datetime.now(UTC).isoformat()},
            "subscription": "projects/callbot-it/subscriptions/callbot-turns-agent-turn"}


@pytest.fixture
def client(emulators):
    bootstrap.turn_handler.cache_clear()
    yield create_app(target="agent_turn", source=SOURCE, signature_type="cloudevent").test_client()
    bootstrap.turn_handler.cache_clear()


def completed(request, **result):
    return ActionCompleted(call_id=request.call_id, turn_seq=request.turn_seq, relay_instance=request.relay_instance,
                           request_id=request.request_id, port=request.port, action=request.action, result=result)


def test_turns_are_checkpointed_in_firestore_and_replies_published(client, emulators, tap, unique):
    replies, crm = tap(Topic.REPLIES), tap(Topic.CRM_ACTIONS)
    call_id = f"CA{unique}"
    started = CallStarted(call_id=call_id, turn_seq=0, relay_instance="r", from_number="+14155550123")
    assert client.post("/", json=push_body(started)).status_code == 200
    [lookup] = [m for m in crm.drain(expect=1) if m.call_id == call_id]
    assert (lookup.action, lookup.args) == ("find_caller", {"phone": "+14155550123"})
    saver = FirestoreSaver.from_project(emulators)
    config = {"configurable": {"thread_id": call_id}}
    assert saver.get_tuple(config).checkpoint["channel_values"]["pending"]["request_id"] == lookup.request_id
    assert client.post("/", json=push_body(completed(lookup, caller=None))).status_code == 200
    got = [m for m in replies.drain(expect=2) if m.call_id == call_id]
    assert [(m.turn_seq, m.segment, m.text) for m in got] == [
        (0, 0, "Hello, and thanks for calling."), (0, 1, "How can I help you today?")]
    values = saver.get_tuple(config).checkpoint["channel_values"]
    assert values["pending"] is None and values["reply"][-1]["last"]


def test_a_duplicate_delivery_changes_nothing_and_publishes_nothing(client, emulators, tap, unique):
    replies, crm = tap(Topic.REPLIES), tap(Topic.CRM_ACTIONS)
    call_id = f"CA{unique}"
    started = CallStarted(call_id=call_id, turn_seq=0, relay_instance="r")
    assert client.post("/", json=push_body(started, "1")).status_code == 200
    [lookup] = [m for m in crm.drain(expect=1) if m.call_id == call_id]
    assert client.post("/", json=push_body(completed(lookup, caller=None), "2")).status_code == 200
    saver = FirestoreSaver.from_project(emulators)
    config = {"configurable": {"thread_id": call_id}}
    before = saver.get_tuple(config).checkpoint["id"]
    assert client.post("/", json=push_body(completed(lookup, caller=None), "3")).status_code == 200  # redelivered
    assert client.post("/", json=push_body(started, "4")).status_code == 200  # redelivered
    assert saver.get_tuple(config).checkpoint["id"] == before
    assert len([m for m in replies.drain(expect=2) if m.call_id == call_id]) == 2
    assert [m for m in crm.drain(expect=0, timeout_s=1) if m.call_id == call_id] == []


def test_the_turn_loop_runs_through_pubsub_push_and_the_crm_action_function(emulators, tap, unique, tmp_path):
    """agent_turn and crm_action as functions-framework processes fed by push subscriptions: the
    greeting, the CRM lookup's round trip, then the human digit's handover, in order."""
    from google.cloud import pubsub_v1

    subscriber = pubsub_v1.SubscriberClient()
    children, subscriptions = [], []
    try:
        for name, topic in (("agent_turn", Topic.TURNS), ("crm_action", Topic.CRM_ACTIONS)):
            port = free_port()
            children.append(spawn(name, [sys.executable, "-m", "functions_framework", "--target", name, "--source",
                                         str(ROOT / f"functions/{name}/main.py"), "--signature-type", "cloudevent",
                                         "--host", "127.0.0.1", "--port", str(port)], tmp_path, cwd=ROOT))
            subscriptions.append(subscriber.subscription_path(emulators, f"push-{name}-{unique}"))
            subscriber.create_subscription(request={
                "name": subscriptions[-1], "topic": f"projects/{emulators}/topics/{topic}",
                "push_config": {"push_endpoint": f"http://127.0.0.1:{port}/"},
                "enable_message_ordering": topic == Topic.TURNS})
        replies = tap(Topic.REPLIES)
        call_id = f"CA{unique}"
        publisher = PubSubPublisher(emulators)
        publisher.publish(CallStarted(call_id=call_id, turn_seq=0, relay_instance="r", from_number="+14155550123"))
        got = [m for m in replies.drain(expect=2, timeout_s=30) if m.call_id == call_id]
        publisher.publish(DtmfReceived(call_id=call_id, turn_seq=1, relay_instance="r", digit="0"))
        got += [m for m in replies.drain(expect=1, timeout_s=30) if m.call_id == call_id]
        assert [(m.turn_seq, m.text, m.transfer) for m in got] == [
            (0, "Hello, and thanks for calling.", False), (0, "How can I help you today?", False),
            (1, "Let me connect you with someone from our team. Please hold.", True)]
    finally:
        for path in subscriptions:
            subscriber.delete_subscription(request={"subscription": path})
        for child in children:
            child.stop()
            assert not child.alive()


def test_a_withdrawn_tentative_turn_leaves_the_checkpointed_conversation_as_it_was(client, emulators, tap, unique):
    crm = tap(Topic.CRM_ACTIONS)
    call_id = f"CA{unique}"
    assert client.post("/", json=push_body(CallStarted(call_id=call_id, turn_seq=0, relay_instance="r"))).status_code == 200
    [lookup] = [m for m in crm.drain(expect=1) if m.call_id == call_id]
    assert client.post("/", json=push_body(completed(lookup, caller=None), "2")).status_code == 200
    saver = FirestoreSaver.from_project(emulators)
    config = {"configurable": {"thread_id": call_id}}
    before = saver.get_tuple(config).checkpoint["channel_values"]
    early = UserUtterance(call_id=call_id, turn_seq=1, relay_instance="r", text="I'm Dana Whitfield from Acme Logistics",
                          tentative=True)
    assert client.post("/", json=push_body(early, "3")).status_code == 200
    assert saver.get_tuple(config).checkpoint["channel_values"]["lead"]["company"] == "Acme Logistics"
    withdrawn = TurnSettled(call_id=call_id, turn_seq=1, relay_instance="r", kept=False)
    assert client.post("/", json=push_body(withdrawn, "4")).status_code == 200
    after = saver.get_tuple(config).checkpoint["channel_values"]
    assert after["messages"] == before["messages"] and after.get("lead") == before.get("lead")
    assert {early.message_key, withdrawn.message_key} <= set(after["handled_keys"])
