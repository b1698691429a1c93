"""Twilio's HTTP webhooks: the incoming-call webhook answered with TwiML that connects a media
stream, the `<Connect action>` callback after the stream ends, and the call status callback."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from twilio.twiml.voice_response import Connect, VoiceResponse

from callbot.logs import bind_call
from callbot.messages import CallEnded
from stream_relay import signatures
from stream_relay.bootstrap import RelayServices
from stream_relay.call_session import now_ms

log = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio")
TWIML = "application/xml"
ENDED_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
CLOSED_STATUSES = {"completed", "processed", "post_call_failed"}  # the call document's, once a relay closed it


async def _signed_form(request: Request) -> dict[str, str] | None:
    """The form parameters of a request whose signature is valid, else None."""
    services: RelayServices = request.app.state.services
    form = {k: str(v) for k, v in (await request.form()).items()}
    url = signatures.public_url(services.settings, request.url.path, request.url.query)
    if not signatures.is_valid(services.settings, url, form, request.headers.get(signatures.HEADER)):
        log.warning("request with a missing or invalid Twilio signature refused",
                    extra={"path": request.url.path, "call_id": form.get("CallSid")})
        return None
    return form


def _forbidden() -> Response:
    return Response("invalid signature", status_code=403, media_type="text/plain")


@router.post("/voice")
async def voice(request: Request) -> Response:
    form = await _signed_form(request)
    if form is None:
        return _forbidden()
    services: RelayServices = request.app.state.services
    call_id = form.get("CallSid", "")
    with bind_call(call_id):
        language = services.settings.number_languages.get(form.get("To", ""), services.settings.default_language)
        await services.calls.create_call(call_id, {
            "from": form.get("From", ""), "to": form.get("To", ""), "status": "ringing",
            "relay_instance": services.settings.relay_instance, "language": language})
        response = VoiceResponse()
        connect = Connect(action=signatures.public_url(services.settings, "/twilio/connect-action"))
        stream = connect.stream(url=services.settings.stream_url)
        for name, value in (("from", form.get("From", "")), ("to", form.get("To", "")), ("language", language)):
            stream.parameter(name=name, value=value)
        response.append(connect)
        log.info("incoming call answered with a media stream")
    return Response(str(response), media_type=TWIML)


@router.post("/connect-action")
async def connect_action(request: Request) -> Response:
    """After the media stream ends: dial the sales desk if the bot handed the call over, else hang up."""
    form = await _signed_form(request)
    if form is None:
        return _forbidden()
    services: RelayServices = request.app.state.services
    call_id = form.get("CallSid", "")
    response = VoiceResponse()
    with bind_call(call_id):
        call = await services.calls.get_call(call_id) or {}
        number = call.get("transferred_to")
        if call.get("transfer_requested") and number:
            log.info("call handed over to the sales desk")
            response.dial(number)
        else:
            if call.get("transfer_requested"):
                log.error("a handover was requested but no transfer_number is configured; hanging up")
            response.hangup()
    return Response(str(response), media_type=TWIML)


@router.post("/status")
async def status(request: Request) -> Response:
    form = await _signed_form(request)
    if form is None:
        return _forbidden()
    services: RelayServices = request.app.state.services
    call_id, call_status = form.get("CallSid", ""), form.get("CallStatus", "")
    with bind_call(call_id):
        fields: dict[str, object] = {"twilio_status": call_status}
        if form.get("CallDuration"):
            fields["duration_s"] = int(form["CallDuration"])
        await services.calls.update_call(call_id, fields)
        log.info("call status %s", call_status)
        if call_status in ENDED_STATUSES:
            await _close_out(request, call_id, call_status)
    return Response(status_code=204)


async def _close_out(request: Request, call_id: str, call_status: str) -> None:
    """Twilio says the call is over. A stream this relay holds that never sent `stop` is closed here;
    a call no relay closed (the stream never started, or the relay that held it is gone) is marked
    completed and reported with `CallEnded`, so its post-call work still runs. A second `CallEnded`
    for a call starts nothing new."""
    services: RelayServices = request.app.state.services
    reason = f"Twilio reported the call {call_status}"
    session = request.app.state.registry.sessions.get(call_id)
    if session is not None:
        await session.close("caller", reason)
        return
    call = await services.calls.get_call(call_id) or {}
    if call.get("status") in CLOSED_STATUSES:
        return
    log.warning("call ended without a relay closing it; closing it out", extra={"twilio_status": call_status})
    await services.calls.update_call(call_id, {"status": "completed", "ended_by": "error", "end_reason": reason,
                                               "ended_at_ms": now_ms()})
    await asyncio.wrap_future(services.publisher.publish(CallEnded(
        call_id=call_id, turn_seq=0, relay_instance=services.settings.relay_instance, ended_by="error",
        reason=reason, sent_at_ms=now_ms())))
