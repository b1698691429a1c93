"""calendar_action as a functions-framework process fed by a Pub/Sub push subscription on the
emulator: requests on the calendar topic come back as `ActionCompleted` on the turns topic."""

import sys
from pathlib import Path

import pytest

from callbot.bus.pubsub import PubSubPublisher
from callbot.messages import ActionCompleted, ActionPort, ActionRequested, Topic
from devtools.processes import free_port, spawn

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SOURCE = str(ROOT / "functions/calendar_action/main.py")


def test_calendar_requests_pushed_to_the_function_are_completed_on_the_turns_topic(emulators, tap, unique,
                                                                                  tmp_path):
    from google.cloud import pubsub_v1

    port = free_port()
    child = spawn("calendar_action", [sys.executable, "-m", "functions_framework", "--target", "calendar_action",
                                      "--source", SOURCE, "--signature-type", "cloudevent", "--host", "127.0.0.1",
                                      "--port", str(port)], tmp_path, cwd=ROOT)
    subscriber = pubsub_v1.SubscriberClient()
    subscription = subscriber.subscription_path(emulators, f"push-calendar-{unique}")
    try:
        turns = tap(Topic.TURNS)
        subscriber.create_subscription(request={
            "name": subscription, "topic": f"projects/{emulators}/topics/{Topic.CALENDAR_ACTIONS}",
            "push_config": {"push_endpoint": f"http://127.0.0.1:{port}/"}})
        call_id = f"CA{unique}"
        common = {"call_id": call_id, "turn_seq": 3, "relay_instance": "r", "port": ActionPort.CALENDAR}
        requests = [ActionRequested(request_id="find", action="find_slots", args={"count": 2}, **common),
                    ActionRequested(request_id="cancel", action="cancel_meeting", args={"meeting_id": "mtg-x"},
                                    **common)]
        publisher = PubSubPublisher(emulators)
        for message in requests:
            assert message.topic is Topic.CALENDAR_ACTIONS
            publisher.publish(message).result(timeout=10)
        got = {m.request_id: m for m in turns.drain(expect=2, timeout_s=30)
               if isinstance(m, ActionCompleted) and m.call_id == call_id}
        assert set(got) == {"find", "cancel"}
        assert got["find"].ok and len(got["find"].result["slots"]) == 2 and got["find"].turn_seq == 3
        assert (got["cancel"].ok, got["cancel"].error) == (False, "meeting not found")
    finally:
        subscriber.delete_subscription(request={"subscription": subscription})
        subscriber.close()
        child.stop()
        assert not child.alive()
