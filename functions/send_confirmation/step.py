"""The confirmation after the call: when a meeting was booked and the caller agreed to be contacted,
one SMS to the caller (at the number they gave to be texted at, else the one they called from) with the meeting's date, time and time zone, the rep, and how to move it (call
back, and the bot reschedules it). When the meeting was booked without inviting the caller
(`invitation_owed`), the calendar invitation is emailed first (`invitation.py`, guarded the same
way), and the text says it was emailed, or, when it could not be, that no invitation was emailed.

Never twice. `confirmation_sms` on the call document guards the send:

    (none) --claim--> sending --Twilio accepted--> sent          a later run answers the recorded result
                      sending --5xx, timeout-----> unconfirmed   the next attempt asks Twilio first
                      sending --refused (4xx)----> rejected      a re-run drafts the message again
                      sending, stale (a crash) --> asks Twilio first

"Asks Twilio first": the messages Twilio accepted for the caller since the claim, still queued or
not, are listed, and one with the same body is recorded as the send instead of sending again. Each later attempt claims its own number
(`confirmation_sms.attempts.nN`), so two attempts never send at once, and a `sending` younger than
`in_flight_s` is left to the attempt that is still waiting for Twilio (the caller retries).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from callbot.agents.calendar.labels import speak_time
from callbot.calendar import Meeting
from callbot.call_document import (
    CallDocument,
    ConfirmationResult,
    ConfirmationSms,
    PostCall,
    PostCallSteps,
    attempt_claim,
    confirmation_claim,
)
from callbot.crm.memory import e164
from callbot.errors import PermanentError, RetryableError
from callbot.logs import mask
from callbot.post_call.records import CallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.sms import SentSms, SmsPort
from functions.send_confirmation.invitation import EMAILED, EmailInvitation

log = logging.getLogger(__name__)

SENDING, SENT, UNCONFIRMED, REJECTED = "sending", "sent", "unconfirmed", "rejected"
IN_FLIGHT_S = 12.0  # more than TwilioSms's request timeout
LOOKUP_SLACK_S = 300  # clock skew between us and Twilio
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def confirmation_text(meeting: Meeting, language: str, reschedule_number: str, company_name: str,
                      invitation_emailed: bool = False) -> str:
    """The SMS body, in the call's language (French for `fr-*`, else English); for a meeting whose
    invitation was owed, whether it has been emailed since."""
    french = language.lower().startswith("fr")
    when = speak_time(meeting.start, meeting.timezone, "fr-FR" if french else "en-US")
    abbreviation = meeting.start.astimezone(ZoneInfo(meeting.timezone)).strftime("%Z")
    if abbreviation[:1] in "+-":
        abbreviation = f"UTC{abbreviation}"
    if french:
        again = f"appelez le {reschedule_number}" if reschedule_number else "rappelez-nous"
        owed = "" if not meeting.invitation_owed else (
            "Une invitation d'agenda vous a été envoyée par e-mail. " if invitation_emailed
            else "Aucune invitation d'agenda ne vous a été envoyée par e-mail : ce SMS vaut confirmation. ")
        return (f"{company_name} : votre rendez-vous avec {meeting.rep} est confirmé pour le {when} "
                f"({abbreviation}). {owed}Pour le déplacer, {again} : notre assistant s'en charge.")
    again = f"call {reschedule_number}" if reschedule_number else "call us back"
    owed = "" if not meeting.invitation_owed else (
        "A calendar invitation was emailed to you. " if invitation_emailed
        else "No calendar invitation was emailed to you: this text is your confirmation. ")
    return (f"{company_name}: your meeting with {meeting.rep} is confirmed for {when} ({abbreviation}). "
            f"{owed}To reschedule, {again} and our assistant will move it for you.")


class SendConfirmation:
    def __init__(self, records: CallRecords, sms: SmsPort, settings: PostCallSettings,
                 clock: Callable[[], float] = time.time, in_flight_s: float = IN_FLIGHT_S,
                 invitation: EmailInvitation | None = None) -> None:
        self._records = records
        self._sms = sms
        self._settings = settings
        self._clock = clock
        self._in_flight_ms = int(in_flight_s * 1000)
        self._invitation = invitation or EmailInvitation(records, None, settings, clock)

    def __call__(self, call_id: str, body: dict[str, Any]) -> dict[str, Any]:
        call = self._records.get_call(call_id)
        if call is None:
            raise PermanentError(f"no call {call_id}")
        invitation = self._invitation(call_id, call)  # first: the text says whether it was emailed
        record = call.confirmation_sms
        if record is None:
            draft = self._draft(call, invitation)
            if isinstance(draft, str):
                return self._skip(call_id, draft, invitation)
            now = self._now_ms()
            claimed = _with(draft, ConfirmationSms(state=SENDING, attempt=1, claimed_at_ms=now, attempt_at_ms=now))
            current = self._records.claim(call_id, confirmation_claim(claimed))
            if current is None:
                return self._send(call_id, claimed, invitation)
            record = current.confirmation_sms or claimed
        return self._resume(call_id, call, record, invitation)

    def _resume(self, call_id: str, call: CallDocument, record: ConfirmationSms,
                invitation: str | None) -> dict[str, Any]:
        state = record.state
        if state == SENT:
            log.info("confirmation already sent (%s)", record.sid)
            return _result(record, invitation).stored_form()
        if not self._settings.sms_enabled:  # switched off since the claim: send nothing more
            return self._skip(call_id, "sms_disabled", invitation)
        if state == SENDING and self._now_ms() - (record.attempt_at_ms or 0) < self._in_flight_ms:
            raise RetryableError("another attempt is sending the confirmation right now")
        draft = None
        if state == REJECTED:  # nothing went out: draft it again (the sender may have been fixed since)
            fresh = self._draft(call, invitation)
            if isinstance(fresh, str):
                return self._skip(call_id, fresh, invitation)
            draft = fresh
        record = self._next_attempt(call_id, record, draft)
        if state != REJECTED:
            found = self._already_sent(record)
            if found is not None:
                log.warning("confirmation found at Twilio after an interrupted attempt: %s", found.sid)
                return self._record_sent(call_id, record, found, invitation, recovered=True)
        return self._send(call_id, record, invitation)

    def _draft(self, call: CallDocument, invitation: str | None) -> ConfirmationSms | str:
        """The message to send, or why there is none."""
        if not self._settings.sms_enabled:
            return "sms_disabled"
        if call.meeting is None:
            return "no_meeting"
        try:
            meeting = call.meeting.calendar_meeting()
        except ValidationError as exc:
            raise PermanentError(f"the call's meeting cannot be read ({exc.error_count()} errors)") from exc
        if not call.meeting.booked:
            return "meeting_cancelled"
        if meeting.start <= datetime.fromtimestamp(self._clock(), UTC):
            return "meeting_passed"
        lead = call.outcome.lead_fields()
        if lead.consent is not True:
            return "no_consent"
        given = e164(lead.phone or "")  # a number they gave to be texted at
        caller, called = given if _E164.match(given) else call.from_ or "", call.to or ""
        if not _E164.match(caller):
            return "no_caller_number"
        sender = self._settings.sms_from or called
        if not sender:
            raise PermanentError("no number to send the confirmation from: set CALLBOT_SMS_FROM")
        language = call.language or "en-US"
        text = confirmation_text(meeting, language, self._settings.reschedule_number or called,
                                 self._settings.company_name, invitation_emailed=invitation == EMAILED)
        return ConfirmationSms(to=caller, from_=sender, body=text, language=language, meeting_id=meeting.id)

    def _next_attempt(self, call_id: str, record: ConfirmationSms, draft: ConfirmationSms | None) -> ConfirmationSms:
        number, now = (record.attempt or 1) + 1, self._now_ms()
        if self._records.claim(call_id, attempt_claim(number, now)) is not None:
            raise RetryableError("another attempt is sending the confirmation right now")
        changes = _with(draft or ConfirmationSms(), ConfirmationSms(state=SENDING, attempt=number, attempt_at_ms=now))
        self._records.update_call(call_id, CallDocument(confirmation_sms=changes))
        return _with(record, changes)

    def _already_sent(self, record: ConfirmationSms) -> SentSms | None:
        since = datetime.fromtimestamp((record.claimed_at_ms or 0) / 1000 - LOOKUP_SLACK_S, UTC)
        return next((m for m in self._sms.sent_to(to=record.to or "", since=since) if m.body == record.body), None)

    def _send(self, call_id: str, record: ConfirmationSms, invitation: str | None) -> dict[str, Any]:
        try:
            sent = self._sms.send(to=record.to or "", from_=record.from_ or "", body=record.body or "")
        except RetryableError as exc:
            self._records.update_call(call_id, CallDocument(
                confirmation_sms=ConfirmationSms(state=UNCONFIRMED, error=str(exc))))
            raise
        except PermanentError as exc:
            self._records.update_call(call_id, CallDocument(
                confirmation_sms=ConfirmationSms(state=REJECTED, error=str(exc))))
            raise
        log.info("confirmation sent to %s: %s", mask(record.to or ""), sent.sid)
        return self._record_sent(call_id, record, sent, invitation)

    def _record_sent(self, call_id: str, record: ConfirmationSms, sent: SentSms, invitation: str | None,
                     recovered: bool = False) -> dict[str, Any]:
        changes = ConfirmationSms(state=SENT, sid=sent.sid, status=sent.status, sent_at_ms=self._now_ms(), error=None)
        if recovered:
            changes.recovered = True
        result = _result(_with(record, changes), invitation)
        self._records.update_call(call_id, CallDocument(
            confirmation_sms=changes, post_call=PostCall(steps=PostCallSteps(send_confirmation=result))))
        return result.stored_form()

    def _skip(self, call_id: str, reason: str, invitation: str | None) -> dict[str, Any]:
        result = ConfirmationResult(sent=False, reason=reason)
        if invitation is not None:
            result.invitation = invitation
        self._records.update_call(call_id, CallDocument(post_call=PostCall(steps=PostCallSteps(send_confirmation=result))))
        log.info("no confirmation to send: %s", reason)
        return result.stored_form()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _with(record: ConfirmationSms, changes: ConfirmationSms) -> ConfirmationSms:
    """`record` with the fields `changes` sets."""
    return record.model_copy(update=changes.model_dump(exclude_unset=True))


def _result(record: ConfirmationSms, invitation: str | None) -> ConfirmationResult:
    """The step's result: no full phone number, since it also travels through the workflow (its
    execution history) and `post_call.steps`; `confirmation_sms` keeps the number."""
    result = ConfirmationResult(sent=True, sid=record.sid, to=mask(record.to or ""), status=record.status,
                                at_ms=record.sent_at_ms)
    if invitation is not None:
        result.invitation = invitation
    return result
