"""send_confirmation with in-memory call records and SMS: one text per booked meeting, whatever
retries, re-runs and crashes happen around it."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from callbot.calendar import Meeting
from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus, ConfirmationSms
from callbot.errors import PermanentError, RetryableError
from callbot.post_call import Step
from callbot.post_call.http import serve
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.sms import SentSms, SmsRejected
from callbot.sms.memory import MemorySms
from functions.send_confirmation.bootstrap import make_sms
from functions.send_confirmation.step import SendConfirmation, confirmation_text

CALL = "CA0123456789abcdef0123456789abcdef"
CALLER, LINE = "+14155550123", "+18885550100"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
MEETING = Meeting(id="alex@northwind.example/evt1", start=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
                  end=datetime(2026, 12, 1, 15, 30, tzinfo=UTC), timezone="America/New_York", rep="Alex Kim",
                  rep_email="alex@northwind.example", attendee_email="dana@acme.example")
EN_WHEN = "Tuesday, December 1 at 10:00 AM Eastern Time (EST)"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now.timestamp()


def _on_call(meeting: Meeting) -> CallMeeting:
    """A meeting as agent_turn copies it onto the call: the calendar action's answer."""
    return CallMeeting.model_validate(meeting.model_dump(mode="json"))


def _call(changes: CallDocument | None = None) -> dict:
    """The call as the store holds it after the call, with the fields `changes` sets instead."""
    call = CallDocument(from_=CALLER, to=LINE, language="en-US", status=CallStatus.COMPLETED, meeting=_on_call(MEETING),
                        agent=AgentOutcome(qualification={"first_name": "Dana", "email": "dana@acme.example",
                                                          "consent": True}))
    return {**call.stored_form(), **(changes.stored_form() if changes is not None else {})}


def _settings(**values) -> PostCallSettings:
    return PostCallSettings(**{"environment": "dev", "company_name": "Northwind Voice", "sms_from": "",
                               "reschedule_number": "", "sms_enabled": True, **values})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sms(clock) -> MemorySms:
    return MemorySms(clock=lambda: datetime.fromtimestamp(clock(), UTC))


def _step(records, sms, clock, **settings) -> SendConfirmation:
    return SendConfirmation(records, sms, _settings(**settings), clock=clock)


def _doc(records) -> CallDocument:
    return records.get_call(CALL)


def test_a_booked_meeting_is_confirmed_by_one_text_with_when_where_and_how_to_move_it(sms, clock):
    records = MemoryCallRecords({CALL: _call()})
    result = _step(records, sms, clock)(CALL, {"call_id": CALL})
    [message] = sms.sent
    assert message.to == CALLER and message.from_ == LINE
    assert EN_WHEN in message.body and "Alex Kim" in message.body and "Northwind Voice" in message.body
    assert f"To reschedule, call {LINE}" in message.body and "assistant will move it" in message.body
    assert result == {"sent": True, "sid": message.sid, "to": "***" + CALLER[-2:], "status": "queued",
                      "at_ms": int(NOW.timestamp() * 1000)}
    assert _doc(records).post_call.steps.send_confirmation.stored_form() == result
    record = _doc(records).confirmation_sms
    assert record.state == "sent" and record.sid == message.sid and record.body == message.body


def test_the_sender_and_reschedule_number_come_from_settings_when_set(sms, clock):
    records = MemoryCallRecords({CALL: _call()})
    _step(records, sms, clock, sms_from="+18885550199", reschedule_number="+18885550142")(CALL, {})
    [message] = sms.sent
    assert message.from_ == "+18885550199" and "call +18885550142" in message.body and LINE not in message.body


def test_retries_and_reruns_send_nothing_more(sms, clock):
    records = MemoryCallRecords({CALL: _call()})
    first = _step(records, sms, clock)(CALL, {})
    clock.now += timedelta(minutes=5)
    again = _step(records, sms, clock)(CALL, {})
    rerun = _step(records, sms, clock)(CALL, {"call_id": CALL, "execution": "run-2"})
    assert len(sms.sent) == 1 and first == again == rerun
    assert sms.lookups == []


@pytest.mark.parametrize(("changes", "settings", "reason"), [
    (CallDocument(agent=AgentOutcome(qualification={"consent": False})), {}, "no_consent"),
    (CallDocument(agent=AgentOutcome(qualification={"email": "dana@acme.example"})), {}, "no_consent"),
    (CallDocument(agent=AgentOutcome()), {}, "no_consent"),
    (CallDocument(meeting=None), {}, "no_meeting"),
    (CallDocument(meeting=_on_call(MEETING.model_copy(update={"status": "cancelled"}))), {}, "meeting_cancelled"),
    (CallDocument(meeting=_on_call(MEETING.model_copy(update={"start": NOW - timedelta(hours=1)}))), {},
     "meeting_passed"),
    (CallDocument(from_="anonymous"), {}, "no_caller_number"),
    (None, {"sms_enabled": False}, "sms_disabled"),
])
def test_nothing_is_sent_or_claimed_without_a_booked_meeting_and_consent(sms, clock, changes, settings, reason):
    records = MemoryCallRecords({CALL: _call(changes)})
    result = _step(records, sms, clock, **settings)(CALL, {})
    assert result == {"sent": False, "reason": reason}
    assert sms.sent == [] and _doc(records).confirmation_sms is None
    assert _doc(records).post_call.steps.send_confirmation.stored_form() == result


def test_an_unknown_call_is_a_permanent_error(sms, clock):
    with pytest.raises(PermanentError):
        _step(MemoryCallRecords(), sms, clock)(CALL, {})


def _interrupted(body: str, claimed: datetime) -> ConfirmationSms:
    """The record a crash leaves between the claim and writing down Twilio's answer."""
    ms = int(claimed.timestamp() * 1000)
    return ConfirmationSms(state="sending", to=CALLER, from_=LINE, body=body, language="en-US", attempt=1,
                           claimed_at_ms=ms, attempt_at_ms=ms)


def _body() -> str:
    return confirmation_text(MEETING, "en-US", LINE, "Northwind Voice")


def test_a_crash_after_twilio_accepted_is_recorded_from_twilio_not_sent_again(sms, clock):
    claimed = NOW - timedelta(minutes=1)
    clock.now = claimed + timedelta(seconds=1)
    accepted = sms.send(to=CALLER, from_=LINE, body=_body())
    clock.now = NOW
    records = MemoryCallRecords({CALL: _call(CallDocument(confirmation_sms=_interrupted(_body(), claimed)))})
    result = _step(records, sms, clock)(CALL, {})
    assert sms.sent == [accepted]
    assert result["sent"] is True and result["sid"] == accepted.sid
    record = _doc(records).confirmation_sms
    assert record.state == "sent" and record.recovered is True and record.attempt == 2
    [(to, since)] = sms.lookups
    assert to == CALLER and since <= claimed


def test_a_crash_before_twilio_accepted_sends_it_once(sms, clock):
    sms.sent.append(SentSms(sid="SMolder", to=CALLER, from_=LINE, body="another text", status="delivered",
                            date_created=NOW - timedelta(seconds=30)))
    records = MemoryCallRecords({CALL: _call(CallDocument(confirmation_sms=_interrupted(_body(), NOW - timedelta(minutes=1))))})
    result = _step(records, sms, clock)(CALL, {})
    assert [m.body for m in sms.sent] == ["another text", _body()]
    assert result["sid"] == sms.sent[-1].sid and _doc(records).confirmation_sms.state == "sent"


def test_a_send_still_in_flight_is_left_alone(sms, clock):
    records = MemoryCallRecords({CALL: _call(CallDocument(confirmation_sms=_interrupted(_body(), NOW - timedelta(seconds=2))))})
    with pytest.raises(RetryableError):
        _step(records, sms, clock)(CALL, {})
    assert sms.sent == [] and sms.lookups == []


def test_switching_sms_off_stops_an_unfinished_send(sms, clock):
    records = MemoryCallRecords({CALL: _call(CallDocument(confirmation_sms=_interrupted(_body(), NOW - timedelta(minutes=1))))})
    assert _step(records, sms, clock, sms_enabled=False)(CALL, {}) == {"sent": False, "reason": "sms_disabled"}
    assert sms.sent == [] and sms.lookups == []


def test_concurrent_attempts_send_one_text(clock):
    class SlowSms(MemorySms):
        def send(self, **kwargs) -> SentSms:
            time.sleep(0.2)
            return super().send(**kwargs)

    sms, records = SlowSms(), MemoryCallRecords({CALL: _call()})
    outcomes: list = []

    def attempt() -> None:
        try:
            outcomes.append(_step(records, sms, clock)(CALL, {}))
        except RetryableError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sms.sent) == 1
    assert sum(isinstance(o, dict) for o in outcomes) == 1 and sum(isinstance(o, RetryableError) for o in outcomes) == 2


def test_a_retryable_failure_propagates_and_the_retry_asks_twilio_before_sending(sms, clock):
    records = MemoryCallRecords({CALL: _call()})
    sms.fail_next(RetryableError("Twilio answered 503"))
    with pytest.raises(RetryableError):
        _step(records, sms, clock)(CALL, {})
    assert sms.sent == [] and _doc(records).confirmation_sms.state == "unconfirmed"
    clock.now += timedelta(seconds=1)
    result = _step(records, sms, clock)(CALL, {})
    assert len(sms.sent) == 1 and result["sid"] == sms.sent[0].sid and len(sms.lookups) == 1


def test_an_answer_lost_after_twilio_accepted_is_not_sent_again(sms, clock):
    records = MemoryCallRecords({CALL: _call()})
    sms.accept_then_fail(RetryableError("Twilio unreachable: ReadTimeout"))
    with pytest.raises(RetryableError):
        _step(records, sms, clock)(CALL, {})
    clock.now += timedelta(seconds=1)
    result = _step(records, sms, clock)(CALL, {})
    assert len(sms.sent) == 1 and result["sid"] == sms.sent[0].sid


def test_a_refused_text_is_a_permanent_error_and_a_rerun_drafts_it_again(sms, clock):
    records = MemoryCallRecords({CALL: _call()})
    sms.fail_next(SmsRejected(21212, "Invalid From Number (caller ID): +1888"))
    with pytest.raises(PermanentError, match="21212"):
        _step(records, sms, clock, sms_from="+1888")(CALL, {})
    record = _doc(records).confirmation_sms
    assert sms.sent == [] and record.state == "rejected" and "21212" in record.error
    result = _step(records, sms, clock, sms_from="+18885550199")(CALL, {})
    [message] = sms.sent
    assert message.from_ == "+18885550199" and result["sid"] == message.sid and sms.lookups == []


def test_the_text_is_in_french_for_a_french_call(sms, clock):
    paris = MEETING.model_copy(update={"timezone": "Europe/Paris"})
    records = MemoryCallRecords({CALL: _call(CallDocument(language="fr-FR", meeting=_on_call(paris)))})
    _step(records, sms, clock)(CALL, {})
    [message] = sms.sent
    assert message.body == (
        "Northwind Voice : votre rendez-vous avec Alex Kim est confirmé pour le mardi 1 décembre à 16 h 00, "
        f"heure de Paris (CET). Pour le déplacer, appelez le {LINE} : notre assistant s'en charge.")


def test_the_text_without_a_reschedule_number_says_to_call_back():
    text = confirmation_text(MEETING, "en-US", "", "Northwind Voice")
    assert text == (f"Northwind Voice: your meeting with Alex Kim is confirmed for {EN_WHEN}. "
                    "To reschedule, call us back and our assistant will move it for you.")


def test_the_logs_never_show_the_phone_numbers(sms, clock, caplog):
    caplog.set_level(logging.DEBUG)
    records = MemoryCallRecords({CALL: _call()})
    _step(records, sms, clock)(CALL, {})
    records.update_call(CALL, CallDocument(confirmation_sms=None))  # as a crash mid-send leaves it
    records.update_call(CALL, CallDocument(confirmation_sms=_interrupted(_body(), NOW - timedelta(minutes=1))))
    _step(records, sms, clock)(CALL, {})
    assert caplog.records and CALLER not in caplog.text and CALLER[2:] not in caplog.text


class _Request:
    def __init__(self, body: dict) -> None:
        self._body = body

    def get_json(self, silent: bool = False) -> dict:
        return self._body


def test_the_function_answers_503_to_retry_and_422_to_stop(sms, clock):
    records = MemoryCallRecords({CALL: _call()})
    step = _step(records, sms, clock)
    sms.fail_next(RetryableError("Twilio answered 503"))
    assert serve(_Request({"call_id": CALL}), Step.SEND_CONFIRMATION, step)[1] == 503
    sms.fail_next(SmsRejected(21610, "Attempt to send to unsubscribed recipient"))
    answer, status = serve(_Request({"call_id": CALL}), Step.SEND_CONFIRMATION, step)
    assert status == 422 and "21610" in answer["error"]
    records.update_call(CALL, CallDocument(agent=AgentOutcome(qualification={"consent": False})))
    assert serve(_Request({"call_id": CALL}), Step.SEND_CONFIRMATION, step) == ({"sent": False, "reason": "no_consent"}, 200)


def test_twilio_credentials_are_required_outside_dev():
    assert make_sms(_settings()) is not None  # dev: the local server's placeholders
    with pytest.raises(ValueError, match="AUTH_TOKEN"):
        make_sms(_settings(environment="prod"))
    with pytest.raises(ValueError, match="ACCOUNT_SID"):
        make_sms(_settings(environment="prod", twilio_auth_token="a-real-one"))
