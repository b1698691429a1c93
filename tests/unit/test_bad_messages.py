"""Bad input on the bus, through every Pub/Sub-triggered function's real entry point.

Each function runs in-process behind functions-framework's test client (a Pub/Sub push body, as our
push subscriptions send it), built by its composition root on recording fakes. Whatever the payload,
a message no retry can fix is acknowledged (2xx: Pub/Sub must not deliver it again and again), parked
once on the dead-letter topic with the reason, and logged at ERROR with the call id when one can be
read. A failure that may pass still fails the delivery, so Pub/Sub delivers it again.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from functions_framework import create_app
from langgraph.checkpoint.memory import InMemorySaver

from callbot.agents.graph import build_graph
from callbot.bus import entry
from callbot.bus.memory import RecordingPublisher
from callbot.call_document import CallDocument, CallStatus
from callbot.errors import PermanentError, RetryableError
from callbot.messages import (
    ActionPort,
    ActionRequested,
    BotSpeech,
    CallEnded,
    CallStarted,
    DeadLettered,
    Message,
    UserUtterance,
    encode,
)
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from callbot.workflows.memory import RecordingWorkflowRunner
from functions.agent_turn import bootstrap as agent_turn_bootstrap
from functions.agent_turn.handler import TurnHandler
from functions.calendar_action import bootstrap as calendar_bootstrap
from functions.crm_action import bootstrap as crm_bootstrap
from functions.knowledge_action import bootstrap as knowledge_bootstrap
from functions.post_call_trigger import bootstrap as post_call_bootstrap
from functions.post_call_trigger.trigger import PostCallTrigger
from tests.fakes.chat import ScriptedChatModel

CALL = "CA0123456789abcdef0123456789abcdef"
MB = 1_000_000


def _action(port: ActionPort, action: str, args: dict) -> ActionRequested:
    return ActionRequested(call_id=CALL, turn_seq=4, relay_instance="r1", request_id="q1", port=port, action=action,
                           args=args)


# Per entry point: the type it takes, a message of it that works, and one meant for another function.
ENTRY_POINTS: dict[str, dict[str, Any]] = {
    "agent_turn": {"type": "UserUtterance",
                   "good": CallStarted(call_id=CALL, turn_seq=0, relay_instance="r1"),
                   "elsewhere": BotSpeech(call_id=CALL, turn_seq=2, relay_instance="r1", segment=0, text="Hi.")},
    "crm_action": {"type": "ActionRequested",
                   "good": _action(ActionPort.CRM, "find_caller", {"phone": "+14155550199"}),
                   "elsewhere": _action(ActionPort.CALENDAR, "find_slots", {})},
    "calendar_action": {"type": "ActionRequested",
                        "good": _action(ActionPort.CALENDAR, "find_slots", {}),
                        "elsewhere": _action(ActionPort.KNOWLEDGE, "search_knowledge", {"question": "price?"})},
    "knowledge_action": {"type": "ActionRequested",
                         "good": _action(ActionPort.KNOWLEDGE, "search_knowledge", {"question": "price?"}),
                         "elsewhere": UserUtterance(call_id=CALL, turn_seq=2, relay_instance="r1", text="hello")},
    "post_call_trigger": {"type": "CallEnded",
                          "good": CallEnded(call_id=CALL, turn_seq=9, relay_instance="r1", ended_by="caller"),
                          "elsewhere": CallStarted(call_id=CALL, turn_seq=0, relay_instance="r1")},
}


@dataclass
class Function:
    """One function behind its test client, and the fakes it was built on."""

    name: str
    client: Any
    publisher: RecordingPublisher
    fail_retryably: Callable[[], None]  # the next handling of a good message meets a passing failure
    runner: RecordingWorkflowRunner | None = None

    def push(self, message: dict[str, Any]):
        body = {"message": {"messageId": "1", "publishTime": datetime.now(UTC).isoformat(), **message},
                "subscription": f"projects/p/subscriptions/{self.name}"}
        return self.client.post("/", json=body)

    def push_message(self, message: Message):
        payload, attributes = encode(message)
        return self.push({"data": base64.b64encode(payload).decode(), "attributes": attributes})

    def dead_letters(self) -> list[DeadLettered]:
        return self.publisher.of_type(DeadLettered)


def _client(name: str):
    return create_app(target=name, source=f"functions/{name}/main.py", signature_type="cloudevent").test_client()


def _agent_turn(monkeypatch, publisher: RecordingPublisher) -> Function:
    settings = AgentTurnSettings(first_sentence_timeout_s=5, llm_timeout_s=5)
    handler = TurnHandler(build_graph(InMemorySaver(), ScriptedChatModel(script=[]), settings), publisher, settings,
                          MemoryCallLog())
    monkeypatch.setattr(agent_turn_bootstrap, "turn_handler", lambda: handler)
    return Function("agent_turn", _client("agent_turn"), publisher,
                    fail_retryably=lambda: publisher.fail_next.append(ConnectionError("Pub/Sub unavailable")))


def _action_function(name: str, bootstrap) -> Callable[..., Function]:
    def make(monkeypatch, publisher: RecordingPublisher) -> Function:
        monkeypatch.setenv("CALLBOT_DEMO_CLOCK", "2026-11-27T17:00:00+00:00")
        bootstrap.action_handler.cache_clear()
        monkeypatch.setattr(bootstrap, "PubSubPublisher", lambda project_id: publisher)
        return Function(name, _client(name), publisher,
                        fail_retryably=lambda: publisher.fail_next.append(TimeoutError("Pub/Sub timed out")))

    return make


def _post_call_trigger(monkeypatch, publisher: RecordingPublisher) -> Function:
    runner = RecordingWorkflowRunner()
    ended = CallDocument(status=CallStatus.COMPLETED).stored_form()
    trigger = PostCallTrigger(MemoryCallRecords({CALL: ended}), runner, publisher, PostCallSettings())
    monkeypatch.setattr(post_call_bootstrap, "trigger", lambda: trigger)

    def fail() -> None:
        runner.fail_with = RetryableError("Workflows answered 503")

    return Function("post_call_trigger", _client("post_call_trigger"), publisher, fail, runner=runner)


BUILDERS = {"agent_turn": _agent_turn, "crm_action": _action_function("crm_action", crm_bootstrap),
            "calendar_action": _action_function("calendar_action", calendar_bootstrap),
            "knowledge_action": _action_function("knowledge_action", knowledge_bootstrap),
            "post_call_trigger": _post_call_trigger}


@pytest.fixture(params=list(ENTRY_POINTS))
def function(request, monkeypatch) -> Function:
    yield BUILDERS[request.param](monkeypatch, RecordingPublisher())
    for bootstrap in (crm_bootstrap, calendar_bootstrap, knowledge_bootstrap):
        bootstrap.action_handler.cache_clear()


# -- the table of bad payloads: (Pub/Sub message of the push, the reason, the call id it shows, its turn)

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _json(value: Any) -> str:
    return _b64(json.dumps(value).encode())


def _good_body(name: str, **changes: Any) -> dict[str, Any]:
    return {**json.loads(encode(ENTRY_POINTS[name]["good"])[0]), **changes}


def _good_attributes(name: str, **changes: str) -> dict[str, str]:
    return {**encode(ENTRY_POINTS[name]["good"])[1], **changes}


def _nested(depth: int) -> bytes:
    return b'{"call_id": "CA7", "turn_seq": 0, "args": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"


BAD: dict[str, Callable[[str, str], tuple[dict[str, Any], str, str, int]]] = {
    "not base64": lambda name, t: (
        {"data": "%%% not base64 %%%", "attributes": {"call_id": CALL}}, "not base64", CALL, 0),
    "base64 of text that is not JSON": lambda name, t: (
        {"data": _b64(b"{not json"), "attributes": {"call_id": CALL}}, "not JSON", CALL, 0),
    "bytes that are not UTF-8": lambda name, t: (
        {"data": _b64(b"\xff\xfe\x00\x81garbage"), "attributes": {"call_id": CALL}}, "not JSON", CALL, 0),
    "a JSON list": lambda name, t: (
        {"data": _json([t, CALL]), "attributes": {"call_id": CALL}}, "not a JSON object", CALL, 0),
    "a JSON string": lambda name, t: ({"data": _json(t)}, "not a JSON object", entry.UNKNOWN_CALL, 0),
    "JSON null": lambda name, t: ({"data": _b64(b"null")}, "not a JSON object", entry.UNKNOWN_CALL, 0),
    "its own type with fields missing, call id only in the body": lambda name, t: (
        {"data": _json({"type": t, "call_id": CALL, "turn_seq": 3})}, "invalid message", CALL, 3),
    "its own type with fields of the wrong type": lambda name, t: (
        {"data": _json({**_good_body(name), "turn_seq": "third", "relay_instance": ["r1"]}),
         "attributes": {"call_id": CALL}}, "invalid message", CALL, 0),
    "an unknown type": lambda name, t: (
        {"data": _json({"type": "CallTeleported", "call_id": CALL, "turn_seq": 5}), "attributes": {"type": "X"}},
        "invalid message", CALL, 5),
    "no type": lambda name, t: (
        {"data": _json({"call_id": CALL, "turn_seq": 5})}, "invalid message", CALL, 5),
    "schema_version 99 in the body": lambda name, t: (
        {"data": _json(_good_body(name, schema_version=99))}, "unsupported schema_version 99", CALL,
        _good_body(name)["turn_seq"]),
    "schema_version '99' in the body": lambda name, t: (
        {"data": _json(_good_body(name, schema_version="99"))}, "unsupported schema_version '99'", CALL,
        _good_body(name)["turn_seq"]),
    "schema_version 'abc' in the body": lambda name, t: (
        {"data": _json(_good_body(name, schema_version="abc")), "attributes": _good_attributes(name)},
        "unsupported schema_version 'abc'", CALL, _good_body(name)["turn_seq"]),
    "schema_version '99' in the attributes": lambda name, t: (
        {"data": _json(_good_body(name)), "attributes": _good_attributes(name, schema_version="99")},
        "unsupported schema_version attribute '99'", CALL, _good_body(name)["turn_seq"]),
    "schema_version 'abc' in the attributes": lambda name, t: (
        {"data": _json(_good_body(name)), "attributes": _good_attributes(name, schema_version="abc")},
        "unsupported schema_version attribute 'abc'", CALL, _good_body(name)["turn_seq"]),
    "schema_version 99 in both": lambda name, t: (
        {"data": _json(_good_body(name, schema_version=99)), "attributes": _good_attributes(name, schema_version="99")},
        "unsupported schema_version", CALL, _good_body(name)["turn_seq"]),
    "empty data": lambda name, t: ({"data": "", "attributes": {"call_id": CALL}}, "not JSON", CALL, 0),
    "no data at all (Pub/Sub omits it: attributes only)": lambda name, t: (
        {"attributes": {"call_id": CALL, "type": t}}, "does not carry a Pub/Sub message", CALL, 0),
    "null data": lambda name, t: ({"data": None, "attributes": {"call_id": CALL}}, "not base64", CALL, 0),
    "attributes that are not a map": lambda name, t: (
        {"data": _json(_good_body(name)), "attributes": ["call_id", CALL]}, "attributes are not a map", CALL,
        _good_body(name)["turn_seq"]),
    "a call id attribute no CallSid looks like": lambda name, t: (
        {"data": _b64(b"{not json"), "attributes": {"call_id": "C" * 100}}, "not JSON", entry.UNKNOWN_CALL, 0),
    "a call id attribute with a line break": lambda name, t: (
        {"data": _b64(b"{not json"), "attributes": {"call_id": "CA1\nFAKE LOG LINE"}}, "not JSON",
         entry.UNKNOWN_CALL, 0),
    "JSON nested deeper than the parser goes": lambda name, t: (
        {"data": _b64(_nested(100_000)), "attributes": {"call_id": CALL}}, "nested too deeply", CALL, 0),
    "1 MB that is not JSON": lambda name, t: (
        {"data": _b64(b"x" * MB), "attributes": {"call_id": CALL}}, "not JSON", CALL, 0),
    "1 MB of its own type, wrong-typed": lambda name, t: (
        {"data": _json({"type": t, "call_id": CALL, "turn_seq": 2, "relay_instance": "r1", "language": ["x" * MB]})},
        "invalid message", CALL, 2),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_payload_is_acknowledged_dead_lettered_once_and_logged(function, case, caplog):
    message, reason, call_id, turn_seq = BAD[case](function.name, ENTRY_POINTS[function.name]["type"])
    response = function.push(message)
    assert 200 <= response.status_code < 300, response.data[:300]
    [dead] = function.publisher.published  # the dead letter, and nothing else
    assert isinstance(dead, DeadLettered)
    assert (dead.source, dead.call_id, dead.turn_seq) == (function.name, call_id, turn_seq)
    assert reason in dead.reason
    assert len(dead.reason) <= entry.MAX_REASON_CHARS + 40 and len(dead.payload) <= entry.MAX_PAYLOAD_CHARS + 40
    _assert_logged_dead_letter(caplog, call_id)
    if function.runner is not None:
        assert function.runner.started == []


def test_a_message_for_another_function_is_dead_lettered_with_its_call_id(function, caplog):
    elsewhere = ENTRY_POINTS[function.name]["elsewhere"]
    assert function.push_message(elsewhere).status_code == 200
    [dead] = function.publisher.published
    assert isinstance(dead, DeadLettered)
    assert (dead.source, dead.call_id, dead.turn_seq) == (function.name, CALL, elsewhere.turn_seq)
    assert elsewhere.type in dead.reason and json.loads(dead.payload)["type"] == elsewhere.type
    _assert_logged_dead_letter(caplog, CALL)


def test_a_good_message_is_handled_and_not_dead_lettered(function):
    assert function.push_message(ENTRY_POINTS[function.name]["good"]).status_code == 200
    assert function.dead_letters() == []
    assert function.publisher.published or function.runner.started


def test_a_failure_that_may_pass_fails_the_delivery_so_pubsub_delivers_it_again(function):
    function.fail_retryably()
    response = function.push_message(ENTRY_POINTS[function.name]["good"])
    assert response.status_code >= 500
    assert function.dead_letters() == []


def test_a_dead_letter_that_cannot_be_published_fails_the_delivery_so_nothing_is_lost(function):
    function.publisher.fail_next.append(ConnectionError("Pub/Sub unavailable"))
    response = function.push({"data": _b64(b"{not json"), "attributes": {"call_id": CALL}})
    assert response.status_code >= 500
    assert function.dead_letters() == []
    assert function.push({"data": _b64(b"{not json"), "attributes": {"call_id": CALL}}).status_code == 200
    assert len(function.dead_letters()) == 1  # delivered again, then parked


@pytest.mark.parametrize("body", [{"not": "a push"}, {"message": "text", "subscription": "s"}, None])
def test_a_request_that_is_no_pubsub_push_keeps_its_400(function, body):
    response = (function.client.post("/", data=b"{not json", content_type="application/json") if body is None
                else function.client.post("/", json=body))
    assert response.status_code == 400
    assert function.publisher.published == []


def test_a_workflow_refused_for_good_is_dead_lettered_not_retried(monkeypatch):
    publisher = RecordingPublisher()
    function = _post_call_trigger(monkeypatch, publisher)
    function.runner.fail_with = PermanentError("Workflows refused: workflow not found")
    assert function.push_message(ENTRY_POINTS["post_call_trigger"]["good"]).status_code == 200
    [dead] = function.dead_letters()
    assert dead.call_id == CALL and dead.turn_seq == 9 and "workflow not found" in dead.reason


def _assert_logged_dead_letter(caplog, call_id: str) -> None:
    lines = [r for r in caplog.records if r.name == entry.__name__ and r.levelno >= logging.WARNING
             and r.getMessage().startswith("message dead-lettered")]  # the alert's log filter, monitoring.tf
    assert len(lines) == 1
    assert lines[0].call_id == call_id
    assert len(lines[0].getMessage()) < 2 * entry.MAX_REASON_CHARS


# -- the relay's reply subscriber (streaming pull: the callback acknowledges, or raising nacks it)

class ReplyMessage:
    """A received Pub/Sub message as the streaming pull client hands it to the callback."""

    def __init__(self, data: bytes, attributes: dict[str, str] | None = None) -> None:
        self.data, self.attributes = data, attributes or {}
        self.acks = self.nacks = 0

    def ack(self) -> None:
        self.acks += 1

    def nack(self) -> None:
        self.nacks += 1


class ReplySubscriber:
    def __init__(self) -> None:
        self.callback: Callable[[ReplyMessage], None] | None = None

    def create_subscription(self, request: dict) -> None: ...

    def subscribe(self, path: str, callback, flow_control=None):
        self.callback = callback


async def _reply_callback(dispatched: list) -> Callable[[ReplyMessage], None]:
    from stream_relay.replies import PubSubReplySource

    subscriber = ReplySubscriber()
    await PubSubReplySource("p", "r1", subscriber=subscriber).start(dispatched.append)
    return subscriber.callback


def _speech(**changes: Any) -> bytes:
    body = json.loads(encode(BotSpeech(call_id=CALL, turn_seq=2, relay_instance="r1", segment=0, text="Hi."))[0])
    return json.dumps({**body, **changes}).encode()


BAD_REPLIES = {
    "not JSON": b"{not json",
    "not UTF-8": b"\xff\xfe\x00\x81",
    "empty": b"",
    "a JSON list": b'["BotSpeech"]',
    "fields missing": json.dumps({"type": "BotSpeech", "call_id": CALL, "turn_seq": 2}).encode(),
    "wrong-typed": _speech(segment="first"),
    "an unknown type": json.dumps({"type": "BotSang", "call_id": CALL, "turn_seq": 2}).encode(),
    "schema_version 99": _speech(schema_version=99),
    "schema_version 'abc'": _speech(schema_version="abc"),
    "nested deeper than the parser goes": _nested(100_000),
    "1 MB that is not JSON": b"x" * MB,
    "1 MB wrong-typed": _speech(segment="x" * MB),
}


@pytest.mark.parametrize("case", list(BAD_REPLIES))
async def test_the_relay_acknowledges_and_drops_a_bad_reply_with_a_log_line(case, caplog):
    dispatched: list = []
    callback = await _reply_callback(dispatched)
    message = ReplyMessage(BAD_REPLIES[case], {"call_id": CALL, "type": "BotSpeech"})
    callback(message)  # raising here would nack it: redelivered at once, with no dead-letter policy to stop it
    await asyncio.sleep(0)
    assert (message.acks, message.nacks, dispatched) == (1, 0, [])
    assert [r.levelno for r in caplog.records if r.name == "stream_relay.replies" and r.levelno >= logging.WARNING] == [
        logging.ERROR]


async def test_the_relay_speaks_a_good_reply():
    dispatched: list = []
    callback = await _reply_callback(dispatched)
    callback(ReplyMessage(_speech(), {"call_id": CALL, "schema_version": "1"}))
    await asyncio.sleep(0)
    assert [s.text for s in dispatched] == ["Hi."]


async def test_the_relay_logs_a_dropped_reply_with_its_call_id_and_a_bounded_reason(caplog):
    callback = await _reply_callback([])
    callback(ReplyMessage(BAD_REPLIES["1 MB wrong-typed"], {"call_id": CALL}))
    [line] = [r for r in caplog.records if r.name == "stream_relay.replies" and r.levelno >= logging.WARNING]
    assert getattr(line, "call_id", None) == CALL and len(line.getMessage()) <= 2 * entry.MAX_REASON_CHARS


async def test_the_relay_drops_a_reply_of_a_schema_version_it_does_not_know():
    dispatched: list = []
    callback = await _reply_callback(dispatched)
    body = json.loads(_speech())
    del body["schema_version"]
    callback(ReplyMessage(json.dumps(body).encode(), {"call_id": CALL, "schema_version": "99"}))
    await asyncio.sleep(0)
    assert dispatched == []
