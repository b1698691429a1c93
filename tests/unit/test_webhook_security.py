"""Twilio's webhooks and media stream against forged, misdirected and replayed requests.

Every route (`/twilio/voice`, `/twilio/status`, `/twilio/connect-action` and the `/twilio/stream`
WebSocket) refuses a missing or forged signature, one made with another token, one made for another
URL (path, host, scheme, query string) and one made for other parameters: 403 (1008 on the stream),
and nothing written or published. A signed request sent again (Twilio signatures carry no time)
starts nothing: `/voice` hangs up unless it is Twilio's retry of an unanswered request, a second
`start` for a call is refused, and status callbacks only ever move a call forward.
"""

from __future__ import annotations

import copy
import json
import logging
import time
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from twilio.request_validator import RequestValidator

from callbot.logs import CloudLoggingFormatter
from callbot.messages import CallEnded, CallStarted
from stream_relay import twilio_wire
from stream_relay.app import create_app
from stream_relay.webhooks import IDEMPOTENCY_HEADER
from tests.fakes.relay import fake_services

BASE = "https://relay.example.com"
STREAM = "wss://relay.example.com/twilio/stream"
CALLER = "+14155550123"
CALL = {"CallSid": "CA100", "From": CALLER, "To": "+14155550100", "AccountSid": "AC1", "CallStatus": "ringing"}
ROUTES = ("/twilio/voice", "/twilio/status", "/twilio/connect-action")


@pytest.fixture
def services():
    return fake_services()


@pytest.fixture
def client(services):
    with TestClient(create_app(services)) as test_client:
        yield test_client


class JsonLines(logging.Handler):
    """The relay's log lines as production writes them (formatted when logged, inside the call's
    context), parsed back."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(CloudLoggingFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def logged():
    logger, handler = logging.getLogger("stream_relay"), JsonLines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def sign(services, url: str, params: dict[str, str], token: str | None = None) -> str:
    token = token or services.settings.twilio_auth_token.get_secret_value()
    return RequestValidator(token).compute_signature(url, params)


def post(client, services, path: str, params: dict[str, str], delivery: str = "") -> object:
    """A request as Twilio sends it: signed for the public URL, `delivery` its idempotency token."""
    headers = {"X-Twilio-Signature": sign(services, BASE + path, params)}
    if delivery:
        headers[IDEMPOTENCY_HEADER] = delivery
    return client.post(path, data=params, headers=headers)


def nothing_happened(services) -> None:
    assert services.calls.calls == {} and services.calls.events == {}
    assert services.publisher.published == []


# ---- signatures ------------------------------------------------------------------------------------

FORGERIES = {
    # name: (query the request is sent with, parameters sent, how its signature is made)
    "missing": ("", CALL, None),
    "empty": ("", CALL, lambda s, path: ""),
    "forged": ("", CALL, lambda s, path: "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    "another token": ("", CALL, lambda s, path: sign(s, BASE + path, CALL, token="not-the-token")),
    "another path": ("", CALL, lambda s, path: sign(s, BASE + ("/twilio/status" if path != "/twilio/status"
                                                                else "/twilio/voice"), CALL)),
    "another host": ("", CALL, lambda s, path: sign(s, "https://evil.example.com" + path, CALL)),
    "the Host header's URL": ("", CALL, lambda s, path: sign(s, "http://testserver" + path, CALL)),
    "another scheme": ("", CALL, lambda s, path: sign(s, "http://relay.example.com" + path, CALL)),
    "query changed": ("?leg=2", CALL, lambda s, path: sign(s, BASE + path + "?leg=1", CALL)),
    "query added": ("?leg=1", CALL, lambda s, path: sign(s, BASE + path, CALL)),
    "query removed": ("", CALL, lambda s, path: sign(s, BASE + path + "?leg=1", CALL)),
    "a parameter changed": ("", {**CALL, "From": "+14155550999"}, lambda s, path: sign(s, BASE + path, CALL)),
    "the call changed": ("", {**CALL, "CallSid": "CA999"}, lambda s, path: sign(s, BASE + path, CALL)),
    "a parameter added": ("", {**CALL, "CallDuration": "1"}, lambda s, path: sign(s, BASE + path, CALL)),
    "a parameter removed": ("", {k: v for k, v in CALL.items() if k != "To"},
                            lambda s, path: sign(s, BASE + path, CALL)),
    "the URL alone": ("", CALL, lambda s, path: sign(s, BASE + path, {})),
    "the stream's": ("", CALL, lambda s, path: sign(s, STREAM, {})),
}


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("forgery", FORGERIES)
def test_every_webhook_refuses_forged_or_misdirected_signatures(client, services, path, forgery):
    query, params, make = FORGERIES[forgery]
    headers = {} if make is None else {"X-Twilio-Signature": make(services, path)}
    response = client.post(path + query, data=params, headers=headers)
    assert response.status_code == 403
    nothing_happened(services)


@pytest.mark.parametrize("path", ROUTES)
def test_every_webhook_accepts_a_signature_for_its_url_query_string_included(client, services, path):
    params = {**CALL, "CallStatus": "completed"}
    headers = {"X-Twilio-Signature": sign(services, f"{BASE}{path}?leg=1", params)}
    assert client.post(f"{path}?leg=1", data=params, headers=headers).status_code in (200, 204)


def test_a_refused_request_is_logged_with_its_call_id_and_no_phone_number(client, services, logged):
    client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": "forged"})
    client.post("/twilio/voice", data={**CALL, "CallSid": CALLER}, headers={"X-Twilio-Signature": "forged"})
    refusals = [line for line in logged if "signature" in line["message"]]
    assert [line["call_id"] for line in refusals] == ["CA100", "***23"]  # the second one's is a number
    assert CALLER not in json.dumps(refusals)


STREAM_FORGERIES = {
    "missing": ("", None),
    "forged": ("", lambda s: "forged"),
    "another token": ("", lambda s: sign(s, STREAM, {}, token="not-the-token")),
    "another host": ("", lambda s: sign(s, "wss://evil.example.com/twilio/stream", {})),
    "another path": ("", lambda s: sign(s, "wss://relay.example.com/twilio/voice", {})),
    "a webhook's URL": ("", lambda s: sign(s, BASE + "/twilio/stream", {})),
    "another scheme": ("", lambda s: sign(s, "ws://relay.example.com/twilio/stream", {})),
    "query changed": ("?leg=2", lambda s: sign(s, STREAM + "?leg=1", {})),
    "query added": ("?leg=1", lambda s: sign(s, STREAM, {})),
    "query removed": ("", lambda s: sign(s, STREAM + "?leg=1", {})),
    "signed with parameters": ("", lambda s: sign(s, STREAM, CALL)),
}


@pytest.mark.parametrize("forgery", STREAM_FORGERIES)
def test_the_media_stream_refuses_forged_or_misdirected_signatures(client, services, forgery):
    query, make = STREAM_FORGERIES[forgery]
    headers = {} if make is None else {"X-Twilio-Signature": make(services)}
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect("/twilio/stream" + query, headers=headers) as ws:
        ws.send_text(start_message("CA100"))
    assert refused.value.code == 1008
    nothing_happened(services)


def test_the_media_stream_accepts_a_signature_for_its_url_query_string_included(client, services):
    with client.websocket_connect("/twilio/stream?leg=1",
                                  headers={"X-Twilio-Signature": sign(services, STREAM + "?leg=1", {})}) as ws:
        ws.send_text(start_message("CA100"))
        ws.send_text(twilio_wire.stop_message("MZ1", "CA100", "AC1", 2))
        wait_ended(services, "CA100")


@pytest.mark.parametrize("body, content_type", [
    ("CallSid=CA100&From=" + "9" * 20_000, "application/x-www-form-urlencoded"),
    ("&".join(f"p{i}=1" for i in range(300)), "application/x-www-form-urlencoded"),
    ("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nx\r\n--b--\r\n",
     "multipart/form-data; boundary=b"),
])
def test_a_body_no_twilio_webhook_would_send_is_refused_unread(client, services, body, content_type):
    for path in ROUTES:
        response = client.post(path, content=body, headers={"Content-Type": content_type, "X-Twilio-Signature": "x"})
        assert response.status_code == 400
    nothing_happened(services)


# ---- replays ---------------------------------------------------------------------------------------


def start_message(call_id: str) -> str:
    return twilio_wire.start_message("MZ1", call_id, "AC1", {"from": CALLER, "stt_script": "[]"})


def open_stream(client, services):
    return client.websocket_connect("/twilio/stream", headers={"X-Twilio-Signature": sign(services, STREAM, {})})


def wait_ended(services, call_id: str) -> None:
    deadline = time.monotonic() + 5
    while not any(m.call_id == call_id for m in services.publisher.of_type(CallEnded)):
        assert time.monotonic() < deadline, f"{call_id} did not end"
        time.sleep(0.005)


def state(services) -> tuple:
    """Everything a request could change: call documents, their events, what was published."""
    return copy.deepcopy((services.calls.calls, services.calls.events)), len(services.publisher.published)


def answered_call(client, services, call_id: str = "CA100") -> dict[str, dict[str, str]]:
    """A whole call as Twilio drives it; returns the requests Twilio sent, to replay them."""
    sent = {"voice": {**CALL, "CallSid": call_id},
            "connect-action": {**CALL, "CallSid": call_id, "CallStatus": "in-progress"},
            "status": {**CALL, "CallSid": call_id, "CallStatus": "completed", "CallDuration": "42"}}
    assert "<Stream" in post(client, services, "/twilio/voice", sent["voice"], delivery="delivery-1").text
    with open_stream(client, services) as ws:
        ws.send_text(start_message(call_id))
        ws.send_text(twilio_wire.stop_message("MZ1", call_id, "AC1", 2))
        wait_ended(services, call_id)
    assert "<Hangup" in post(client, services, "/twilio/connect-action", sent["connect-action"]).text
    assert post(client, services, "/twilio/status", sent["status"], delivery="delivery-2").status_code == 204
    return sent


def twiml(response) -> ET.Element:
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


@pytest.mark.parametrize("delivery", ["delivery-1", "another-delivery", ""])
def test_a_replayed_voice_webhook_for_an_ended_call_hangs_up_and_changes_nothing(client, services, delivery):
    """Before: the replay set the ended call back to "ringing" and answered with a stream, so a
    replayed status callback then closed it out again and its post-call work ran twice."""
    sent = answered_call(client, services)
    before = state(services)
    refusal = twiml(post(client, services, "/twilio/voice", sent["voice"], delivery=delivery))
    assert [child.tag for child in refusal] == ["Hangup"]
    assert post(client, services, "/twilio/status", sent["status"], delivery="delivery-2").status_code == 204
    assert state(services) == before
    assert len(services.publisher.of_type(CallEnded)) == 1


def test_twilio_retrying_an_unanswered_voice_webhook_gets_the_same_answer(client, services):
    first = post(client, services, "/twilio/voice", CALL, delivery="delivery-1")
    before = state(services)
    retry = post(client, services, "/twilio/voice", CALL, delivery="delivery-1")
    assert retry.text == first.text and twiml(retry).find("Connect/Stream").get("url") == STREAM
    assert state(services) == before


@pytest.mark.parametrize("delivery", ["another-delivery", ""])
def test_a_replayed_voice_webhook_while_the_call_rings_hangs_up(client, services, delivery):
    post(client, services, "/twilio/voice", CALL, delivery="delivery-1")
    before = state(services)
    assert [c.tag for c in twiml(post(client, services, "/twilio/voice", CALL, delivery=delivery))] == ["Hangup"]
    assert state(services) == before


def test_a_replayed_voice_webhook_during_the_call_hangs_up_and_the_call_goes_on(client, services):
    post(client, services, "/twilio/voice", CALL, delivery="delivery-1")
    with open_stream(client, services) as ws:
        ws.send_text(start_message("CA100"))
        deadline = time.monotonic() + 5
        while services.calls.document("CA100").status != "in-progress":
            assert time.monotonic() < deadline
            time.sleep(0.005)
        replay = post(client, services, "/twilio/voice", CALL, delivery="delivery-1")
        assert [c.tag for c in twiml(replay)] == ["Hangup"]
        ws.send_text(twilio_wire.stop_message("MZ1", "CA100", "AC1", 2))
        wait_ended(services, "CA100")
    assert [e.ended_by for e in services.publisher.of_type(CallEnded)] == ["caller"]


def test_a_replayed_stream_start_for_an_ended_call_is_refused(client, services, logged):
    answered_call(client, services)
    before = state(services)
    with open_stream(client, services) as ws:
        ws.send_text(twilio_wire.connected_message())
        ws.send_text(start_message("CA100"))
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_text()
    assert refused.value.code == 1008
    assert state(services) == before
    [line] = [line for line in logged if "replay" in line["message"]]
    assert line["call_id"] == "CA100" and line["severity"] == "WARNING" and CALLER not in json.dumps(line)


def test_a_second_stream_for_a_live_call_is_refused_and_the_call_goes_on(client, services):
    post(client, services, "/twilio/voice", CALL, delivery="delivery-1")
    with open_stream(client, services) as live:
        live.send_text(start_message("CA100"))
        deadline = time.monotonic() + 5
        while not services.publisher.of_type(CallStarted):
            assert time.monotonic() < deadline
            time.sleep(0.005)
        with open_stream(client, services) as replayed:
            replayed.send_text(start_message("CA100"))
            with pytest.raises(WebSocketDisconnect) as refused:
                replayed.receive_text()
        assert refused.value.code == 1008
        live.send_text(twilio_wire.stop_message("MZ1", "CA100", "AC1", 2))
        wait_ended(services, "CA100")
    assert len(services.publisher.of_type(CallStarted)) == 1
    assert [e.ended_by for e in services.publisher.of_type(CallEnded)] == ["caller"]


def test_a_stream_for_a_call_twilio_already_reported_over_is_refused(client, services):
    """The status callback closed the call out (its stream never started here): a late or replayed
    `start` for it starts nothing."""
    post(client, services, "/twilio/voice", CALL, delivery="delivery-1")
    post(client, services, "/twilio/status", {**CALL, "CallStatus": "no-answer"})
    before = state(services)
    with open_stream(client, services) as ws:
        ws.send_text(start_message("CA100"))
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_text()
    assert refused.value.code == 1008 and state(services) == before


@pytest.mark.parametrize("replayed", [
    {"CallStatus": "completed", "CallDuration": "42"},  # the same callback again
    {"CallStatus": "ringing"}, {"CallStatus": "in-progress"},  # earlier callbacks, late or replayed
    {"CallStatus": "failed"}, {"CallStatus": "some-status-twilio-adds-later"},
])
def test_status_callbacks_after_the_final_one_change_nothing(client, services, replayed):
    answered_call(client, services)
    before = state(services)
    assert post(client, services, "/twilio/status", {**CALL, **replayed}).status_code == 204
    assert state(services) == before
    assert services.calls.document("CA100").twilio_status == "completed"


def test_status_callbacks_only_move_a_call_forward(client, services):
    post(client, services, "/twilio/voice", CALL)
    for status, recorded in [("in-progress", "in-progress"), ("ringing", "in-progress"),
                             ("in-progress", "in-progress"), ("completed", "completed"), ("busy", "completed")]:
        post(client, services, "/twilio/status", {**CALL, "CallStatus": status})
        assert services.calls.document("CA100").twilio_status == recorded
    assert len(services.publisher.of_type(CallEnded)) == 1


def test_a_replayed_connect_action_gets_the_same_answer_and_changes_nothing(client, services):
    sent = answered_call(client, services)
    before = state(services)
    first = post(client, services, "/twilio/connect-action", sent["connect-action"])
    assert post(client, services, "/twilio/connect-action", sent["connect-action"]).text == first.text
    assert state(services) == before


def test_replay_refusals_are_logged_with_the_call_id_and_no_phone_number(client, services, logged):
    sent = answered_call(client, services)
    logged.clear()
    post(client, services, "/twilio/voice", sent["voice"])
    post(client, services, "/twilio/status", sent["status"])
    assert [line["severity"] for line in logged] == ["WARNING", "INFO"]
    assert "replay" in logged[0]["message"] and "ignored" in logged[1]["message"]
    assert all(line["call_id"] == "CA100" for line in logged) and CALLER not in json.dumps(logged)
