"""`SendGridEmail` through the real sendgrid SDK against the local SendGrid server: the Mail Send
request's shape (the invitation attached as `text/calendar; method=REQUEST`), and SendGrid's errors
mapped onto the project's."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from devtools.processes import free_port, spawn, wait_http_ok
from functions.send_confirmation.bootstrap import make_email
from functions.send_confirmation.invitation import EmailInvitation
from functions.send_confirmation.step import SendConfirmation

pytestmark = pytest.mark.integration

LOG_DIR = Path(__file__).resolve().parents[2] / ".callbot" / "test-logs"

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


def _owed_call(call_id: str, start: datetime, attendee: str) -> MemoryCallRecords:
    """The call's records after a meeting booked tomorrow without inviting `attendee`, who consented."""
    meeting = Meeting(id="alex@northwind.example/evt1", start=start, end=start + timedelta(minutes=30),
                      timezone="America/New_York", rep="Alex Kim", rep_email="alex@northwind.example",
                      attendee_email=attendee, invitation_owed=True)
    call = CallDocument(from_="+14155550123", to="+18885550100", language="en-US", status=CallStatus.COMPLETED,
                        meeting=CallMeeting.model_validate(meeting.model_dump(mode="json")),
                        agent=AgentOutcome(qualification={"email": attendee, "consent": True}))
    return MemoryCallRecords({call_id: call.stored_form()})


def _tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)


def test_the_confirmation_step_emails_the_owed_invitation_once_through_sendgrid(fake):
    admin(fake, "reset", {})
    start = _tomorrow()
    records, sms = _owed_call("CA1", start, "dana@acme.example"), MemorySms()
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


def test_the_deployed_function_emails_through_its_composition_root(fake, monkeypatch):
    from functions_framework import create_app

    from devtools.fake_twilio.server import admin as twilio_admin
    from devtools.fake_twilio.server import running_fake_twilio
    from functions.send_confirmation import bootstrap

    admin(fake, "reset", {})
    records = _owed_call("CA9", _tomorrow(), "sam@blueharbor.example")
    with running_fake_twilio() as twilio:
        monkeypatch.setenv("CALLBOT_TWILIO_API_URL", twilio)
        monkeypatch.setenv("CALLBOT_SENDGRID_API_URL", fake)
        monkeypatch.setenv("CALLBOT_INVITATION_FROM", SENDER)
        monkeypatch.setattr(bootstrap.FirestoreCallRecords, "from_project",
                            classmethod(lambda cls, project_id: records))
        bootstrap.step.cache_clear()
        try:
            source = Path(__file__).resolve().parents[2] / "functions" / "send_confirmation" / "main.py"
            client = create_app(target="send_confirmation", source=str(source)).test_client()
            response = client.post("/", json={"call_id": "CA9", "execution": "e1"})
            assert response.status_code == 200 and response.get_json()["invitation"] == "emailed"
            assert client.post("/", json={"call_id": "CA9", "execution": "e2"}).get_json() == response.get_json()
        finally:
            bootstrap.step.cache_clear()
        [text] = twilio_admin(twilio, "messages")["messages"]
    [message] = admin(fake, "messages")["messages"]
    assert message["to"] == [{"email": "sam@blueharbor.example"}] and message["from"]["email"] == SENDER
    assert "A calendar invitation was emailed to you." in text["body"]


def test_the_server_runs_as_a_module_with_its_own_key():
    port = free_port()
    child = spawn("fake-sendgrid-test", [sys.executable, "-m", "devtools.fake_sendgrid", "--port", str(port),
                                         "--api-key", "SG.other"], LOG_DIR)
    try:
        root = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{root}/__admin/health", timeout_s=15, child=child)
        sent = SendGridEmail("SG.other", root).send(MESSAGE)
        assert [m["message_id"] for m in admin(root, "messages")["messages"]] == [sent.message_id]
        with pytest.raises(EmailRejected, match="401"):
            SendGridEmail(DEV_SENDGRID_API_KEY, root).send(MESSAGE)
    finally:
        child.stop()
