"""The Twilio wire format, checked against frames recorded in the shape of Twilio's documented examples
(tests/unit/frames/*.json: field order and string-typed numbers as Twilio sends them)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from stream_relay import twilio_wire as wire
from stream_relay.twilio_wire import (
    Clear,
    Connected,
    Dtmf,
    MalformedFrame,
    Mark,
    Media,
    MediaFormat,
    PlayMark,
    PlayMedia,
    Start,
    Stop,
    Unknown,
)

FRAMES = Path(__file__).parent / "frames"
ACCOUNT = "AC3f1c7a9d2e4b6a8c0e2f4a6b8c0d2e4f"
CALL = "CA9b2d4f6a8c0e2a4c6e8a0c2e4a6c8e0a"
STREAM = "MZ5e7a9c1e3a5c7e9a1c3e5a7c9e1a3c5e"
PARAMS = {"FirstName": "Jane", "LastName": "Doe", "RemoteParty": "Bob"}


def recorded(name: str) -> str:
    return (FRAMES / f"{name}.json").read_text()


def recorded_audio() -> bytes:
    return base64.b64decode(json.loads(recorded("media"))["media"]["payload"])


def ordered(value: Any) -> Any:
    """A JSON value with every object turned into its list of (key, value) pairs, so order counts."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


# ---- recorded frames parse to typed frames -----------------------------------------------------------


def test_connected() -> None:
    assert wire.parse_inbound(recorded("connected")) == Connected(protocol="Call", version="1.0.0")


def test_start() -> None:
    frame = wire.parse_inbound(recorded("start"))
    assert frame == Start(
        stream_sid=STREAM,
        call_sid=CALL,
        account_sid=ACCOUNT,
        custom_parameters=PARAMS,
        tracks=("inbound",),
        media_format=MediaFormat(encoding="audio/x-mulaw", sample_rate=8000, channels=1),
        sequence_number=1,
    )


def test_media_payload_is_decoded() -> None:
    frame = wire.parse_inbound(recorded("media"))
    assert isinstance(frame, Media)
    assert (frame.stream_sid, frame.track, frame.chunk, frame.timestamp_ms) == (STREAM, "inbound", 2, 25)
    assert frame.sequence_number == 3
    assert len(frame.audio) == 160


def test_dtmf_mark_stop() -> None:
    assert wire.parse_inbound(recorded("dtmf")) == Dtmf(STREAM, "1", sequence_number=5)
    assert wire.parse_inbound(recorded("mark")) == Mark(STREAM, "my label", sequence_number=4)
    assert wire.parse_inbound(recorded("stop")) == Stop(STREAM, CALL, sequence_number=5)


def test_bytes_are_accepted() -> None:
    assert wire.parse_inbound(recorded("mark").encode()) == Mark(STREAM, "my label", sequence_number=4)


def test_start_without_custom_parameters() -> None:
    raw = json.loads(recorded("start"))
    del raw["start"]["customParameters"]
    frame = wire.parse_inbound(json.dumps(raw))
    assert isinstance(frame, Start) and frame.custom_parameters == {}


def test_integer_fields_may_also_be_json_numbers() -> None:
    raw = json.loads(recorded("media"))
    raw["sequenceNumber"], raw["media"]["chunk"], raw["media"]["timestamp"] = 3, 2, 25
    frame = wire.parse_inbound(json.dumps(raw))
    assert isinstance(frame, Media) and (frame.chunk, frame.timestamp_ms, frame.sequence_number) == (2, 25, 3)


def test_unknown_event() -> None:
    text = json.dumps({"event": "transcription", "streamSid": STREAM, "text": "hi"})
    frame = wire.parse_inbound(text)
    assert frame == Unknown(event="transcription", raw=json.loads(text))


def test_frames_are_hashable() -> None:
    assert len({wire.parse_inbound(recorded(n)) for n in ("start", "media", "stop", "connected")}) == 4


# ---- the Twilio-side builders reproduce the recorded frames exactly --------------------------------------


@pytest.mark.parametrize(
    ("name", "built"),
    [
        ("connected", lambda: wire.connected_message()),
        ("start", lambda: wire.start_message(STREAM, CALL, ACCOUNT, PARAMS, sequence_number=1)),
        ("media", lambda: wire.media_in_message(STREAM, recorded_audio(), 2, 25, sequence_number=3)),
        ("dtmf", lambda: wire.dtmf_message(STREAM, "1", sequence_number=5)),
        ("mark", lambda: wire.mark_echo_message(STREAM, "my label", sequence_number=4)),
        ("stop", lambda: wire.stop_message(STREAM, CALL, ACCOUNT, sequence_number=5)),
        ("outbound_media", lambda: wire.media_message(STREAM, recorded_audio())),
        ("outbound_mark", lambda: wire.mark_message(STREAM, "my label")),
        ("outbound_clear", lambda: wire.clear_message(STREAM)),
    ],
)
def test_builders_match_recorded_frames_field_for_field(name: str, built: Any) -> None:
    assert ordered(json.loads(built())) == ordered(json.loads(recorded(name)))


# ---- round trips ---------------------------------------------------------------------------------------


def test_inbound_round_trips() -> None:
    audio = bytes(range(160))
    assert wire.parse_inbound(wire.media_in_message(STREAM, audio, 7, 140, 9)) == Media(
        STREAM, "inbound", 7, 140, audio, sequence_number=9
    )
    start = wire.parse_inbound(wire.start_message(STREAM, CALL, ACCOUNT, {"lead": "x"}, 1))
    assert isinstance(start, Start) and start.custom_parameters == {"lead": "x"}
    assert wire.parse_inbound(wire.dtmf_message(STREAM, "#", 4)) == Dtmf(STREAM, "#", 4)
    assert wire.parse_inbound(wire.mark_echo_message(STREAM, "seg-3", 5)) == Mark(STREAM, "seg-3", 5)
    assert wire.parse_inbound(wire.stop_message(STREAM, CALL, ACCOUNT, 6)) == Stop(STREAM, CALL, 6)
    assert wire.parse_inbound(wire.connected_message()) == Connected("Call", "1.0.0")


def test_outbound_round_trips() -> None:
    audio = bytes(range(256)) * 3
    assert wire.parse_outbound(wire.media_message(STREAM, audio)) == PlayMedia(STREAM, audio)
    assert wire.parse_outbound(wire.mark_message(STREAM, "seg-1")) == PlayMark(STREAM, "seg-1")
    assert wire.parse_outbound(wire.clear_message(STREAM)) == Clear(STREAM)


def test_recorded_outbound_frames_parse() -> None:
    assert wire.parse_outbound(recorded("outbound_media")) == PlayMedia(STREAM, recorded_audio())
    assert wire.parse_outbound(recorded("outbound_mark")) == PlayMark(STREAM, "my label")
    assert wire.parse_outbound(recorded("outbound_clear")) == Clear(STREAM)


# ---- malformed frames ---------------------------------------------------------------------------------


def _edited(name: str, edit: Any) -> str:
    raw = json.loads(recorded(name))
    edit(raw)
    return json.dumps(raw)


MALFORMED_INBOUND = {
    "not json": "{event: media",
    "json array": '[{"event": "media"}]',
    "json string": '"media"',
    "invalid utf-8": b"\xff\xfe{}",
    "no event": json.dumps({"streamSid": STREAM}),
    "event not a string": json.dumps({"event": 3, "streamSid": STREAM}),
    "media without streamSid": _edited("media", lambda r: r.pop("streamSid")),
    "start without streamSid": _edited("start", lambda r: r.pop("streamSid")),
    "mark without streamSid": _edited("mark", lambda r: r.pop("streamSid")),
    "media payload missing": _edited("media", lambda r: r["media"].pop("payload")),
    "media payload bad base64": _edited("media", lambda r: r["media"].update(payload="not*base64!")),
    "media payload not a string": _edited("media", lambda r: r["media"].update(payload=[1, 2])),
    "media object missing": _edited("media", lambda r: r.pop("media")),
    "chunk not a number": _edited("media", lambda r: r["media"].update(chunk="two")),
    "timestamp negative": _edited("media", lambda r: r["media"].update(timestamp="-5")),
    "timestamp a bool": _edited("media", lambda r: r["media"].update(timestamp=True)),
    "sequenceNumber a float": _edited("media", lambda r: r.update(sequenceNumber=1.5)),
    "start without callSid": _edited("start", lambda r: r["start"].pop("callSid")),
    "start tracks not a list": _edited("start", lambda r: r["start"].update(tracks="inbound")),
    "start parameters not strings": _edited("start", lambda r: r["start"].update(customParameters={"a": 1})),
    "start without mediaFormat": _edited("start", lambda r: r["start"].pop("mediaFormat")),
    "dtmf without digit": _edited("dtmf", lambda r: r["dtmf"].pop("digit")),
    "mark without name": _edited("mark", lambda r: r.update(mark={})),
    "stop without stop": _edited("stop", lambda r: r.pop("stop")),
    "connected without version": _edited("connected", lambda r: r.pop("version")),
}


@pytest.mark.parametrize("text", MALFORMED_INBOUND.values(), ids=MALFORMED_INBOUND.keys())
def test_malformed_inbound_frames_raise(text: str | bytes) -> None:
    with pytest.raises(MalformedFrame):
        wire.parse_inbound(text)


def test_malformed_frame_is_a_value_error() -> None:
    assert issubclass(MalformedFrame, ValueError)


MALFORMED_OUTBOUND = {
    "not json": "nope",
    "json array": "[]",
    "unknown event": json.dumps({"event": "hangup", "streamSid": STREAM}),
    "inbound-only event": recorded("stop"),
    "clear without streamSid": json.dumps({"event": "clear"}),
    "media payload missing": json.dumps({"event": "media", "streamSid": STREAM, "media": {}}),
    "media payload bad base64": json.dumps(
        {"event": "media", "streamSid": STREAM, "media": {"payload": "@@"}}
    ),
    "mark without name": json.dumps({"event": "mark", "streamSid": STREAM, "mark": {}}),
}


@pytest.mark.parametrize("text", MALFORMED_OUTBOUND.values(), ids=MALFORMED_OUTBOUND.keys())
def test_malformed_outbound_frames_raise(text: str) -> None:
    with pytest.raises(MalformedFrame):
        wire.parse_outbound(text)


@pytest.mark.parametrize("digit", ["00", "x", "", "1#"])
def test_a_dtmf_digit_that_no_keypad_has_is_malformed(digit):
    frame = json.loads(wire.dtmf_message("MZ1", "5", 3))
    frame["dtmf"]["digit"] = digit
    with pytest.raises(wire.MalformedFrame):
        wire.parse_inbound(json.dumps(frame))
