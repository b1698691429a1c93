"""The Twilio media-stream WebSocket. Twilio's JSON never leaves `twilio_wire`; this module only
routes typed frames to the call's session. Bad frames are logged and skipped; a bad first frame
closes the socket cleanly."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from callbot.logs import bind_call
from stream_relay import signatures, twilio_wire
from stream_relay.bootstrap import RelayServices
from stream_relay.call_session import CallSession
from stream_relay.replies import CallRegistry

log = logging.getLogger(__name__)
router = APIRouter()
POLICY_VIOLATION = 1008
START_TIMEOUT_S = 10


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
    except (TimeoutError, twilio_wire.MalformedFrame, WebSocketDisconnect) as exc:
        log.warning("media stream closed before a valid start: %r", exc)
        await _close_quietly(websocket, POLICY_VIOLATION)
        return
    await _run_call(websocket, start, services, registry)


async def _read_start(websocket: WebSocket) -> twilio_wire.Start:
    """Skip `connected`; the first other frame must be `start`."""
    while True:
        frame = twilio_wire.parse_inbound(await websocket.receive_text())
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
        await _close_quietly(websocket, 1000)

    with bind_call(start.call_sid):
        session = CallSession(start, services, send, hang_up)
        registry.sessions[session.call_id] = session
        try:
            await session.begin()
            ended_by, reason = await _receive(websocket, session)
            await session.close(ended_by, reason)
        finally:
            if not session.ended:
                await session.close("error", "relay stopped while the call was up")
            registry.sessions.pop(session.call_id, None)


async def _receive(websocket: WebSocket, session: CallSession) -> tuple[str, str]:
    """Handle frames until the call ends; return who ended it and why."""
    while True:
        try:
            text = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            if session.ended:
                return "bot", "the bot ended the call"
            return "error", "socket closed without a stop message"
        try:
            frame = twilio_wire.parse_inbound(text)
        except twilio_wire.MalformedFrame as exc:
            log.warning("malformed frame skipped: %s", exc)
            continue
        match frame:
            case twilio_wire.Media():
                await session.on_media(frame)
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
