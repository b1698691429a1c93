"""`TwilioSms` through the real twilio SDK against the local Twilio Messaging server: sending, finding
a message again by recipient and time, and Twilio's errors mapped onto the project's."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from callbot.calendar import Meeting
from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus, ConfirmationSms
from callbot.errors import PermanentError, RetryableError
from callbot.post_call.records import FirestoreCallRecords, MemoryCallRecords
from callbot.post_call.settings import DEV_TWILIO_ACCOUNT_SID, PostCallSettings
from callbot.settings import DEV_TWILIO_AUTH_TOKEN
from callbot.sms import SmsRejected
from callbot.sms.twilio_sms import TwilioSms
from devtools.fake_twilio.server import admin, running_fake_twilio
from devtools.processes import free_port, spawn, wait_http_ok
from functions.send_confirmation.step import SendConfirmation

pytestmark = pytest.mark.integration

DANA, SAM, LINE = "+14155550123", "+14155550199", "+18885550100"
LOG_DIR = Path(__file__).resolve().parents[2] / ".callbot" / "test-logs"


@pytest.fixture(scope="module")
def fake():
    with running_fake_twilio() as root:
        yield root


@pytest.fixture
def sms(fake):
    admin(fake, "reset", {})
    return TwilioSms(DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, fake)


def _ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def test_a_text_is_sent_with_twilios_message_shape(fake, sms):
    sent = sms.send(to=DANA, from_=LINE, body="Your meeting is confirmed.")
    assert sent.sid.startswith("SM") and len(sent.sid) == 34 and sent.status == "queued"
    assert (sent.to, sent.from_, sent.body) == (DANA, LINE, "Your meeting is confirmed.")
    assert abs(sent.date_created - datetime.now(UTC)) < timedelta(seconds=5)
    [message] = admin(fake, "messages")["messages"]
    assert message["sid"] == sent.sid and message["direction"] == "outbound-api" and message["num_segments"] == "1"
    assert message["account_sid"] == DEV_TWILIO_ACCOUNT_SID and message["uri"].endswith(f"/Messages/{sent.sid}.json")


def test_sent_messages_are_found_by_recipient_and_time(sms):
    first = sms.send(to=DANA, from_=LINE, body="one")
    sms.send(to=SAM, from_=LINE, body="for someone else")
    second = sms.send(to=DANA, from_=LINE, body="two")
    found = sms.sent_to(to=DANA, since=_ago(1).astimezone(ZoneInfo("America/Los_Angeles")))
    assert {m.sid for m in found} == {first.sid, second.sid} and all(m.status == "sent" for m in found)
    assert sms.sent_to(to=DANA, since=datetime.now(UTC) + timedelta(hours=1)) == []


def test_a_message_still_queued_is_found_by_recipient_and_time(fake, sms):
    admin(fake, "queue", {"hold": True})  # Twilio keeps it queued, with no DateSent, until it goes out
    queued = sms.send(to=DANA, from_=LINE, body="Your meeting is confirmed.")
    assert [(m.sid, m.status) for m in sms.sent_to(to=DANA, since=_ago(1))] == [(queued.sid, "queued")]
    admin(fake, "queue", {"hold": False})
    assert [(m.sid, m.status) for m in sms.sent_to(to=DANA, since=_ago(1))] == [(queued.sid, "sent")]


def test_the_adapter_logs_no_phone_number(sms, caplog):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="callbot")
    sms.send(to=DANA, from_=LINE, body="hello")
    sms.sent_to(to=DANA, since=_ago(1))
    assert "Twilio answered 200" in caplog.text and DANA[2:] not in caplog.text and LINE[2:] not in caplog.text


def test_every_page_of_a_long_list_is_read(sms):
    for n in range(55):  # more than one page of 50
        sms.send(to=DANA, from_=LINE, body=f"text {n}")
    assert len(sms.sent_to(to=DANA, since=_ago(1))) == 55


@pytest.mark.parametrize("status", [503, 429, 500])
def test_twilio_unavailable_is_retryable(fake, sms, status):
    admin(fake, "fail-next", {"status": status, "count": 2})
    for _ in range(2):
        with pytest.raises(RetryableError, match=str(status)):
            sms.send(to=DANA, from_=LINE, body="hello")
    assert sms.send(to=DANA, from_=LINE, body="hello").sid
    assert len(admin(fake, "messages")["messages"]) == 1


def test_a_failed_lookup_is_retryable(fake, sms):
    admin(fake, "fail-next", {"status": 503, "scope": "all"})
    with pytest.raises(RetryableError):
        sms.sent_to(to=DANA, since=_ago(1))


@pytest.mark.parametrize(("to", "body", "code"), [
    ("4155550123", "hello", 21211),
    (DANA, "", 21602),
    (LINE, "hello", 21266),
])
def test_a_text_twilio_refuses_is_permanent_with_its_code(fake, sms, to, body, code):
    with pytest.raises(SmsRejected) as refused:
        sms.send(to=to, from_=LINE, body=body)
    assert refused.value.code == code and isinstance(refused.value, PermanentError)
    assert admin(fake, "messages")["messages"] == []


def test_an_unsubscribed_recipient_is_permanent(fake, sms):
    admin(fake, "opt-out", {"number": DANA})
    with pytest.raises(SmsRejected, match="21610"):
        sms.send(to=DANA, from_=LINE, body="hello")


def test_wrong_credentials_are_permanent(fake):
    wrong = TwilioSms(DEV_TWILIO_ACCOUNT_SID, "not-the-token", fake)
    with pytest.raises(SmsRejected) as refused:
        wrong.send(to=DANA, from_=LINE, body="hello")
    assert refused.value.code == 20003
    with pytest.raises(PermanentError, match="20003"):
        wrong.sent_to(to=DANA, since=_ago(1))


def test_an_unreachable_twilio_is_retryable():
    nowhere = TwilioSms(DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RetryableError, match="unreachable"):
        nowhere.send(to=DANA, from_=LINE, body="hello")


def _booked(meeting: Meeting, **fields) -> CallDocument:
    """A call in which the caller booked `meeting` and agreed to be contacted."""
    return CallDocument(from_=DANA, to=LINE, meeting=CallMeeting.model_validate(meeting.model_dump(mode="json")),
                        agent=AgentOutcome(qualification={"consent": True}), **fields)


@pytest.mark.parametrize("held", [False, True], ids=["sent", "still-queued"])
def test_the_confirmation_step_recovers_an_interrupted_send_through_twilios_list(fake, sms, held):
    admin(fake, "queue", {"hold": held})
    start = datetime.now(UTC) + timedelta(days=1)
    meeting = Meeting(id="evt1", start=start, end=start + timedelta(minutes=30), timezone="America/New_York",
                      rep="Alex Kim")
    records = MemoryCallRecords({"CA1": _booked(meeting, language="en-US").stored_form()})
    settings = PostCallSettings(environment="dev", sms_from="", reschedule_number="")
    step = SendConfirmation(records, sms, settings)
    sent = step("CA1", {})
    # as if the process had died before recording Twilio's answer, a minute ago
    minute_ago = int(_ago(1).timestamp() * 1000)
    records.update_call("CA1", CallDocument(confirmation_sms=ConfirmationSms(
        state="sending", attempt_at_ms=minute_ago, claimed_at_ms=minute_ago)))
    again = step("CA1", {})
    assert again["sid"] == sent["sid"] and records.get_call("CA1").confirmation_sms.recovered is True
    assert [(m["to"], m["status"]) for m in admin(fake, "messages")["messages"]] == [
        (DANA, "queued" if held else "sent")]


def test_the_confirmation_step_on_firestore_sends_once_through_failures_and_reruns(firestore_emulator, unique,
                                                                                 fake, sms):
    start = datetime.now(UTC) + timedelta(days=2)
    meeting = Meeting(id="evt2", start=start, end=start + timedelta(minutes=30), timezone="Europe/Paris",
                      rep="Alex Kim")
    call_id = f"CA{unique}"
    records = FirestoreCallRecords.from_project("callbot-it")
    records.update_call(call_id, _booked(meeting, language="fr-FR", status=CallStatus.COMPLETED))
    step = SendConfirmation(records, sms, PostCallSettings(environment="dev", sms_from="", reschedule_number=""))
    admin(fake, "fail-next", {"status": 503})
    with pytest.raises(RetryableError):
        step(call_id, {})
    assert records.get_call(call_id).confirmation_sms.state == "unconfirmed"
    sent = step(call_id, {})
    assert step(call_id, {}) == sent and step(call_id, {"execution": "rerun"}) == sent
    call = records.get_call(call_id)
    assert call.post_call.steps.send_confirmation.stored_form() == sent and call.status == CallStatus.COMPLETED
    assert call.confirmation_sms.attempt == 2 and set(call.confirmation_sms.attempts) == {"n2"}
    [message] = admin(fake, "messages")["messages"]
    assert message["sid"] == sent["sid"] and "heure de Paris" in message["body"]


def test_the_deployed_function_sends_through_its_composition_root(fake, sms, monkeypatch):
    from functions_framework import create_app

    from functions.send_confirmation import bootstrap

    start = datetime.now(UTC) + timedelta(days=1)
    meeting = Meeting(id="evt3", start=start, end=start + timedelta(minutes=30), timezone="America/Chicago",
                      rep="Priya Shah")
    records = MemoryCallRecords({"CA3": _booked(meeting).stored_form()})
    monkeypatch.setenv("CALLBOT_TWILIO_API_URL", fake)
    monkeypatch.setenv("CALLBOT_SMS_FROM", "+18885550199")
    monkeypatch.setattr(bootstrap.FirestoreCallRecords, "from_project", classmethod(lambda cls, project_id: records))
    bootstrap.step.cache_clear()
    try:
        source = Path(__file__).resolve().parents[2] / "functions" / "send_confirmation" / "main.py"
        client = create_app(target="send_confirmation", source=str(source)).test_client()
        response = client.post("/", json={"call_id": "CA3", "execution": "e1"})
        assert response.status_code == 200 and response.get_json()["sent"] is True
        assert client.post("/", json={"call_id": "CA3", "execution": "e2"}).get_json() == response.get_json()
        assert client.post("/", json={"call_id": "CA404"}).status_code == 422
    finally:
        bootstrap.step.cache_clear()
    [message] = admin(fake, "messages")["messages"]
    assert message["from"] == "+18885550199" and "Central Time" in message["body"]


def test_the_server_runs_as_a_module_with_its_own_credentials():
    port = free_port()
    child = spawn("fake-twilio-test", [sys.executable, "-m", "devtools.fake_twilio", "--port", str(port),
                                       "--account-sid", "AC" + "1" * 32, "--auth-token", "secret"], LOG_DIR)
    try:
        root = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{root}/__admin/health", timeout_s=15, child=child)
        sent = TwilioSms("AC" + "1" * 32, "secret", root).send(to=DANA, from_=LINE, body="hello")
        assert [m["sid"] for m in admin(root, "messages")["messages"]] == [sent.sid]
        with pytest.raises(SmsRejected, match="20003"):
            TwilioSms(DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, root).send(to=DANA, from_=LINE, body="x")
    finally:
        child.stop()
