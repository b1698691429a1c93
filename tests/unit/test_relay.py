"""The relay's webhooks and media stream with fake services (no network, no emulators)."""

import asyncio
import time
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from callbot.call_document import CallDocument, CallStatus
from callbot.messages import BotSpeech, CallEnded, CallStarted, DtmfReceived, UserUtterance
from stream_relay import mulaw, twilio_wire
from stream_relay.app import create_app
from stream_relay.speech.synthetic_voice import synthesize_mulaw
from tests.fakes.relay import fake_services
from tests.support.relay_stream import BASE, STREAM, open_stream, sign, speak, start, wait_published


@pytest.fixture
def services(request):
    return fake_services(loop_round_ms=getattr(request, "param", 0))


@pytest.fixture
def client(services):
    with TestClient(create_app(services)) as test_client:
        yield test_client


CALL = {"CallSid": "CA100", "From": "+14155550123", "To": "+14155550100", "AccountSid": "AC1"}


def test_voice_webhook_answers_signed_requests_with_a_media_stream(client, services):
    response = client.post("/twilio/voice", data=CALL,
                           headers={"X-Twilio-Signature": sign(services, f"{BASE}/twilio/voice", CALL)})
    assert response.status_code == 200
    root = ET.fromstring(response.text)
    connect = root.find("Connect")
    assert connect.get("action") == f"{BASE}/twilio/connect-action"
    stream = connect.find("Stream")
    assert stream.get("url") == STREAM
    assert {p.get("name"): p.get("value") for p in stream.findall("Parameter")}["from"] == "+14155550123"
    assert services.calls.document("CA100").status == "ringing"


@pytest.mark.parametrize("signature", [None, "forged", "signed-for-another-host"])
def test_voice_webhook_refuses_missing_or_forged_signatures(client, services, signature):
    headers = {}
    if signature == "forged":
        headers["X-Twilio-Signature"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
    elif signature:
        headers["X-Twilio-Signature"] = sign(services, "http://testserver/twilio/voice", CALL)
    response = client.post("/twilio/voice", data=CALL, headers=headers)
    assert response.status_code == 403
    assert "CA100" not in services.calls.calls


def test_connect_action_hangs_up_and_status_callback_is_recorded(client, services):
    params = {**CALL, "CallStatus": "completed", "CallDuration": "42"}
    hangup = client.post("/twilio/connect-action", data=params,
                         headers={"X-Twilio-Signature": sign(services, f"{BASE}/twilio/connect-action", params)})
    assert "<Hangup" in hangup.text
    status = client.post("/twilio/status", data=params,
                         headers={"X-Twilio-Signature": sign(services, f"{BASE}/twilio/status", params)})
    assert status.status_code == 204
    assert services.calls.document("CA100").duration_s == 42


def test_media_stream_refuses_a_forged_signature(client):
    with (pytest.raises(WebSocketDisconnect) as refused,
          client.websocket_connect("/twilio/stream", headers={"X-Twilio-Signature": "forged"}) as ws):
        ws.receive_text()
    assert refused.value.code == 1008


def test_a_bad_first_frame_closes_the_socket_cleanly(client, services):
    with open_stream(client, services) as ws:
        ws.send_text("{not json")
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    assert services.publisher.published == []


@pytest.mark.parametrize("services", [0, 10], indirect=True, ids=["loop-at-once", "loop-in-rounds"])
def test_a_call_through_the_media_stream(client, services):
    publisher = services.publisher
    with open_stream(client, services) as ws:
        start(ws, services, ["I need a demo"])
        ws.send_text('{"event": "unknown-event"}')
        ws.send_text("garbage")  # logged and skipped, the call goes on
        speak(ws, "I need a demo")
        ws.send_text(twilio_wire.dtmf_message("MZ1", "5", 1))
        wait_published(services, DtmfReceived)
        stale = BotSpeech(call_id="CA200", turn_seq=1, relay_instance="test-relay", segment=0, text="Stale.")
        services.replies.deliver(stale)  # a reply to a turn the caller has moved on from
        reply = BotSpeech(call_id="CA200", turn_seq=2, relay_instance="test-relay", segment=0, text="Sure.")
        services.replies.deliver(reply)
        services.replies.deliver(reply)  # a duplicate delivery
        services.replies.deliver(BotSpeech(call_id="CA-other", turn_seq=1, relay_instance="x", segment=0,
                                           text="Not yours."))
        frames = []
        while True:
            frame = twilio_wire.parse_outbound(ws.receive_text())
            if isinstance(frame, twilio_wire.PlayMark):
                break
            frames.append(frame)
        assert frame.name == "2.0.end"
        assert sum(len(f.audio) for f in frames) == len(b"".join(mulaw.frames(synthesize_mulaw("Sure.")))) > 0
        assert {len(f.audio) for f in frames[:-1]} == {2 * mulaw.FRAME_BYTES}  # 40 ms a message
        ws.send_text(twilio_wire.mark_echo_message("MZ1", frame.name, 2))
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
    kinds = [type(m) for m in publisher.published]
    assert kinds[0] is CallStarted and kinds[-1] is CallEnded
    [utterance] = publisher.of_type(UserUtterance)
    assert (utterance.text, utterance.turn_seq, utterance.relay_instance) == ("I need a demo", 1, "test-relay")
    [dtmf] = publisher.of_type(DtmfReceived)
    assert dtmf.digit == "5" and dtmf.turn_seq == 2
    assert publisher.of_type(CallEnded)[0].ended_by == "caller"
    events = services.calls.events["CA200"]
    assert events["caller-0001"]["text"] == "I need a demo"
    assert events["bot-0002-00"]["heard"] == "Sure." and not events["bot-0002-00"]["interrupted"]
    assert "bot-0001-00" not in events
    latency = events["latency-0002"]  # the DTMF turn: no speech, so only the reply path counts
    stages = [v for k, v in latency.items() if k.endswith("_ms") and k not in ("total_ms", "at_ms")]
    assert all(v >= 0 for v in stages), latency
    assert latency["turn_seq"] == 2
    assert services.calls.document("CA200").status == "completed"


def test_caller_speech_during_playback_clears_it_and_drops_the_rest_of_the_reply(client, services):
    with open_stream(client, services) as ws:
        start(ws, services, ["Wait, one more thing"])
        long_text = "This is a rather long sentence that the caller will not let the bot finish saying."
        for segment, text in enumerate([long_text, "And another one."]):
            services.replies.deliver(BotSpeech(call_id="CA200", turn_seq=0, relay_instance="test-relay",
                                               segment=segment, text=text, is_last=segment == 1))
        assert isinstance(twilio_wire.parse_outbound(ws.receive_text()), twilio_wire.PlayMedia)
        speak(ws, "Wait, one more thing", silence_ms=0)
        seen = []
        while not seen or not isinstance(seen[-1], twilio_wire.Clear):
            seen.append(twilio_wire.parse_outbound(ws.receive_text()))
        assert not any(isinstance(f, twilio_wire.PlayMark) for f in seen)
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
    bot = services.calls.events["CA200"]["bot-0000-00"]
    assert bot["interrupted"] and len(bot["heard"]) < len(long_text)
    assert "bot-0000-01" not in services.calls.events["CA200"]


def test_bot_ending_the_call_closes_the_stream_after_the_goodbye_played(client, services):
    with open_stream(client, services) as ws:
        start(ws, services, [])
        services.replies.deliver(BotSpeech(call_id="CA200", turn_seq=0, relay_instance="test-relay", segment=0,
                                           text="Goodbye.", is_last=True, end_call=True))
        while not isinstance(frame := twilio_wire.parse_outbound(ws.receive_text()), twilio_wire.PlayMark):
            pass
        ws.send_text(twilio_wire.mark_echo_message("MZ1", frame.name, 2))
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    [ended] = services.publisher.of_type(CallEnded)
    assert ended.ended_by == "bot"


def test_health_endpoint(client):
    time.sleep(0.1)
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["calls"] == 0
    assert health["loop_lag_p99_ms"] is not None


def test_a_status_callback_closes_a_call_whose_stream_never_stopped(client, services):
    with open_stream(client, services) as ws:
        start(ws, services, [])
        params = {**CALL, "CallSid": "CA200", "CallStatus": "completed"}
        client.post("/twilio/status", data=params,
                    headers={"X-Twilio-Signature": sign(services, f"{BASE}/twilio/status", params)})
        [ended] = services.publisher.of_type(CallEnded)
        assert ended.ended_by == "caller" and "completed" in ended.reason
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
    assert len(services.publisher.of_type(CallEnded)) == 1  # the late stop changes nothing


def test_a_call_no_relay_closed_is_closed_out_by_the_status_callback(client, services):
    """The stream never started here (or its relay is gone): the call is marked completed and
    CallEnded is published, so the post-call work still runs; a second callback adds nothing."""
    params = {**CALL, "CallSid": "CA300", "CallStatus": "no-answer"}
    headers = {"X-Twilio-Signature": sign(services, f"{BASE}/twilio/status", params)}
    asyncio.run(services.calls.create_call("CA300", CallDocument(status=CallStatus.RINGING)))
    assert client.post("/twilio/status", data=params, headers=headers).status_code == 204
    [ended] = services.publisher.of_type(CallEnded)
    assert (ended.call_id, ended.ended_by) == ("CA300", "error") and "no-answer" in ended.reason
    assert services.calls.document("CA300").status == "completed"
    client.post("/twilio/status", data=params, headers=headers)
    assert len(services.publisher.of_type(CallEnded)) == 1


def test_the_call_document_is_closed_before_call_ended_is_published(client, services):
    with open_stream(client, services) as ws:
        start(ws, services, [])
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))
    wait_published(services, CallEnded)
    assert services.calls.document("CA200").status == "completed"
    assert services.calls.document("CA200").ended_at_ms
