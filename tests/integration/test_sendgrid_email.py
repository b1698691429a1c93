"""`SendGridEmail` through the real sendgrid SDK against the local SendGrid server: the Mail Send
request's shape (the invitation attached as `text/calendar; method=REQUEST`), and SendGrid's errors
mapped onto the project's."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from callbot.calendar import Meeting
from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus
from callbot.email import Attachment, EmailMessage, EmailRejected
from callbot.email.sendgrid_email import SendGridEmail
from callbot.errors import RetryableError
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.settings import DEV_SENDGRID_API_KEY, PostCallSettings
from callbot.sms.memory import MemorySms
from devtools.fake_sendgrid.server import admin, running_fake_sendgrid
from devtools.processes import free_port
from functions.send_confirmation.bootstrap import make_email
from functions.send_confirmation.invitation import EmailInvitation
from functions.send_confirmation.step import SendConfirmation

pytestmark = pytest.mark.integration

SENDER = "meetings@northwind.example"
ICS = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
MESSAGE = EmailMessage(key="CA1/invitation/evt1", to="dana@acme.example", to_name="Dana Lee", from_=SENDER,
                       from_name="Northwind Voice", reply_to="alex@northwind.example", subject="Your meeting",
                       text="See the invitation.",
                       attachments=(Attachment(filename="invite.ics", content=ICS,
                                               content_type="text/calendar; method=REQUEST; charset=UTF-8"),))


@pytest.fixture(scope="module")
def fake():
    with running_fake_sendgrid() as root:
        yield root


@pytest.fixture
def email(fake):
    admin(fake, "reset", {})
    return SendGridEmail(DEV_SENDGRID_API_KEY, fake)


def test_a_message_is_sent_with_sendgrids_request_shape(fake, email):
    sent = email.send(MESSAGE)
    [message] = admin(fake, "messages")["messages"]
    assert sent.message_id == message["message_id"] and sent.key == MESSAGE.key
    assert message["from"] == {"email": SENDER, "name": "Northwind Voice"}
    assert message["to"] == [{"email": "dana@acme.example", "name": "Dana Lee"}]
    assert message["reply_to"] == {"email": "alex@northwind.example"} and message["subject"] == "Your meeting"
    assert message["content"] == [{"type": "text/plain", "value": "See the invitation."}]
    assert message["custom_args"] == {"callbot_key": MESSAGE.key}
    assert message["attachments"] == [{"filename": "invite.ics", "disposition": "attachment",
                                       "type": "text/calendar; method=REQUEST; charset=UTF-8",
                                       "content": ICS.decode()}]


def test_a_request_without_the_api_key_is_refused(fake, email):
    with pytest.raises(EmailRejected) as refused:
        SendGridEmail("SG.wrong", fake).send(MESSAGE)
    assert refused.value.status == 401 and "authorization grant is invalid" in str(refused.value)
    anonymous = urllib.request.Request(f"{fake}/v3/mail/send", data=b"{}", method="POST",
                                       headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as no_key:
        urllib.request.urlopen(anonymous, timeout=5)
    assert no_key.value.code == 401
    assert admin(fake, "messages")["messages"] == []


def test_a_bad_field_is_refused_with_sendgrids_message(fake, email):
    with pytest.raises(EmailRejected) as refused:
        email.send(MESSAGE.model_copy(update={"subject": ""}))
    assert refused.value.status == 400 and "subject" in str(refused.value)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retryable(fake, email, status):
    admin(fake, "fail-next", {"status": status})
    with pytest.raises(RetryableError, match=str(status)):
        email.send(MESSAGE)
    assert email.send(MESSAGE).message_id  # the next one goes


def test_an_unreachable_server_is_retryable():
    with pytest.raises(RetryableError, match="unreachable"):
        SendGridEmail(DEV_SENDGRID_API_KEY, f"http://127.0.0.1:{free_port()}", timeout_s=2).send(MESSAGE)


def test_the_confirmation_step_emails_the_owed_invitation_once_through_sendgrid(fake):
    admin(fake, "reset", {})
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    meeting = Meeting(id="alex@northwind.example/evt1", start=start, end=start + timedelta(minutes=30),
                      timezone="America/New_York", rep="Alex Kim", rep_email="alex@northwind.example",
                      attendee_email="dana@acme.example", invitation_owed=True)
    call = CallDocument(from_="+14155550123", to="+18885550100", language="en-US", status=CallStatus.COMPLETED,
                        meeting=CallMeeting.model_validate(meeting.model_dump(mode="json")),
                        agent=AgentOutcome(qualification={"email": "dana@acme.example", "consent": True}))
    records, sms = MemoryCallRecords({"CA1": call.stored_form()}), MemorySms()
    settings = PostCallSettings(environment="dev", company_name="Northwind Voice", invitation_from=SENDER,
                                sendgrid_api_url=fake, sms_from="", reschedule_number="")
    step = SendConfirmation(records, sms, settings,
                            invitation=EmailInvitation(records, make_email(settings), settings))
    step("CA1", {})
    step("CA1", {})  # a retry of the step
    [message] = admin(fake, "messages")["messages"]
    [attachment] = message["attachments"]
    assert attachment["type"].startswith("text/calendar; method=REQUEST")
    [event] = Calendar.from_ical(attachment["content"]).walk("VEVENT")
    assert event["UID"] == "evt1" and event.decoded("DTSTART") == start
    assert str(event["ATTENDEE"]) == "mailto:dana@acme.example"
    assert "A calendar invitation was emailed to you." in sms.sent[0].body and len(sms.sent) == 1
