"""Twilio's HTTP webhooks: the incoming-call webhook answered with TwiML that connects a media
stream, the `<Connect action>` callback after the stream ends, and the call status callback.

Every request must carry a valid `X-Twilio-Signature` for the public URL it was sent to (path and
query string included) and the parameters it carries, else it is refused with 403 before the call
store is read or written; a body no Twilio webhook would send (a file, over 200 fields, a field over
16 KiB) is refused with 400 as it is parsed. A signature has no timestamp, so a captured request can
be sent again: each route is safe against that, relying on the call document, never on anything
unsigned.

- `/voice` answers a CallSid once. Twilio's `I-Twilio-Idempotency-Token` header identifies one
  webhook delivery, the same on Twilio's retries of it; it is not covered by the signature, so it
  only tells Twilio's own retry of an unanswered request (same token, the call still "ringing":
  answered again, with the same TwiML) from a replay (anything else: `<Hangup/>`). A hang-up rather
  than a 403: the request is authentic, and were it Twilio's, a 403 would play its application-error
  message to the caller and fetch the fallback URL; a hang-up reveals nothing (no stream URL or
  parameters) and writes nothing.
- `/status` only moves a call's Twilio status forward (queued < initiated < ringing < in-progress <
  a final status): a replay, a retry or a late callback changes nothing and publishes nothing.
- `/connect-action` only reads: a replay gets the same TwiML, which only Twilio could act on.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from twilio.twiml.voice_response import Connect, VoiceResponse

from callbot.call_document import CLOSED, CallDocument, CallStatus
from callbot.logs import bind_call, mask
from callbot.messages import CallEnded
from stream_relay import signatures
from stream_relay.bootstrap import RelayServices
from stream_relay.call_session import now_ms

log = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio")
TWIML = "application/xml"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
ENDED_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
STATUS_ORDER = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, **dict.fromkeys(ENDED_STATUSES, 4)}
# Twilio's webhooks carry a few dozen short parameters: anything much larger is refused (400) unread
MAX_FORM_FIELDS, MAX_FIELD_BYTES = 200, 16 * 1024


async def _signed_form(request: Request) -> dict[str, str] | None:
    """The form parameters of a request whose signature is valid, else None."""
    services: RelayServices = request.app.state.services
    form = {k: str(v) for k, v in (await request.form(max_files=0, max_fields=MAX_FORM_FIELDS,
                                                      max_part_size=MAX_FIELD_BYTES)).items()}
    url = signatures.public_url(services.settings, request.url.path, request.url.query)
    if not signatures.is_valid(services.settings, url, form, request.headers.get(signatures.HEADER)):
        log.warning("request with a missing or invalid Twilio signature refused",
                    extra={"path": request.url.path, "call_id": mask(form.get("CallSid", "")[:64])})
        return None
    return form


def _forbidden() -> Response:
    return Response("invalid signature", status_code=403, media_type="text/plain")


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), media_type=TWIML)


@router.post("/voice")
async def voice(request: Request) -> Response:
    form = await _signed_form(request)
    if form is None:
        return _forbidden()
    services: RelayServices = request.app.state.services
    call_id, token = form.get("CallSid", ""), request.headers.get(IDEMPOTENCY_HEADER, "")
    with bind_call(call_id):
        call = await services.calls.get_call(call_id)
        if call is not None and not _is_retry(call, token):
            log.warning("voice webhook for a call already answered refused (a replay): hanging up",
                        extra={"call_status": call.status, "path": request.url.path})
            refusal = VoiceResponse()
            refusal.hangup()
            return _twiml(refusal)
        language = services.settings.number_languages.get(form.get("To", ""), services.settings.default_language)
        if call is None:
            await services.calls.create_call(call_id, CallDocument(
                from_=form.get("From", ""), to=form.get("To", ""), status=CallStatus.RINGING,
                relay_instance=services.settings.relay_instance, language=language, voice_idempotency_token=token))
        response = VoiceResponse()
        connect = Connect(action=signatures.public_url(services.settings, "/twilio/connect-action"))
        stream = connect.stream(url=services.settings.stream_url)
        for name, value in (("from", form.get("From", "")), ("to", form.get("To", "")), ("language", language)):
            stream.parameter(name=name, value=value)
        response.append(connect)
        log.info("incoming call answered with a media stream%s", " again (Twilio retried)" if call else "")
    return _twiml(response)


def _is_retry(call: CallDocument, token: str) -> bool:
    """Twilio's retry of a voice webhook whose answer it did not get: the same delivery's token, and
    no stream started since (a started stream means Twilio had the answer)."""
    return bool(token) and call.voice_idempotency_token == token and call.status == CallStatus.RINGING


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
        call = await services.calls.get_call(call_id) or CallDocument()
        number = call.transferred_to
        if call.transfer_requested and number:
            log.info("call handed over to the sales desk")
            response.dial(number)
        else:
            if call.transfer_requested:
                log.error("a handover was requested but no transfer_number is configured; hanging up")
            response.hangup()
    return _twiml(response)


@router.post("/status")
async def status(request: Request) -> Response:
    form = await _signed_form(request)
    if form is None:
        return _forbidden()
    services: RelayServices = request.app.state.services
    call_id, call_status = form.get("CallSid", ""), form.get("CallStatus", "")
    with bind_call(call_id):
        call = await services.calls.get_call(call_id) or CallDocument()
        recorded = call.twilio_status
        if not _advances(recorded, call_status):
            log.info("status callback ignored: %s after %s (a replay, a retry or out of order)",
                     call_status, recorded)
            return Response(status_code=204)
        if call_status in ENDED_STATUSES:  # before the status is recorded: if this fails, a retry redoes it
            await _close_out(request, call_id, call_status, call)
        changes = CallDocument(twilio_status=call_status)
        if form.get("CallDuration", "").isdigit():
            changes.duration_s = int(form["CallDuration"])
        await services.calls.update_call(call_id, changes)
        log.info("call status %s", call_status)
    return Response(status_code=204)


def _advances(recorded: str | None, new: str) -> bool:
    """Whether Twilio status `new` is later than the one recorded (a status Twilio adds later ranks
    with in-progress)."""
    if recorded is None:
        return True
    return STATUS_ORDER.get(new, 3) > STATUS_ORDER.get(str(recorded), 3)


async def _close_out(request: Request, call_id: str, call_status: str, call: CallDocument) -> None:
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
    if call.status in CLOSED:
        return
    log.warning("call ended without a relay closing it; closing it out", extra={"twilio_status": call_status})
    await services.calls.update_call(call_id, CallDocument(status=CallStatus.COMPLETED, ended_by="error",
                                                           end_reason=reason, ended_at_ms=now_ms()))
    await asyncio.wrap_future(services.publisher.publish(CallEnded(
        call_id=call_id, turn_seq=0, relay_instance=services.settings.relay_instance, ended_by="error",
        reason=reason, sent_at_ms=now_ms())))
