"""The calendar invitation emailed after the call when the calendar could not invite the caller
(`invitation_owed`): its iCalendar content, and send_confirmation emailing it once, before the text,
only to a caller who gave an email and agreed to be contacted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from callbot.calendar import Meeting
from callbot.calendar.invitation import CONTENT_TYPE, invitation_ics
from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus, InvitationEmail
from callbot.email import EmailRejected
from callbot.email.memory import MemoryEmail
from callbot.errors import RetryableError
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.sms.memory import MemorySms
from functions.send_confirmation.bootstrap import make_email
from functions.send_confirmation.invitation import EmailInvitation
from functions.send_confirmation.step import SendConfirmation

CALL = "CA0123456789abcdef0123456789abcdef"
CALLER, LINE = "+14155550123", "+18885550100"
SENDER = "meetings@northwind.example"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
OWED = Meeting(id="alex@northwind.example/evt1", start=datetime(2026, 12, 1, 10, 0, tzinfo=NEW_YORK),
               end=datetime(2026, 12, 1, 10, 30, tzinfo=NEW_YORK), timezone="America/New_York", rep="Alex Kim",
               rep_email="alex@northwind.example", attendee_email="dana@acme.example", invitation_owed=True)
EMAILED_WORDS = "A calendar invitation was emailed to you."
NOT_EMAILED_WORDS = "No calendar invitation was emailed to you"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now.timestamp()


def _call(meeting: Meeting = OWED, qualification: dict | None = None, language: str = "en-US") -> dict:
    lead = {"first_name": "Dana", "last_name": "Lee", "name_confirmed": True, "email": "dana@acme.example",
            "consent": True}
    return CallDocument(from_=CALLER, to=LINE, language=language, status=CallStatus.COMPLETED,
                        meeting=CallMeeting.model_validate(meeting.model_dump(mode="json")),
                        agent=AgentOutcome(qualification=lead if qualification is None else qualification)
                        ).stored_form()


def _settings(**values) -> PostCallSettings:
    return PostCallSettings(**{"environment": "dev", "company_name": "Northwind Voice", "sms_from": "",
                               "reschedule_number": "", "sms_enabled": True, "invitation_from": SENDER, **values})


def _step(records, email, sms, clock, **settings) -> SendConfirmation:
    config = _settings(**settings)
    return SendConfirmation(records, sms, config, clock=clock,
                            invitation=EmailInvitation(records, email, config, clock=clock))


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _event(ics: bytes):
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_invitation_is_an_icalendar_request_for_the_calendar_event_in_utc():
    ics = invitation_ics(OWED, title="Northwind Voice: meeting with Alex Kim", attendee_email="dana@acme.example",
                         attendee_name="Dana Lee", sent_by=SENDER, stamp=NOW)
    calendar, event = _event(ics)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert event["UID"] == "evt1"  # the event id, the part of the meeting id after the calendar
    assert b"DTSTART:20261201T150000Z" in ics and b"DTEND:20261201T153000Z" in ics
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    organizer, attendee = event["ORGANIZER"], event["ATTENDEE"]
    assert str(organizer) == "mailto:alex@northwind.example" and organizer.params["CN"] == "Alex Kim"
    assert organizer.params["SENT-BY"] == f"mailto:{SENDER}"
    assert str(attendee) == "mailto:dana@acme.example" and attendee.params["CN"] == "Dana Lee"
    assert attendee.params["RSVP"] == "TRUE" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert event["SUMMARY"] == "Northwind Voice: meeting with Alex Kim" and event["SEQUENCE"] == 0


def test_an_invitation_needs_the_rep_as_organizer():
    with pytest.raises(ValueError):
        invitation_ics(OWED.model_copy(update={"rep_email": ""}), title="t", attendee_email="dana@acme.example",
                       stamp=NOW)


def test_an_owed_invitation_is_emailed_before_the_text_which_says_so(clock):
    records, email, sms = MemoryCallRecords({CALL: _call()}), MemoryEmail(), MemorySms()
    result = _step(records, email, sms, clock)(CALL, {})
    [message] = email.sent
    assert (message.to, message.from_, message.from_name) == ("dana@acme.example", SENDER, "Northwind Voice")
    assert message.reply_to == "alex@northwind.example" and message.to_name == "Dana Lee"
    assert message.key == f"{CALL}/invitation/evt1"
    [attachment] = message.attachments
    assert attachment.content_type == CONTENT_TYPE and attachment.content_type.startswith("text/calendar; method=REQUEST")
    assert _event(attachment.content)[1]["UID"] == "evt1"
    [text] = sms.sent
    assert EMAILED_WORDS in text.body and NOT_EMAILED_WORDS not in text.body
    assert result["sent"] is True and result["invitation"] == "emailed"
    record = records.get_call(CALL).invitation_email
    assert record.state == "sent" and record.uid == "evt1" and record.message_id


def test_the_french_text_says_the_invitation_was_emailed(clock):
    records, email, sms = MemoryCallRecords({CALL: _call(language="fr-FR")}), MemoryEmail(), MemorySms()
    _step(records, email, sms, clock)(CALL, {})
    assert "Une invitation d'agenda vous a été envoyée par e-mail." in sms.sent[0].body
    assert "Acceptez l'invitation jointe" in email.sent[0].text


def test_retries_and_reruns_email_nothing_more(clock):
    records, email, sms = MemoryCallRecords({CALL: _call()}), MemoryEmail(), MemorySms()
    sms.fail_next(RetryableError("Twilio answered 503"))
    with pytest.raises(RetryableError):  # the invitation went, the text did not: the workflow retries
        _step(records, email, sms, clock)(CALL, {})
    clock.now += timedelta(minutes=1)
    _step(records, email, sms, clock)(CALL, {})
    _step(records, email, sms, clock)(CALL, {"call_id": CALL, "execution": "run-2"})
    assert len(email.sent) == 1 and len(sms.sent) == 1 and EMAILED_WORDS in sms.sent[0].body


def test_a_send_that_failed_is_sent_once_on_the_retry(clock):
    records, email, sms = MemoryCallRecords({CALL: _call()}), MemoryEmail(), MemorySms()
    email.fail_next(RetryableError("SendGrid answered 503"))
    with pytest.raises(RetryableError):
        _step(records, email, sms, clock)(CALL, {})
    assert records.get_call(CALL).invitation_email.state == "unconfirmed" and sms.sent == []
    clock.now += timedelta(seconds=30)
    _step(records, email, sms, clock)(CALL, {})
    assert len(email.sent) == 1 and records.get_call(CALL).invitation_email.attempt == 2
    assert EMAILED_WORDS in sms.sent[0].body


def test_an_answer_lost_on_the_way_back_sends_the_same_event_again(clock):
    """SendGrid has no idempotency key: after an unconfirmed send the invitation goes again, with the
    same UID, which calendars keep as one event."""
    records, email, sms = MemoryCallRecords({CALL: _call()}), MemoryEmail(), MemorySms()
    email.accept_then_fail(RetryableError("SendGrid unreachable: TimeoutError"))
    with pytest.raises(RetryableError):
        _step(records, email, sms, clock)(CALL, {})
    clock.now += timedelta(seconds=30)
    _step(records, email, sms, clock)(CALL, {})
    assert [m.key for m in email.sent] == [f"{CALL}/invitation/evt1"] * 2
    assert {_event(m.attachments[0].content)[1]["UID"] for m in email.sent} == {"evt1"}
    assert len(sms.sent) == 1


def test_an_attempt_still_in_flight_is_left_to_finish(clock):
    ms = int(NOW.timestamp() * 1000)
    sending = InvitationEmail(meeting_id=OWED.id, uid="evt1", state="sending", attempt=1, claimed_at_ms=ms,
                              attempt_at_ms=ms)
    records = MemoryCallRecords({CALL: {**_call(), "invitation_email": sending.stored_form()}})
    email, sms = MemoryEmail(), MemorySms()
    with pytest.raises(RetryableError):
        _step(records, email, sms, clock)(CALL, {})
    assert email.sent == [] and sms.sent == []


def test_a_refused_invitation_is_recorded_and_the_text_says_none_was_emailed(clock, caplog):
    records, email, sms = MemoryCallRecords({CALL: _call()}), MemoryEmail(), MemorySms()
    email.fail_next(EmailRejected(403, "from: The from address does not match a verified Sender Identity."))
    result = _step(records, email, sms, clock)(CALL, {})
    assert email.sent == [] and result["invitation"] == "rejected"
    assert NOT_EMAILED_WORDS in sms.sent[0].body
    assert records.get_call(CALL).invitation_email.state == "rejected"
    assert any(r.levelname == "ERROR" and "refused" in r.getMessage() for r in caplog.records)
    _step(records, email, sms, clock)(CALL, {})  # not retried
    assert email.sent == [] and len(sms.sent) == 1


@pytest.mark.parametrize(("call", "settings", "invitation"), [
    (_call(OWED.model_copy(update={"invitation_owed": False})), {}, None),
    (_call(qualification={"email": "dana@acme.example", "consent": False}), {}, "no_consent"),
    (_call(qualification={"email": "dana@acme.example"}), {}, "no_consent"),
    (_call(OWED.model_copy(update={"attendee_email": ""}), qualification={"consent": True}), {}, "no_email"),
    (_call(OWED.model_copy(update={"attendee_email": ""}), qualification={"email": "dana at acme", "consent": True}),
     {}, "no_email"),
    (_call(), {"invitation_from": ""}, "email_not_configured"),
])
def test_nothing_is_emailed_or_claimed_unless_owed_to_a_consenting_caller_with_an_email(
        clock, call, settings, invitation):
    records, email, sms = MemoryCallRecords({CALL: call}), MemoryEmail(), MemorySms()
    result = _step(records, email, sms, clock, **settings)(CALL, {})
    assert email.sent == [] and records.get_call(CALL).invitation_email is None
    assert result.get("invitation") == invitation
    if sms.sent:
        assert EMAILED_WORDS not in sms.sent[0].body


@pytest.mark.parametrize("meeting", [OWED.model_copy(update={"status": "cancelled"}),
                                     OWED.model_copy(update={"start": NOW - timedelta(hours=1),
                                                             "end": NOW - timedelta(minutes=30)})])
def test_no_invitation_for_a_meeting_cancelled_or_passed(clock, meeting):
    records, email, sms = MemoryCallRecords({CALL: _call(meeting)}), MemoryEmail(), MemorySms()
    _step(records, email, sms, clock)(CALL, {})
    assert email.sent == [] and sms.sent == []


def test_the_invitation_goes_even_when_texts_are_switched_off(clock):
    records, email, sms = MemoryCallRecords({CALL: _call()}), MemoryEmail(), MemorySms()
    result = _step(records, email, sms, clock, sms_enabled=False)(CALL, {})
    assert len(email.sent) == 1 and sms.sent == []
    assert result == {"sent": False, "reason": "sms_disabled", "invitation": "emailed"}


def test_email_is_built_only_with_a_sender_and_needs_a_key_outside_dev():
    assert make_email(_settings(invitation_from="")) is None
    assert make_email(_settings()) is not None  # dev: the local server's key
    with pytest.raises(ValueError, match="CALLBOT_SENDGRID_API_KEY"):
        make_email(_settings(environment="prod", project_id="p"))
    assert make_email(_settings(environment="prod", project_id="p", sendgrid_api_key="SG.x")) is not None
