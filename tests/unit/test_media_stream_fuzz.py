"""The media-stream WebSocket handler (media_stream.py with call_session.py, fake services) under
random frame sequences, through one relay app as a process would serve them: frames before `start`
(media before start, garbage, binary frames, oversized frames), then a `start` or none, then any mix
of media with payloads of any length (up to ~45 KB, far past Twilio's 160 bytes), frames truncated,
corrupted, wrong-typed, not base64, nested thousands deep, with numbers of thousands of digits,
binary frames, multi-megabyte text frames, out-of-order sequence numbers and timestamps, marks
nobody sent, DTMF of any text, a second `start`, `connected` again, an early `stop`; then `stop` or
a dropped socket.

Each outcome is predicted from `twilio_wire` alone (fuzzed on its own in test_twilio_wire_fuzz.py):
a bad first frame closes the socket (1008, or 1009 if too large) and publishes nothing; otherwise
the call ends exactly once, at the first `stop` (the caller ended it) or oversized frame (1009), or
when the socket drops; the relay holds no session afterwards, and the call's recording never holds
more caller audio than real time allows. Nothing escapes the handler (TestClient re-raises what
does). Memory stays bounded: per call (test_caller_audio_far_ahead_of_real_time_is_dropped, and
the recording check on every sequence) and across calls (test_memory_retained_by_the_relay_...).

1 704 cases per run: 1 700 generated sequences (1 500 + 200) of up to 33 frames, derandomized so a
failure reproduces, and 4 written out. With the 9 509 of test_twilio_wire_fuzz.py, 11 213 in all.
"""

from __future__ import annotations

import base64
import gc
import itertools
import json
import logging
import random
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect
from twilio.request_validator import RequestValidator

from callbot import logs
from callbot.messages import CallEnded, CallStarted
from stream_relay import media_stream, mulaw, twilio_wire
from stream_relay.app import create_app
from stream_relay.twilio_wire import MAX_FRAME_BYTES, FrameTooLarge, MalformedFrame
from tests.fakes.relay import fake_services
from tests.support.wire_strategies import json_values, wrong_typed

ROOT = Path(__file__).resolve().parents[2]
STREAM = "wss://relay.example.com/twilio/stream"
CALL_IDS = itertools.count(1)

# A frame as the test sends it: ("text", str), ("bytes", bytes), or ("start", call id or "" for the
# call's own), since a start must name a call only known when the sequence runs.
OVERSIZED_TEXT = twilio_wire.media_in_message("MZ1", bytes(3 * 2**20), 1, 20, 2)  # a 4 MiB text frame
OVERSIZED_BINARY = bytes(MAX_FRAME_BYTES + 1)
_PAD = '{"event":"media","pad":"', '"}'
JUST_OVER = _PAD[0] + "x" * (MAX_FRAME_BYTES + 1 - len(_PAD[0]) - len(_PAD[1])) + _PAD[1]


def text(frame: str) -> tuple[str, str]:
    return ("text", frame)


def media(payload: bytes, chunk: int, timestamp: int, sequence: int) -> tuple[str, str]:
    """Numbers go out as Twilio's decimal strings: a negative one is malformed."""
    return text(twilio_wire.media_in_message("MZ1", payload, chunk, timestamp, sequence))


def not_base64(payload: str) -> tuple[str, str]:
    frame = json.loads(twilio_wire.media_in_message("MZ1", b"\xff" * 160, 1, 20, 2))
    frame["media"]["payload"] = payload
    return text(json.dumps(frame))


numbers = st.integers(-5, 10**12)
bad_frames = st.one_of(
    st.builds(media, st.binary(max_size=4000), numbers, numbers, numbers),
    st.builds(media, st.integers(8_000, 45_000).map(bytes), numbers, numbers, numbers),
    st.builds(not_base64, st.text(alphabet="A+/=*-_ \u00e9", max_size=64)),
    st.builds(text, wrong_typed()),
    st.builds(lambda frame, cut: text(frame[:cut]), st.sampled_from([twilio_wire.media_in_message(
        "MZ1", b"\xff" * 160, 1, 20, 2), twilio_wire.stop_message("MZ1", "CA1", "AC1", 5)]), st.integers(0, 300)),
    st.builds(text, st.text(max_size=200)),
    st.builds(lambda data: ("bytes", data), st.binary(max_size=300)),
    st.just(("bytes", twilio_wire.media_in_message("MZ1", b"\xff" * 160, 1, 20, 2).encode())),
    st.builds(lambda depth: text("[" * depth), st.integers(900, 20_000)),
    st.builds(lambda digits: text('{"event":"media","sequenceNumber":' + "9" * digits + "}"), st.integers(1, 6_000)),
    st.builds(lambda frame: text(json.dumps(frame)), st.dictionaries(
        st.sampled_from(["event", "media", "streamSid", "mark", "start"]), json_values, max_size=3)),
    st.sampled_from([text(OVERSIZED_TEXT), ("bytes", OVERSIZED_BINARY), text(JUST_OVER)]),
)
call_frames = st.one_of(
    bad_frames,
    st.builds(media, st.just(b"\xff" * 160), numbers, numbers, numbers),  # valid, in any order
    st.builds(lambda digit: text(twilio_wire.dtmf_message("MZ1", digit, 7)), st.text(min_size=1, max_size=3)),
    st.builds(lambda name: text(twilio_wire.mark_echo_message("MZ1", name, 8)), st.text(min_size=1, max_size=20)),
    st.sampled_from([("start", ""), ("start", "CAother"), text(twilio_wire.connected_message()),
                     text('{"event":"unknown-event"}'), text(twilio_wire.stop_message("MZ1", "CAx", "AC1", 9))]),
)
before_start = st.one_of(st.just(text(twilio_wire.connected_message())), bad_frames,
                         st.sampled_from([text(twilio_wire.dtmf_message("MZ1", "5", 2)),
                                          text(twilio_wire.mark_echo_message("MZ1", "m", 2)),
                                          text(twilio_wire.stop_message("MZ1", "CA1", "AC1", 2))]))


def relay_sees(frame: tuple[str, str | bytes]) -> str:
    """What the relay makes of a frame, from the protocol module alone."""
    kind, data = frame
    if kind == "start":
        return "start"
    if kind == "bytes":
        return "too large" if len(data) > MAX_FRAME_BYTES else "skipped"
    try:
        return type(twilio_wire.parse_inbound(data)).__name__.lower()
    except FrameTooLarge:
        return "too large"
    except MalformedFrame:
        return "skipped"


def send(ws, frame: tuple[str, str | bytes], call_id: str) -> None:
    kind, data = frame
    if kind == "start":
        ws.send_text(start_message(data or call_id))
    elif kind == "bytes":
        ws.send_bytes(data)
    else:
        ws.send_text(data)


def start_message(call_id: str) -> str:
    return twilio_wire.start_message("MZ1", call_id, "AC1", {"from": "+14155550123", "stt_script": "[]"})


def headers(services) -> dict[str, str]:
    token = services.settings.twilio_auth_token.get_secret_value()
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(STREAM, {})}


def published_for(services, call_id: str, since: int) -> list:
    return [m for m in services.publisher.published[since:] if m.call_id == call_id]


def wait_for_call_end(services, call_id: str, since: int) -> None:
    deadline = time.monotonic() + 10
    while not any(isinstance(m, CallEnded) for m in published_for(services, call_id, since)):
        assert time.monotonic() < deadline, f"{call_id} did not end"
        time.sleep(0.002)


def expected_outcome(before: list, has_start: bool, during: list, ends_with_stop: bool) -> tuple[str, int | None]:
    """("refused", close code), ("no call", None), or (ended_by, close code or None)."""
    first = next((seen for seen in map(relay_sees, before) if seen != "connected"), None)
    if first is not None:
        return "refused", 1009 if first == "too large" else 1008
    if not has_start:
        return "no call", None
    end = next((seen for seen in map(relay_sees, during) if seen in ("stop", "too large")), None)
    if end == "too large":
        return "error", 1009
    return ("caller" if end == "stop" or ends_with_stop else "error"), None


def run_sequence(client, services, before, has_start, during, ends_with_stop) -> None:
    """Play one stream and check its outcome against the prediction."""
    call_id, since = f"CA{next(CALL_IDS)}", len(services.publisher.published)
    outcome, code = expected_outcome(before, has_start, during, ends_with_stop)
    assume(not any(relay_sees(frame) == "start" for frame in before))  # a start in disguise: rare
    began = time.monotonic()
    with client.websocket_connect("/twilio/stream", headers=headers(services)) as ws:
        ws.send_text(twilio_wire.connected_message())
        for frame in before:
            send(ws, frame, call_id)
        if has_start:  # else the socket drops before any start
            ws.send_text(start_message(call_id))
            for frame in during:
                send(ws, frame, call_id)
            if ends_with_stop:
                ws.send_text(twilio_wire.stop_message("MZ1", call_id, "AC1", 99))
        if code is not None:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()  # no audio is ever sent to these calls: the next message is the close
            assert closed.value.code == code
        if outcome in ("caller", "error") and (code or ends_with_stop or "stop" in map(relay_sees, during)):
            wait_for_call_end(services, call_id, since)  # before the socket closes, which would end it too
    if outcome == "error" and code is None:
        wait_for_call_end(services, call_id, since)
    elapsed = time.monotonic() - began
    messages = published_for(services, call_id, since)
    if outcome in ("refused", "no call"):
        assert messages == [] and call_id not in services.calls.calls
    else:
        assert isinstance(messages[0], CallStarted)
        assert [m.ended_by for m in messages if isinstance(m, CallEnded)] == [outcome]
        assert services.calls.document(call_id).status == "completed"
        recording = services.recordings.calls[call_id]
        assert recording.caller_samples <= (media_stream.AUDIO_AHEAD_S + elapsed) * mulaw.SAMPLE_RATE
    assert call_id not in client.app.state.registry.sessions


@pytest.fixture(scope="module")
def relay():
    services = fake_services()
    with TestClient(create_app(services)) as client:
        yield client, services


@settings(max_examples=1_500, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 3).flatmap(lambda k: st.lists(before_start, min_size=1, max_size=3) if k == 0 else st.just([])),
       st.integers(0, 7).map(bool), st.lists(call_frames, max_size=30), st.booleans())
def test_any_frames_in_any_order_end_the_call_once_or_refuse_it(relay, before, has_start, during, ends_with_stop):
    client, services = relay
    run_sequence(client, services, before, has_start, during, ends_with_stop)


@settings(max_examples=200, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(before_start, min_size=1, max_size=4))
def test_anything_but_start_first_is_refused(relay, before):
    """Media, DTMF, a mark, a stop, a binary or oversized frame before `start`: no call."""
    client, services = relay
    assume(any(relay_sees(frame) != "connected" for frame in before))
    run_sequence(client, services, before, True, [], True)


def test_caller_audio_far_ahead_of_real_time_is_dropped():
    """Nineteen minutes of audio sent in a moment: the call holds at most AUDIO_AHEAD_S more than the
    time that passed, and goes on normally."""
    services = fake_services()
    flood = twilio_wire.media_in_message("MZ1", b"\xff" * 45_000, 1, 20, 2)  # 5.6 s of audio per frame
    with TestClient(create_app(services)) as client:
        began = time.monotonic()
        with client.websocket_connect("/twilio/stream", headers=headers(services)) as ws:
            ws.send_text(start_message("CAflood"))
            for _ in range(200):
                ws.send_text(flood)
            ws.send_text(twilio_wire.stop_message("MZ1", "CAflood", "AC1", 99))
            wait_for_call_end(services, "CAflood", 0)
        elapsed = time.monotonic() - began
    [ended] = services.publisher.of_type(CallEnded)
    assert ended.ended_by == "caller"
    held = services.recordings.calls["CAflood"].caller_samples
    assert 0 < held <= (media_stream.AUDIO_AHEAD_S + elapsed) * mulaw.SAMPLE_RATE < 200 * 45_000


TOO_LARGE = [OVERSIZED_TEXT, JUST_OVER, OVERSIZED_BINARY]
FLOOD_POOL = ["[" * 50_000, '{"event":"media","chunk":' + "9" * 5_000 + "}",
              twilio_wire.media_in_message("MZ1", b"\x00" * 45_000, 1, 20, 2), "{not json", b"\x00\xff" * 500,
              twilio_wire.media_in_message("MZ1", b"\xff" * 160, 3, 60, 4), twilio_wire.dtmf_message("MZ1", "7", 5),
              twilio_wire.mark_echo_message("MZ1", "nobody-sent-this", 6), start_message("CAsecond")]


class FormatAndDiscard(logging.Handler):
    """Logs as production does (formatted as JSON lines, then gone): pytest's own handlers keep every
    record, and with it whatever the record refers to, for its report."""

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


def test_memory_retained_by_the_relay_does_not_grow_with_the_calls_it_served():
    """A batch of 20 calls full of bad frames warms the relay up; three more batches of 20 (each call
    sent 0.8 MB on average: payloads of 45 KB, frames of 4 MiB, 64 KiB + 1 and nested 50 000 deep,
    binary frames) leave it holding less than 256 KiB more (measured: ~22 KiB, the loop-lag
    monitor's window filling). The fakes standing for Firestore, Pub/Sub and storage are emptied
    between batches."""
    services = fake_services()
    rng = random.Random(20261124)
    sent = 0

    def batch(client) -> None:
        nonlocal sent
        for _ in range(20):
            call_id = f"CAmem{next(CALL_IDS)}"
            with client.websocket_connect("/twilio/stream", headers=headers(services)) as ws:
                ws.send_text(start_message(call_id))
                for frame in rng.choices(FLOOD_POOL, k=40) + [rng.choice(TOO_LARGE)] * (rng.random() < 0.3):
                    (ws.send_bytes if isinstance(frame, bytes) else ws.send_text)(frame)
                    sent += len(frame)
                ws.send_text(twilio_wire.stop_message("MZ1", call_id, "AC1", 99))
                wait_for_call_end(services, call_id, 0)
            for fake in (services.calls.calls, services.calls.events, services.publisher.published,
                         services.recordings.calls, services.recordings.store.objects):
                fake.clear()

    root = logging.getLogger()
    handlers, root.handlers = root.handlers, [FormatAndDiscard()]
    root.handlers[0].setFormatter(logs.CloudLoggingFormatter())
    try:
        with TestClient(create_app(services)) as client:
            batch(client)
            gc.collect()
            tracemalloc.start()
            warmed_up = tracemalloc.get_traced_memory()[0]
            for _ in range(3):
                batch(client)
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - warmed_up
            tracemalloc.stop()
            assert client.app.state.registry.sessions == {}
    finally:
        root.handlers = handlers
    assert sent > 60 * 2**20
    assert retained < 256 * 1024, f"{retained / 1024:.0f} KiB retained after 60 calls"


def test_the_relay_servers_cap_websocket_messages_at_the_protocol_limit():
    """uvicorn buffers messages up to --ws-max-size (16 MiB by default) before the relay sees them."""
    stack = (ROOT / "devtools/stack.py").read_text()
    dockerfile = (ROOT / "stream_relay/Dockerfile").read_text()
    assert re.search(r'"--ws-max-size",\s*"(\d+)"', stack).group(1) == str(MAX_FRAME_BYTES)
    assert re.search(r"--ws-max-size (\d+)", dockerfile).group(1) == str(MAX_FRAME_BYTES)


def test_a_binary_frame_of_valid_json_is_skipped_like_any_frame_twilio_would_not_send():
    services = fake_services()
    with TestClient(create_app(services)) as client, \
            client.websocket_connect("/twilio/stream", headers=headers(services)) as ws:
        ws.send_text(start_message("CAbin"))
        ws.send_bytes(twilio_wire.stop_message("MZ1", "CAbin", "AC1", 2).encode())
        ws.send_bytes(base64.b64encode(b"\xff" * 160))
        ws.send_text(twilio_wire.stop_message("MZ1", "CAbin", "AC1", 3))
        wait_for_call_end(services, "CAbin", 0)
    [ended] = services.publisher.of_type(CallEnded)
    assert ended.ended_by == "caller" and ended.reason == "the stream stopped"
