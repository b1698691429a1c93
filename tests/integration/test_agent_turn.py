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
from callbot.messages import BotSpeech, CallStarted, Topic, UserUtterance, encode
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


def test_turns_are_checkpointed_in_firestore_and_replies_published(client, emulators, tap, unique):
    replies = tap(Topic.REPLIES)
    call_id = f"CA{unique}"
    assert client.post("/", json=push_body(CallStarted(call_id=call_id, turn_seq=0, relay_instance="r"))).status_code == 200
    utterance = UserUtterance(call_id=call_id, turn_seq=1, relay_instance="r", text="pricing please")
    assert client.post("/", json=push_body(utterance)).status_code == 200
    got = [m for m in replies.drain(expect=4) if m.call_id == call_id]
    assert [(m.turn_seq, m.segment) for m in got] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    saved = FirestoreSaver.from_project(emulators).get_tuple({"configurable": {"thread_id": call_id}})
    channel_values = saved.checkpoint["channel_values"]
    assert [m.content for m in channel_values["messages"]][-2:] == ["pricing please",
                                                                     "You said: pricing please Tell me more."]


def test_a_duplicate_delivery_changes_nothing_and_publishes_nothing(client, emulators, tap, unique):
    replies = tap(Topic.REPLIES)
    call_id = f"CA{unique}"
    utterance = UserUtterance(call_id=call_id, turn_seq=1, relay_instance="r", text="hello")
    assert client.post("/", json=push_body(utterance, "1")).status_code == 200
    saver = FirestoreSaver.from_project(emulators)
    config = {"configurable": {"thread_id": call_id}}
    before = saver.get_tuple(config).checkpoint["id"]
    assert client.post("/", json=push_body(utterance, "2")).status_code == 200  # redelivered
    assert saver.get_tuple(config).checkpoint["id"] == before
    got = [m for m in replies.drain(expect=2) if m.call_id == call_id]
    assert len(got) == 2


def test_the_function_process_is_driven_by_a_push_subscription(emulators, tap, unique, tmp_path):
    from google.cloud import pubsub_v1

    port = free_port()
    child = spawn("agent_turn", [sys.executable, "-m", "functions_framework", "--target", "agent_turn",
                                 "--source", SOURCE, "--signature-type", "cloudevent", "--host", "127.0.0.1",
                                 "--port", str(port)], tmp_path, cwd=ROOT)
    subscriber = pubsub_v1.SubscriberClient()
    subscription = subscriber.subscription_path(emulators, f"push-{unique}")
    try:
        replies = tap(Topic.REPLIES)
        subscriber.create_subscription(request={
            "name": subscription, "topic": f"projects/{emulators}/topics/{Topic.TURNS}",
            "push_config": {"push_endpoint": f"http://127.0.0.1:{port}/"}, "enable_message_ordering": True})
        call_id = f"CA{unique}"
        publisher = PubSubPublisher(emulators)
        for seq, text in enumerate(["one", "two", "three"], start=1):
            publisher.publish(UserUtterance(call_id=call_id, turn_seq=seq, relay_instance="r", text=text))
        got = [m for m in replies.drain(expect=6, timeout_s=30) if m.call_id == call_id]
        assert [m.text for m in got if isinstance(m, BotSpeech) and m.segment == 0] == [
            "You said: one", "You said: two", "You said: three"]
    finally:
        subscriber.delete_subscription(request={"subscription": subscription})
        child.stop()
        assert not child.alive()
