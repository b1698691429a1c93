"""The calendar invitation emailed after the call, when the meeting was booked without inviting the
caller (`invitation_owed`: credentials that cannot invite). It goes before the text, which then says
it was emailed. Only to a caller who gave an email and agreed to be contacted, about a meeting still
booked and to come.

The email carries the meeting as an iCalendar REQUEST (`callbot.calendar.invitation`) whose UID is
the calendar event's id. SendGrid has no idempotency key, so `invitation_email` on the call document
guards the send, as `confirmation_sms` guards the text:

    (none) --claim--> sending --accepted--> sent          a later run sends nothing
                      sending --5xx, timeout-> unconfirmed   the next attempt sends again
                      sending --refused (4xx)-> rejected     the text says no invitation was emailed
                      sending, stale (a crash) -> sends again

Sending again after an attempt whose answer was lost may deliver the invitation twice; it is the
same event (same UID), which calendars keep once. Each later attempt claims its own number
(`invitation_email.attempts.nN`), and a `sending` younger than `in_flight_s` is left to the attempt
still waiting for the provider (the caller retries). A refusal is not retried: it is logged as an
error with the call id and recorded, and the confirmation goes on without the invitation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from pydantic import EmailStr, TypeAdapter, ValidationError

from callbot.agents.calendar.labels import speak_time
from callbot.calendar import Meeting
from callbot.calendar.invitation import CONTENT_TYPE, FILENAME, event_uid, invitation_ics
from callbot.call_document import CallDocument, InvitationEmail, invitation_attempt_claim, invitation_claim
from callbot.email import Attachment, EmailMessage, EmailPort
from callbot.errors import PermanentError, RetryableError
from callbot.logs import mask
from callbot.post_call.records import CallRecords
from callbot.post_call.settings import PostCallSettings

log = logging.getLogger(__name__)

EMAILED = "emailed"  # the outcome when the invitation went (in this run or an earlier one)
SENDING, SENT, UNCONFIRMED, REJECTED = "sending", "sent", "unconfirmed", "rejected"
IN_FLIGHT_S = 12.0  # more than SendGridEmail's request timeout
_EMAIL = TypeAdapter(EmailStr)


class Invitee(NamedTuple):
    meeting: Meeting
    email: str
    name: str


class EmailInvitation:
    def __init__(self, records: CallRecords, email: EmailPort | None, settings: PostCallSettings,
                 clock: Callable[[], float] = time.time, in_flight_s: float = IN_FLIGHT_S) -> None:
        self._records = records
        self._email = email
        self._settings = settings
        self._clock = clock
        self._in_flight_ms = int(in_flight_s * 1000)

    def __call__(self, call_id: str, call: CallDocument) -> str | None:
        """Email the invitation the call's meeting is owed, once: `EMAILED`, why it was not emailed
        (`rejected`, `no_email`, ...), or None when no invitation is owed."""
        record = call.invitation_email
        if record is None:
            invitee = self._invitee(call)
            if isinstance(invitee, str) or invitee is None:
                return invitee
            now = self._now_ms()
            claimed = InvitationEmail(meeting_id=invitee.meeting.id, uid=event_uid(invitee.meeting), state=SENDING,
                                      attempt=1, claimed_at_ms=now, attempt_at_ms=now)
            current = self._records.claim(call_id, invitation_claim(claimed))
            if current is None:
                return self._send(call_id, call, invitee)
            record = current.invitation_email or claimed
        if record.state == SENT:
            return EMAILED
        if record.state == REJECTED:
            return REJECTED
        if record.state == SENDING and self._now_ms() - (record.attempt_at_ms or 0) < self._in_flight_ms:
            raise RetryableError("another attempt is emailing the invitation right now")
        invitee = self._invitee(call)  # the meeting may have been cancelled since
        if isinstance(invitee, str) or invitee is None:
            return invitee
        number, now = (record.attempt or 1) + 1, self._now_ms()
        if self._records.claim(call_id, invitation_attempt_claim(number, now)) is not None:
            raise RetryableError("another attempt is emailing the invitation right now")
        self._records.update_call(call_id, CallDocument(
            invitation_email=InvitationEmail(state=SENDING, attempt=number, attempt_at_ms=now)))
        return self._send(call_id, call, invitee)

    def _invitee(self, call: CallDocument) -> Invitee | str | None:
        """Who gets the invitation; why nobody does, or None when none is owed."""
        if call.meeting is None or not call.meeting.booked or not call.meeting.invitation_owed:
            return None
        try:
            meeting = call.meeting.calendar_meeting()
        except ValidationError as exc:
            raise PermanentError(f"the call's meeting cannot be read ({exc.error_count()} errors)") from exc
        if meeting.start <= datetime.fromtimestamp(self._clock(), UTC):
            return None
        lead = call.outcome.lead_fields()
        if lead.consent is not True:
            return "no_consent"
        email = meeting.attendee_email or lead.email or ""
        if not _is_email(email):
            return "no_email"
        if not meeting.rep_email:
            return "no_organizer"
        if self._email is None or not self._settings.invitation_from:
            log.warning("a calendar invitation is owed but no sender is set: set CALLBOT_INVITATION_FROM "
                        "and CALLBOT_SENDGRID_API_KEY")
            return "email_not_configured"
        name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
        return Invitee(meeting, email, name)

    def _send(self, call_id: str, call: CallDocument, invitee: Invitee) -> str:
        assert self._email is not None  # _invitee answers email_not_configured without it
        try:
            sent = self._email.send(self._message(call_id, call, invitee))
        except RetryableError as exc:
            self._records.update_call(call_id, CallDocument(
                invitation_email=InvitationEmail(state=UNCONFIRMED, error=str(exc))))
            raise
        except PermanentError as exc:
            self._records.update_call(call_id, CallDocument(
                invitation_email=InvitationEmail(state=REJECTED, error=str(exc))))
            log.error("the calendar invitation to %s was refused, the text goes without it: %s",
                      mask(invitee.email), exc)
            return REJECTED
        self._records.update_call(call_id, CallDocument(invitation_email=InvitationEmail(
            state=SENT, message_id=sent.message_id, sent_at_ms=self._now_ms(), error=None)))
        log.info("calendar invitation emailed to %s: %s", mask(invitee.email), sent.message_id)
        return EMAILED

    def _message(self, call_id: str, call: CallDocument, invitee: Invitee) -> EmailMessage:
        meeting, company = invitee.meeting, self._settings.company_name
        french = (call.language or "en-US").lower().startswith("fr")
        when = speak_time(meeting.start, meeting.timezone, "fr-FR" if french else "en-US")
        if french:
            title = f"{company} : rendez-vous avec {meeting.rep}"
            text = (f"Bonjour,\n\nvotre rendez-vous avec {meeting.rep} est confirmé pour le {when}. Acceptez "
                    f"l'invitation jointe pour l'ajouter à votre agenda.\n\n{company}")
        else:
            title = f"{company}: meeting with {meeting.rep}"
            text = (f"Hello,\n\nyour meeting with {meeting.rep} is confirmed for {when}. Accept the attached "
                    f"invitation to add it to your calendar.\n\n{company}")
        ics = invitation_ics(meeting, title=title, attendee_email=invitee.email, attendee_name=invitee.name,
                             description=text, sent_by=self._settings.invitation_from,
                             stamp=datetime.fromtimestamp(self._clock(), UTC), product=company)
        return EmailMessage(key=f"{call_id}/invitation/{event_uid(meeting)}", to=invitee.email,
                            to_name=invitee.name, from_=self._settings.invitation_from, from_name=company,
                            reply_to=meeting.rep_email, subject=title, text=text,
                            attachments=(Attachment(filename=FILENAME, content_type=CONTENT_TYPE, content=ics),))

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _is_email(text: str) -> bool:
    try:
        _EMAIL.validate_python(text)
    except ValidationError:
        return False
    return True
