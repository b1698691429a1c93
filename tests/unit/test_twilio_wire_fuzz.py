"""The Twilio media-stream protocol module under random input: whatever a frame holds (random text
or bytes, JSON of any shape, a known event with fields of the wrong types, a valid frame truncated
or corrupted), parsing either returns a frame or raises `MalformedFrame`; nothing else escapes.
About 10 000 cases per run, derandomized so a failure reproduces."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_relay import twilio_wire
from stream_relay.twilio_wire import MalformedFrame

FUZZ = settings(max_examples=2_000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EVENTS = ("connected", "start", "media", "dtmf", "mark", "stop", "clear", "unknown-event", "")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
FIELDS = ("streamSid", "sequenceNumber", "start", "media", "mark", "dtmf", "stop", "protocol", "version",
          "track", "chunk", "timestamp", "payload", "tracks", "customParameters", "mediaFormat", "callSid",
          "accountSid", "name", "digit")
frames = st.fixed_dictionaries({"event": st.sampled_from(EVENTS)},
                               optional={field: json_values for field in FIELDS})
nested = st.fixed_dictionaries({"event": st.sampled_from(EVENTS), "streamSid": st.text(max_size=8),
                                "sequenceNumber": json_values,
                                "media": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
                                "start": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)})
VALID = (twilio_wire.connected_message(),
         twilio_wire.start_message("MZ1", "CA1", "AC1", {"from": "+14155550123"}),
         twilio_wire.media_in_message("MZ1", b"\xff" * 160, 1, 20, 2),
         twilio_wire.dtmf_message("MZ1", "5", 3), twilio_wire.mark_echo_message("MZ1", "m1", 4),
         twilio_wire.stop_message("MZ1", "CA1", "AC1", 5), twilio_wire.media_message("MZ1", b"\x7f" * 160),
         twilio_wire.mark_message("MZ1", "m2"), twilio_wire.clear_message("MZ1"))


def parses_or_refuses(frame: str | bytes) -> None:
    for parse in (twilio_wire.parse_inbound, twilio_wire.parse_outbound):
        try:
            parse(frame)
        except MalformedFrame:
            pass


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_random_text_and_bytes(frame):
    parses_or_refuses(frame)


@FUZZ
@given(frames | nested)
def test_known_events_with_fields_of_any_type(frame):
    parses_or_refuses(json.dumps(frame))


@FUZZ
@given(st.sampled_from(VALID), st.integers(min_value=0, max_value=400), st.binary(min_size=1, max_size=4))
def test_valid_frames_truncated_or_corrupted(frame, cut, noise):
    parses_or_refuses(frame[:cut])
    data = frame.encode()
    position = cut % len(data)
    parses_or_refuses(data[:position] + noise + data[position + len(noise):])


@settings(max_examples=1_000, derandomize=True, deadline=None)
@given(st.sampled_from(("media", "start")), st.text(alphabet="A+/=*-_ \u00e9", max_size=64))
def test_payloads_that_are_not_base64_are_refused_not_crashed(event, payload):
    frame = json.loads(twilio_wire.media_in_message("MZ1", b"\xff" * 160, 1, 20, 2))
    frame["media"]["payload"] = payload
    frame["event"] = event
    parses_or_refuses(json.dumps(frame))


def test_an_oversized_frame_is_parsed_or_refused():
    parses_or_refuses(twilio_wire.media_in_message("MZ1", b"\x00" * 2_000_000, 1, 20, 2))
    parses_or_refuses("{" * 100_000)  # nesting deeper than the JSON parser allows
