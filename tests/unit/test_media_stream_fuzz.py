"""The media-stream WebSocket handler under random frame sequences: after a valid `start`, any mix
of media with payloads of any length, unknown or malformed frames, marks nobody sent, DTMF of any
digit, a second `start`, then `stop`: the call goes on to the end and closes as the caller ended it,
with one CallEnded; nothing escapes the handler. 500 sequences per run, derandomized."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from callbot.messages import CallEnded
from stream_relay import twilio_wire
from stream_relay.app import create_app
from tests.fakes.relay import fake_services

STREAM = "wss://relay.example.com/twilio/stream"


def media(payload: bytes, chunk: int, timestamp: int) -> str:
    frame = json.loads(twilio_wire.media_in_message("MZ1", b"\xff", chunk, timestamp, chunk + 1))
    frame["media"]["payload"] = base64.b64encode(payload).decode()
    return json.dumps(frame)


frames = st.one_of(
    st.builds(media, st.binary(max_size=4000), st.integers(-5, 10**6), st.integers(-(10**6), 10**9)),
    st.builds(lambda digit: twilio_wire.dtmf_message("MZ1", digit, 7), st.text(min_size=1, max_size=3)),
    st.builds(lambda name: twilio_wire.mark_echo_message("MZ1", name, 8), st.text(min_size=1, max_size=20)),
    st.just(twilio_wire.start_message("MZ1", "CA999", "AC1", {"from": "+14155550199"})),
    st.just(twilio_wire.connected_message()),
    st.text(max_size=200),
    st.builds(json.dumps, st.dictionaries(st.sampled_from(["event", "media", "streamSid", "mark"]),
                                          st.text(max_size=10) | st.integers(), max_size=3)),
)


@settings(max_examples=500, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(frames, max_size=25))
def test_any_frames_between_start_and_stop_leave_the_call_to_end_normally(sequence):
    services = fake_services()
    token = services.settings.twilio_auth_token.get_secret_value()
    headers = {"X-Twilio-Signature": RequestValidator(token).compute_signature(STREAM, {})}
    with TestClient(create_app(services)) as client, client.websocket_connect("/twilio/stream", headers=headers) as ws:
        ws.send_text(twilio_wire.connected_message())
        ws.send_text(twilio_wire.start_message("MZ1", "CA200", "AC1", {"from": "+14155550123",
                                                                      "stt_script": "[]"}))
        for frame in sequence:
            ws.send_text(frame)
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 99))
    ended = services.publisher.of_type(CallEnded)
    assert [(e.call_id, e.ended_by) for e in ended] == [("CA200", "caller")]
    assert services.calls.calls["CA200"]["status"] == "completed"
