"""agent_turn with fakes: the graph on an in-memory checkpointer, a recording publisher."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cloudevents.http import CloudEvent
from functions_framework import create_app
from langgraph.checkpoint.memory import InMemorySaver

from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.messages import (
    BotInterrupted,
    BotSpeech,
    CallStarted,
    DeadLettered,
    DtmfReceived,
    UserUtterance,
    encode,
)
from callbot.settings import AgentTurnSettings
from functions.agent_turn import bootstrap
from functions.agent_turn.graph import build_graph
from functions.agent_turn.handler import TurnHandler


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def handler(publisher):
    return TurnHandler(build_graph(InMemorySaver()), publisher, AgentTurnSettings())


def deliver(handler, message, published_at=None):
    handler.handle(Delivery(message=message, message_id="1", published_at=published_at))


def speech(publisher):
    return [(m.turn_seq, m.segment, m.text, m.is_last) for m in publisher.of_type(BotSpeech)]


def test_greets_then_answers_each_utterance_in_segments(handler, publisher):
    deliver(handler, CallStarted(call_id="CA1", turn_seq=0, relay_instance="r1"))
    deliver(handler, UserUtterance(call_id="CA1", turn_seq=1, relay_instance="r1", text="I need a demo"))
    assert speech(publisher) == [
        (0, 0, "Hello, and thanks for calling.", False), (0, 1, "How can I help you today?", True),
        (1, 0, "You said: I need a demo", False), (1, 1, "Tell me more.", True)]
    assert {m.relay_instance for m in publisher.of_type(BotSpeech)} == {"r1"}


def test_a_redelivered_message_changes_nothing_and_publishes_nothing(handler, publisher):
    utterance = UserUtterance(call_id="CA2", turn_seq=1, relay_instance="r1", text="hello")
    deliver(handler, utterance)
    state_before = handler._graph.get_state({"configurable": {"thread_id": "CA2"}}).values
    deliver(handler, utterance)
    assert len(publisher.of_type(BotSpeech)) == 2
    state_after = handler._graph.get_state({"configurable": {"thread_id": "CA2"}}).values
    assert state_after["messages"] == state_before["messages"]


def test_a_reply_lost_between_checkpoint_and_publish_is_published_on_redelivery(handler, publisher):
    utterance = UserUtterance(call_id="CA3", turn_seq=1, relay_instance="r1", text="hello")
    publisher.fail_next = [TimeoutError("pubsub unavailable")]
    with pytest.raises(TimeoutError):
        deliver(handler, utterance)
    deliver(handler, utterance)
    published = len(publisher.published)
    deliver(handler, utterance)
    assert len(publisher.published) == published  # once published, a redelivery publishes nothing
    # the republished reply carries the same message keys, so the relay plays each segment once
    keys = [m.message_key for m in publisher.of_type(BotSpeech)]
    assert sorted(set(keys)) == ["BotSpeech:CA3:1:0", "BotSpeech:CA3:1:1"]
    messages = handler._graph.get_state({"configurable": {"thread_id": "CA3"}}).values["messages"]
    assert [m.content for m in messages] == ["hello", "You said: hello Tell me more."]


def test_calls_do_not_share_state(handler, publisher):
    deliver(handler, UserUtterance(call_id="CA4", turn_seq=1, relay_instance="r1", text="one"))
    deliver(handler, UserUtterance(call_id="CA5", turn_seq=1, relay_instance="r2", text="two"))
    by_call = {m.call_id: m for m in publisher.of_type(BotSpeech) if m.segment == 0}
    assert by_call["CA4"].text.endswith("one") and by_call["CA5"].relay_instance == "r2"


def test_dtmf_is_answered_and_the_human_digit_hands_the_call_over(handler, publisher):
    deliver(handler, DtmfReceived(call_id="CA6", turn_seq=1, relay_instance="r1", digit="5"))
    deliver(handler, DtmfReceived(call_id="CA6", turn_seq=2, relay_instance="r1", digit="0"))
    replies = publisher.of_type(BotSpeech)
    assert replies[0].text == "You pressed 5." and not any(r.transfer for r in replies[:2])
    [handover] = replies[2:]
    assert handover.transfer and handover.is_last and handover.text.startswith("Let me connect you")


def test_a_barge_in_cuts_the_reply_in_the_history_to_what_was_heard(handler, publisher):
    deliver(handler, UserUtterance(call_id="CA12", turn_seq=1, relay_instance="r1", text="tell me everything"))
    deliver(handler, BotInterrupted(call_id="CA12", turn_seq=1, relay_instance="r1", heard="You said:"))
    messages = handler._graph.get_state({"configurable": {"thread_id": "CA12"}}).values["messages"]
    assert [m.content for m in messages] == ["tell me everything", "You said:"]
    assert messages[-1].additional_kwargs == {"interrupted": True}
    assert len(publisher.of_type(BotSpeech)) == 2  # nothing is said in answer to a barge-in


def test_the_greeting_follows_the_call_language(handler, publisher):
    deliver(handler, CallStarted(call_id="CA13", turn_seq=0, relay_instance="r1", language="fr-FR"))
    assert publisher.of_type(BotSpeech)[0].text == "Bonjour, et merci de votre appel."


def test_a_message_older_than_the_limit_is_dead_lettered_not_answered(handler, publisher):
    old = datetime.now(UTC) - timedelta(hours=1)
    deliver(handler, UserUtterance(call_id="CA7", turn_seq=1, relay_instance="r1", text="hi"), published_at=old)
    assert publisher.of_type(BotSpeech) == []
    [dead] = publisher.of_type(DeadLettered)
    assert dead.call_id == "CA7" and "older" in dead.reason


def _push_event(payload: bytes, attributes: dict[str, str]) -> tuple[dict, str]:
    body = {"message": {"data": base64.b64encode(payload).decode(), "attributes": attributes,
                        "messageId": "42", "publishTime": datetime.now(UTC).isoformat()},
            "subscription": "projects/p/subscriptions/callbot-turns-agent-turn"}
    return body, json.dumps(body)


@pytest.fixture
def client(monkeypatch, handler):
    # functions-framework loads main.py from its path, which imports the composition root anew
    monkeypatch.setattr(bootstrap, "turn_handler", lambda: handler)
    app = create_app(target="agent_turn", source="functions/agent_turn/main.py", signature_type="cloudevent")
    return app.test_client()


def test_entry_point_accepts_a_pubsub_push_body(client, publisher):
    body, _ = _push_event(*encode(UserUtterance(call_id="CA8", turn_seq=1, relay_instance="r1", text="hey")))
    response = client.post("/", json=body)
    assert response.status_code == 200
    assert [m.call_id for m in publisher.of_type(BotSpeech)] == ["CA8", "CA8"]


def test_entry_point_accepts_a_cloud_event(client, publisher):
    payload, attributes = encode(CallStarted(call_id="CA9", turn_seq=0, relay_instance="r1"))
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//pubsub",
                        "id": "1"}, {"message": {"data": base64.b64encode(payload).decode(),
                                                 "attributes": attributes, "messageId": "1"}})
    from cloudevents.conversion import to_structured

    headers, data = to_structured(event)
    assert client.post("/", headers=headers, data=data).status_code == 200
    assert len(publisher.of_type(BotSpeech)) == 2


def test_entry_point_dead_letters_an_undecodable_message_and_acknowledges_it(client, publisher):
    body, _ = _push_event(b"{not json", {"call_id": "CA10"})
    assert client.post("/", json=body).status_code == 200
    [dead] = publisher.of_type(DeadLettered)
    assert dead.call_id == "CA10" and dead.payload == "{not json"


def test_entry_point_returns_an_error_for_a_retryable_failure(client, publisher):
    publisher.fail_next = [ConnectionError("pubsub down")]
    body, _ = _push_event(*encode(UserUtterance(call_id="CA11", turn_seq=1, relay_instance="r1", text="x")))
    assert client.post("/", json=body).status_code == 500
