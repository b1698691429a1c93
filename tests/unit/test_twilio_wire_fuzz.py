"""The Twilio media-stream protocol module under random input: whatever a frame holds (random text
or bytes, JSON of any shape, a known event with one field of the wrong type, a valid frame truncated
or corrupted, a payload that is not base64, JSON nested thousands deep, integers of thousands of
digits, call SIDs of any text, frames of any size up to several megabytes), parsing either returns
a well-formed typed frame or raises `MalformedFrame`; nothing else escapes.

9 509 cases per run: 9 500 generated (3 000 + 2 000 + 1 500 + 1 500 + 1 000 + 300 + 200, in the
order of the tests below), derandomized so a failure reproduces, and 9 written out. With the 1 704 of
test_media_stream_fuzz.py, 11 213 in all.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_relay import twilio_wire
from stream_relay.twilio_wire import MAX_FRAME_BYTES, MAX_INT, FrameTooLarge, MalformedFrame
from tests.support.wire_strategies import VALID, json_values, wrong_typed


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


EVENTS = ("connected", "start", "media", "dtmf", "mark", "stop", "clear", "unknown-event", "")
FIELDS = ("streamSid", "sequenceNumber", "start", "media", "mark", "dtmf", "stop", "protocol", "version",
          "track", "chunk", "timestamp", "payload", "tracks", "customParameters", "mediaFormat", "callSid",
          "accountSid", "name", "digit")
frames = st.builds(lambda event, fields: {"event": event, **fields}, st.sampled_from(EVENTS),
                   st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6))
nested = st.fixed_dictionaries({"event": st.sampled_from(EVENTS), "streamSid": st.text(max_size=8),
                                "sequenceNumber": json_values,
                                "media": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
                                "start": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)})
def check_frame(frame: twilio_wire.InboundFrame | twilio_wire.OutboundFrame) -> None:
    """What a parsed frame promises to the code past this module."""
    for name in getattr(frame, "__slots__", ()):
        value = getattr(frame, name)
        if isinstance(value, int) and not isinstance(value, bool):
            assert 0 <= value <= MAX_INT, (name, value)
    if isinstance(frame, (twilio_wire.Media, twilio_wire.PlayMedia)):
        assert isinstance(frame.audio, bytes)
    if isinstance(frame, twilio_wire.Start):
        assert twilio_wire.SID_PATTERN.fullmatch(frame.call_sid)
        assert all(isinstance(v, str) for v in frame.custom_parameters.values())
    if isinstance(frame, twilio_wire.Dtmf):
        assert frame.digit in twilio_wire.DTMF_DIGITS


def parses_or_refuses(frame: str | bytes) -> None:
    for parse in (twilio_wire.parse_inbound, twilio_wire.parse_outbound):
        try:
            check_frame(parse(frame))
        except MalformedFrame:
            pass


@fuzz(3_000)
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_random_text_and_bytes(frame):
    parses_or_refuses(frame)


@fuzz(2_000)
@given(frames | nested)
def test_known_events_with_fields_of_any_type(frame):
    parses_or_refuses(json.dumps(frame))


@fuzz(1_500)
@given(wrong_typed())
def test_valid_frames_with_one_field_of_the_wrong_type(frame):
    parses_or_refuses(frame)


@fuzz(1_500)
@given(st.sampled_from(VALID), st.integers(min_value=0, max_value=400), st.binary(min_size=1, max_size=4))
def test_valid_frames_truncated_or_corrupted(frame, cut, noise):
    parses_or_refuses(frame[:cut])
    data = frame.encode()
    position = cut % len(data)
    parses_or_refuses(data[:position] + noise + data[position + len(noise):])


@fuzz(1_000)
@given(st.sampled_from(("media", "start")), st.text(alphabet="A+/=*-_ \u00e9", max_size=64))
def test_payloads_that_are_not_base64_are_refused_not_crashed(event, payload):
    frame = json.loads(twilio_wire.media_in_message("MZ1", b"\xff" * 160, 1, 20, 2))
    frame["media"]["payload"] = payload
    frame["event"] = event
    parses_or_refuses(json.dumps(frame))


MEDIA = twilio_wire.media_in_message("MZ1", b"\xff" * 160, 111, 222, 333)
PLACEHOLDERS = {"chunk": '"chunk":"111"', "timestamp": '"timestamp":"222"', "sequenceNumber": '"sequenceNumber":"333"'}


@fuzz(300)
@given(st.integers(min_value=1, max_value=20_000), st.sampled_from(("[", '{"a":', '{"event":"media","media":')),
       st.integers(min_value=1, max_value=6_000), st.sampled_from(sorted(PLACEHOLDERS)), st.booleans())
def test_deep_nesting_and_huge_numbers_are_refused(depth, opener, digits, field, quoted):
    """Past the JSON parser's depth limit it raises RecursionError, and past 4 300 digits int() raises
    ValueError: both used to escape parsing (and end the call). Integers must fit in 63 bits."""
    parses_or_refuses(opener * depth)
    number = "9" * digits
    frame = MEDIA.replace(PLACEHOLDERS[field], f'"{field}":' + (f'"{number}"' if quoted else number))
    try:
        media = twilio_wire.parse_inbound(frame)
    except MalformedFrame:
        assert digits > 18
        return
    assert digits <= 18 and int(number) in (media.chunk, media.timestamp_ms, media.sequence_number)


@pytest.mark.parametrize("value", ["-1", '"-1"', str(MAX_INT + 1), f'"{MAX_INT + 1}"', "1.5", "true", '"\u0661"'])
def test_integer_fields_out_of_range_are_refused(value):
    with pytest.raises(MalformedFrame):
        twilio_wire.parse_inbound(MEDIA.replace(PLACEHOLDERS["chunk"], f'"chunk":{value}'))
    assert twilio_wire.parse_inbound(MEDIA.replace(PLACEHOLDERS["chunk"], f'"chunk":{MAX_INT}')).chunk == MAX_INT


@fuzz(200)
@given(st.text(min_size=1, max_size=80))
def test_a_start_names_its_call_with_an_identifier_or_is_refused(call_sid):
    """The call SID becomes a Firestore document id and a recording's file name: no '/', no '..'."""
    frame = json.loads(twilio_wire.start_message("MZ1", "CA1", "AC1"))
    frame["start"]["callSid"] = call_sid
    try:
        start = twilio_wire.parse_inbound(json.dumps(frame))
    except MalformedFrame:
        assert not twilio_wire.SID_PATTERN.fullmatch(call_sid)
        return
    assert start.call_sid == call_sid and "/" not in call_sid and "." not in call_sid


def test_frames_over_the_size_limit_are_refused_before_parsing():
    prefix, suffix = '{"event":"unknown-event","pad":"', '"}'
    at_limit = prefix + "x" * (MAX_FRAME_BYTES - len(prefix) - len(suffix)) + suffix
    assert isinstance(twilio_wire.parse_inbound(at_limit), twilio_wire.Unknown)
    for frame in (at_limit[:-2] + 'x"}', at_limit.encode()[:-2] + b'x"}',
                  twilio_wire.media_in_message("MZ1", b"\x00" * 3 * 2**20, 1, 20, 2),
                  "[" * 5 * 2**20):
        try:
            twilio_wire.parse_inbound(frame)
        except FrameTooLarge:
            continue
        raise AssertionError(f"a frame of {len(frame)} was not refused")


def test_an_oversized_or_deep_frame_is_refused_by_both_parsers():
    parses_or_refuses(twilio_wire.media_in_message("MZ1", b"\x00" * 2_000_000, 1, 20, 2))
    parses_or_refuses("[" * 100_000)  # nested deeper than the JSON parser allows
