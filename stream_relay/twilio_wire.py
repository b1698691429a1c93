"""The Twilio Media Streams WebSocket protocol: JSON text frames in, typed frames out, and back.

This is the only place that knows Twilio's JSON. The relay's socket code calls `parse_inbound` on
each text frame Twilio sends and the `*_message` builders for what it sends back; everything past
this module sees typed frames and raw mu-law bytes (base64 is undone here).

Twilio -> us (documented at https://www.twilio.com/docs/voice/media-streams/websocket-messages):
`connected`, `start`, `media`, `dtmf`, `mark` (the echo of a mark we sent, once the audio before it
has played or been cleared), `stop`. Twilio sends `sequenceNumber`, `media.chunk` and
`media.timestamp` as decimal strings; they are parsed to ints here.

us -> Twilio (bidirectional streams only): `media` (base64 mu-law to play), `mark` (ask for an echo
when playback reaches this point), `clear` (drop buffered audio; pending marks are echoed back).

Our test tooling plays Twilio, so the mirror image is here too: builders for what Twilio sends, in
the field order of Twilio's examples, and `parse_outbound` for what the relay sends.

Errors: every rejected frame raises `MalformedFrame` (a `ValueError`), and nothing else escapes,
whatever the input (tests/unit/test_twilio_wire_fuzz.py): JSON nested too deeply for the parser,
integers of thousands of digits and frames over `MAX_FRAME_BYTES` (`FrameTooLarge`, refused before
any parsing) are malformed too. Integer fields must fit in 63 bits, and a `start`'s call SID must look
like an identifier, since it becomes a document id and a file name. An event name this module does
not know is not an error: it parses to `Unknown`, so a new Twilio event cannot break a live call.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

MULAW_ENCODING = "audio/x-mulaw"
# Twilio's frames are 200-400 bytes (a `start` with our custom parameters a few KB): anything this
# large is not Twilio. The relay's server refuses larger messages too (uvicorn --ws-max-size).
MAX_FRAME_BYTES = 64 * 1024
MAX_INT = 2**63 - 1
SID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class MalformedFrame(ValueError):
    """A frame that is not valid JSON, not an object, or lacks a field its event requires."""


class FrameTooLarge(MalformedFrame):
    """A frame over `MAX_FRAME_BYTES`, refused before it is parsed."""


@dataclass(frozen=True, slots=True)
class MediaFormat:
    encoding: str
    sample_rate: int
    channels: int


# ---- Twilio -> relay ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connected:
    protocol: str
    version: str


@dataclass(frozen=True, slots=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    custom_parameters: dict[str, str] = field(hash=False)
    tracks: tuple[str, ...]
    media_format: MediaFormat
    sequence_number: int | None = None


@dataclass(frozen=True, slots=True)
class Media:
    stream_sid: str
    track: str
    chunk: int
    timestamp_ms: int
    audio: bytes
    sequence_number: int | None = None


@dataclass(frozen=True, slots=True)
class Dtmf:
    stream_sid: str
    digit: str
    sequence_number: int | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    stream_sid: str
    name: str
    sequence_number: int | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    stream_sid: str
    call_sid: str
    sequence_number: int | None = None


@dataclass(frozen=True, slots=True)
class Unknown:
    """An event this module does not model; `raw` is the whole decoded JSON object."""

    event: str
    raw: dict[str, Any] = field(hash=False)


InboundFrame = Connected | Start | Media | Dtmf | Mark | Stop | Unknown


# ---- relay -> Twilio ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayMedia:
    stream_sid: str
    audio: bytes


@dataclass(frozen=True, slots=True)
class PlayMark:
    stream_sid: str
    name: str


@dataclass(frozen=True, slots=True)
class Clear:
    stream_sid: str


OutboundFrame = PlayMedia | PlayMark | Clear


# ---- parsing ----------------------------------------------------------------------------------------


def parse_inbound(text: str | bytes) -> InboundFrame:
    """Parse one frame Twilio sent; raises MalformedFrame, returns Unknown for unknown events."""
    if len(text) > MAX_FRAME_BYTES:
        raise FrameTooLarge(f"a frame of {len(text)} characters, over {MAX_FRAME_BYTES}")
    raw = _load_object(text)
    event = _str(raw, "event", "")
    parser = _INBOUND_PARSERS.get(event)
    if parser is None:
        return Unknown(event=event, raw=raw)
    return parser(raw)


def parse_outbound(text: str | bytes) -> OutboundFrame:
    """Parse one frame the relay sent to Twilio; anything but media, mark or clear is malformed."""
    raw = _load_object(text)
    event = _str(raw, "event", "")
    stream_sid = _str(raw, "streamSid", "")
    if event == "media":
        return PlayMedia(stream_sid, _base64(_object(raw, "media", ""), "payload", "media."))
    if event == "mark":
        return PlayMark(stream_sid, _str(_object(raw, "mark", ""), "name", "mark."))
    if event == "clear":
        return Clear(stream_sid)
    raise MalformedFrame(f"not a frame Twilio accepts: event {event!r}")


def _parse_connected(raw: dict[str, Any]) -> Connected:
    return Connected(protocol=_str(raw, "protocol", ""), version=_str(raw, "version", ""))


def _parse_start(raw: dict[str, Any]) -> Start:
    start = _object(raw, "start", "")
    tracks = start.get("tracks")
    if not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks):
        raise MalformedFrame("start.tracks must be a list of strings")
    params = start.get("customParameters", {})
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise MalformedFrame("start.customParameters must be an object of strings")
    fmt = _object(start, "mediaFormat", "start.")
    media_format = MediaFormat(
        encoding=_str(fmt, "encoding", "start.mediaFormat."),
        sample_rate=_int(fmt, "sampleRate", "start.mediaFormat."),
        channels=_int(fmt, "channels", "start.mediaFormat."),
    )
    call_sid = _str(start, "callSid", "start.")
    if not SID_PATTERN.fullmatch(call_sid):
        raise MalformedFrame(f"start.callSid must be letters, digits, '-' or '_', got {call_sid[:80]!r}")
    return Start(
        stream_sid=_str(raw, "streamSid", ""),
        call_sid=call_sid,
        account_sid=_str(start, "accountSid", "start."),
        custom_parameters=dict(params),
        tracks=tuple(tracks),
        media_format=media_format,
        sequence_number=_sequence_number(raw),
    )


def _parse_media(raw: dict[str, Any]) -> Media:
    media = _object(raw, "media", "")
    return Media(
        stream_sid=_str(raw, "streamSid", ""),
        track=_str(media, "track", "media."),
        chunk=_int(media, "chunk", "media."),
        timestamp_ms=_int(media, "timestamp", "media."),
        audio=_base64(media, "payload", "media."),
        sequence_number=_sequence_number(raw),
    )


DTMF_DIGITS = frozenset("0123456789*#ABCD")


def _parse_dtmf(raw: dict[str, Any]) -> Dtmf:
    digit = _str(_object(raw, "dtmf", ""), "digit", "dtmf.")
    if digit not in DTMF_DIGITS:
        raise MalformedFrame(f"dtmf.digit must be one key of a phone keypad, got {digit!r}")
    return Dtmf(_str(raw, "streamSid", ""), digit, _sequence_number(raw))


def _parse_mark(raw: dict[str, Any]) -> Mark:
    name = _str(_object(raw, "mark", ""), "name", "mark.")
    return Mark(_str(raw, "streamSid", ""), name, _sequence_number(raw))


def _parse_stop(raw: dict[str, Any]) -> Stop:
    call_sid = _str(_object(raw, "stop", ""), "callSid", "stop.")
    return Stop(_str(raw, "streamSid", ""), call_sid, _sequence_number(raw))


_INBOUND_PARSERS = {
    "connected": _parse_connected,
    "start": _parse_start,
    "media": _parse_media,
    "dtmf": _parse_dtmf,
    "mark": _parse_mark,
    "stop": _parse_stop,
}


def _load_object(text: str | bytes) -> dict[str, Any]:
    """orjson: a fifth of the standard parser's time on a media frame. Stricter than it (no NaN, no
    integer over 64 bits, no lone surrogate, at most 1024 levels deep), which Twilio never sends."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as err:  # not JSON, not UTF-8, nested too deeply, or too large an integer
        raise MalformedFrame(f"not JSON: {str(err)[:200]}") from err
    if not isinstance(raw, dict):
        raise MalformedFrame(f"expected a JSON object, got {type(raw).__name__}")
    return raw


def _object(obj: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    value = obj.get(key)
    if not isinstance(value, dict):
        raise MalformedFrame(f"{path}{key} must be an object")
    return value


def _str(obj: dict[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedFrame(f"{path}{key} must be a non-empty string")
    return value


def _int(obj: dict[str, Any], key: str, path: str) -> int:
    """A non-negative integer field of at most 63 bits; Twilio sends most of them as decimal strings."""
    value = obj.get(key)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT:
        return value
    raise MalformedFrame(f"{path}{key} must be an integer or a decimal string of 0 to 2**63 - 1, "
                         f"got {str(value)[:80]!r}")


def _sequence_number(raw: dict[str, Any]) -> int | None:
    return None if raw.get("sequenceNumber") is None else _int(raw, "sequenceNumber", "")


def _base64(obj: dict[str, Any], key: str, path: str) -> bytes:
    value = obj.get(key)
    if not isinstance(value, str):
        raise MalformedFrame(f"{path}{key} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError as err:  # binascii.Error, or a non-ASCII character in the string
        raise MalformedFrame(f"{path}{key} is not valid base64: {err}") from err


# ---- building: what the relay sends ------------------------------------------------------------------


def media_message(stream_sid: str, audio: bytes) -> str:
    """Audio for Twilio to play to the caller: headerless 8 kHz mu-law. Fifty a second per call, so
    written around the payload rather than dumped: the same text as `_dump` of the same object."""
    return f'{_media_head(stream_sid)}{_b64(audio)}"}}}}'


@lru_cache(maxsize=1024)
def _media_head(stream_sid: str) -> str:
    return f'{{"event":"media","streamSid":{json.dumps(stream_sid)},"media":{{"payload":"'


def mark_message(stream_sid: str, name: str) -> str:
    """Ask Twilio to echo `name` back once all audio sent before it has played (or been cleared)."""
    return _dump({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    """Drop all audio Twilio has buffered for this stream (barge-in)."""
    return _dump({"event": "clear", "streamSid": stream_sid})


# ---- building: what Twilio sends (for simulated calls) -----------------------------------------------


def connected_message() -> str:
    return _dump({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def start_message(
    stream_sid: str,
    call_sid: str,
    account_sid: str,
    custom_parameters: dict[str, str] | None = None,
    sequence_number: int = 1,
    tracks: tuple[str, ...] = ("inbound",),
) -> str:
    start = {
        "accountSid": account_sid,
        "streamSid": stream_sid,
        "callSid": call_sid,
        "tracks": list(tracks),
        "customParameters": dict(custom_parameters or {}),
        "mediaFormat": {"encoding": MULAW_ENCODING, "sampleRate": 8000, "channels": 1},
    }
    return _dump(
        {"event": "start", "sequenceNumber": str(sequence_number), "start": start, "streamSid": stream_sid}
    )


def media_in_message(
    stream_sid: str,
    audio: bytes,
    chunk: int,
    timestamp_ms: int,
    sequence_number: int,
    track: str = "inbound",
) -> str:
    media = {"track": track, "chunk": str(chunk), "timestamp": str(timestamp_ms), "payload": _b64(audio)}
    return _dump(
        {"event": "media", "sequenceNumber": str(sequence_number), "media": media, "streamSid": stream_sid}
    )


def dtmf_message(stream_sid: str, digit: str, sequence_number: int) -> str:
    return _dump(
        {
            "event": "dtmf",
            "streamSid": stream_sid,
            "sequenceNumber": str(sequence_number),
            "dtmf": {"track": "inbound_track", "digit": digit},
        }
    )


def mark_echo_message(stream_sid: str, name: str, sequence_number: int) -> str:
    return _dump(
        {
            "event": "mark",
            "sequenceNumber": str(sequence_number),
            "streamSid": stream_sid,
            "mark": {"name": name},
        }
    )


def stop_message(stream_sid: str, call_sid: str, account_sid: str, sequence_number: int) -> str:
    stop = {"accountSid": account_sid, "callSid": call_sid}
    return _dump(
        {"event": "stop", "sequenceNumber": str(sequence_number), "stop": stop, "streamSid": stream_sid}
    )


def _b64(audio: bytes) -> str:
    return base64.b64encode(audio).decode("ascii")


def _dump(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))
