"""The Twilio media-stream WebSocket. Twilio's JSON never leaves `twilio_wire`; this module only
routes typed frames to the call's session.

What it refuses, and how (tests/unit/test_media_stream_fuzz.py and test_webhook_security.py):
- a handshake without a valid signature: closed (1008) before it is accepted;
- a first frame other than `connected` that is not a valid `start` (media before `start`, a binary
  frame, garbage): closed (1008);
- a `start` for a call that was already streamed or has ended, on this relay or another (a replayed
  handshake: its signature covers only the stream URL, so it is the same for every stream): closed
  (1008), nothing published, nothing written;
- a frame over `twilio_wire.MAX_FRAME_BYTES`: closed (1009, message too big), and the call ends;
  the server refuses such messages before buffering them too (uvicorn `--ws-max-size`);
- other malformed frames, binary frames, unknown events and a second `start`: logged and skipped;
- caller audio more than `AUDIO_AHEAD_S` ahead of real time: dropped. Twilio sends 20 ms frames as
  the caller speaks, so this never drops a phone line's audio, and it bounds what a call holds
  (recording, speech-to-text and endpointer buffers) by the call's duration, whatever is sent.
"""

from __future__ import annotations

import asyncio
import logging
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from callbot.call_document import CallStatus
from callbot.logs import bind_call
from stream_relay import mulaw, signatures, twilio_wire
from stream_relay.bootstrap import RelayServices
from stream_relay.call_session import CallSession
from stream_relay.replies import CallRegistry
from stream_relay.webhooks import ENDED_STATUSES

log = logging.getLogger(__name__)
router = APIRouter()
NORMAL_CLOSURE = 1000
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
SERVICE_RESTART = 1012  # the server is going away: a graceful relay shutdown
START_TIMEOUT_S = 10
AUDIO_AHEAD_S = 30


class AudioBudget:
    """How much caller audio a call may have received by now: its duration so far plus `ahead_s`."""

    def __init__(self, ahead_s: float = AUDIO_AHEAD_S) -> None:
        self._ahead_s = ahead_s
        self._started = time.monotonic()
        self._allowed = 0.0  # samples allowed when last read: the allowance only grows
        self.received = 0  # samples admitted
        self.dropped_frames = 0

    def admit(self, samples: int) -> bool:
        if self.received + samples > self._allowed:  # the clock is read only when the old allowance is spent
            self._allowed = (time.monotonic() - self._started + self._ahead_s) * mulaw.SAMPLE_RATE
            if self.received + samples > self._allowed:
                self.dropped_frames += 1
                return False
        self.received += samples
        return True


@router.websocket("/twilio/stream")
async def media_stream(websocket: WebSocket) -> None:
    services: RelayServices = websocket.app.state.services
    registry: CallRegistry = websocket.app.state.registry
    url = signatures.stream_url(services.settings, websocket.url.query)
    if not signatures.is_valid(services.settings, url, {}, websocket.headers.get(signatures.HEADER)):
        log.warning("media stream with a missing or invalid Twilio signature refused")
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    try:
        start = await asyncio.wait_for(_read_start(websocket), START_TIMEOUT_S)
    except twilio_wire.FrameTooLarge as exc:
        log.warning("media stream closed before a valid start: %s", exc)
        await _close_quietly(websocket, MESSAGE_TOO_BIG)
        return
    except (TimeoutError, twilio_wire.MalformedFrame, WebSocketDisconnect) as exc:
        log.warning("media stream closed before a valid start: %r", exc)
        await _close_quietly(websocket, POLICY_VIOLATION)
        return
    with bind_call(start.call_sid):
        if await _already_streamed(start.call_sid, services, registry):
            log.warning("media stream start for a call already streamed or ended refused (a replay)",
                        extra={"stream_sid": start.stream_sid})
            await _close_quietly(websocket, POLICY_VIOLATION)
            return
    await _run_call(websocket, start, services, registry)


async def _already_streamed(call_id: str, services: RelayServices, registry: CallRegistry) -> bool:
    """Twilio opens one stream per call and never reopens it: a second `start` is a replay. The call
    document says whether a stream started anywhere (`status` leaves "ringing" when it does) or the
    call is over; the registry covers the moment before this relay's own write lands."""
    if call_id in registry.sessions:
        return True
    call = await services.calls.get_call(call_id)
    if call is None:
        return False
    return call.status not in (None, CallStatus.RINGING) or call.twilio_status in ENDED_STATUSES


async def _next_frame(websocket: WebSocket) -> twilio_wire.InboundFrame:
    """The next frame, parsed. Raises WebSocketDisconnect once the socket is closed, MalformedFrame
    for a frame to skip (binary frames included: Twilio sends text) and FrameTooLarge for one to
    refuse."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", NORMAL_CLOSURE), message.get("reason"))
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        if len(data) > twilio_wire.MAX_FRAME_BYTES:
            raise twilio_wire.FrameTooLarge(f"a binary frame of {len(data)} bytes, over {twilio_wire.MAX_FRAME_BYTES}")
        raise twilio_wire.MalformedFrame(f"a binary frame of {len(data)} bytes; Twilio sends text frames")
    return twilio_wire.parse_inbound(text)


async def _read_start(websocket: WebSocket) -> twilio_wire.Start:
    """Skip `connected`; the first other frame must be `start`."""
    while True:
        frame = await _next_frame(websocket)
        if isinstance(frame, twilio_wire.Connected):
            continue
        if isinstance(frame, twilio_wire.Start):
            return frame
        raise twilio_wire.MalformedFrame(f"expected start, got {type(frame).__name__}")


async def _run_call(websocket: WebSocket, start: twilio_wire.Start, services: RelayServices,
                    registry: CallRegistry) -> None:
    send_lock = asyncio.Lock()

    async def send(text: str) -> None:
        async with send_lock:
            await websocket.send_text(text)

    async def hang_up() -> None:
        await _close_quietly(websocket, NORMAL_CLOSURE)

    with bind_call(start.call_sid):
        session = CallSession(start, services, send, hang_up)
        registry.add(session)
        try:
            await session.begin()
            ended_by, reason = await _receive(websocket, session)
            await session.close(ended_by, reason)
        finally:
            if not session.ended:
                await session.close("error", "relay stopped while the call was up")
            registry.remove(session.call_id)


async def _receive(websocket: WebSocket, session: CallSession) -> tuple[str, str]:
    """Handle frames until the call ends; return who ended it and why."""
    budget = AudioBudget()
    while True:
        try:
            frame = await _next_frame(websocket)
        except (WebSocketDisconnect, RuntimeError) as exc:
            if session.ended:
                return "bot", "the bot ended the call"
            if getattr(exc, "code", None) == SERVICE_RESTART:  # uvicorn closes every socket on SIGTERM
                return "error", "relay shutting down"
            return "error", "socket closed without a stop message"
        except twilio_wire.FrameTooLarge as exc:
            log.warning("stream closed: %s", exc)
            await _close_quietly(websocket, MESSAGE_TOO_BIG)
            return "error", "a frame over the protocol's size limit"
        except twilio_wire.MalformedFrame as exc:
            log.warning("malformed frame skipped: %s", exc)
            continue
        match frame:
            case twilio_wire.Media():
                if budget.admit(len(frame.audio)):
                    await session.on_media(frame)
                elif budget.dropped_frames == 1:
                    log.warning("caller audio ahead of real time dropped", extra={"ahead_s": AUDIO_AHEAD_S})
            case twilio_wire.Mark():
                await session.on_mark(frame.name)
            case twilio_wire.Dtmf():
                await session.on_dtmf(frame.digit)
            case twilio_wire.Stop():
                return "caller", "the stream stopped"
            case _:
                log.info("frame ignored: %s", type(frame).__name__)


async def _close_quietly(websocket: WebSocket, code: int) -> None:
    try:
        await websocket.close(code=code)
    except RuntimeError:
        pass  # already closed: nothing left to do
