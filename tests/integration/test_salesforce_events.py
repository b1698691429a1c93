"""`SalesforceEventsCalendar` through the real simple-salesforce client against the local fake org:
reps are Users, meetings are Events they own, found again by the attendee's Lead or Contact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from callbot.calendar import Attendee, MeetingNotFound, SlotTaken
from callbot.calendar.salesforce_events import SalesforceEventsCalendar
from callbot.calendar.slots import Rep, SlotRules, slot_id
from callbot.crm.salesforce_auth import SalesforceAuth
from callbot.errors import PermanentError, RetryableError
from devtools.fake_salesforce.server import running_fake_salesforce

pytestmark = pytest.mark.integration

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Tuesday, 07:00 in New York
BOT = {"Id": "0055g00000BotUsAAA", "Name": "Callbot Integration", "Email": "callbot@acme.test",
       "Username": "callbot@acme.test", "Password": "s3cret", "SecurityToken": "TOK"}
ALEX = Rep("Alex Kim", "alex@northwind.example", "0055g00000AlexKAAA", "America/New_York")
SAM = Rep("Sam Reed", "sam@northwind.example", "0055g00000SamReAAA", "America/Los_Angeles")
USERS = [BOT, *({"Id": r.calendar_id, "Name": r.name, "Email": r.email} for r in (ALEX, SAM))]
DANA_ID, LOU_ID = "0035g00000DanaAAAA", "00Q5g00000LouLeAAA"
DANA = Attendee(name="Dana O'Brien", email="Dana.O'Brien@acme.example", phone="(415) 555-0123")
LOU = Attendee(name="Lou", email="lou@other.example", phone="+14155550999")
SEED = {"users": USERS,
        "Contact": [{"Id": DANA_ID, "LastName": "O'Brien", "Email": "dana.o'brien@acme.example",
                     "Phone": "415-555-0123"}],
        "Lead": [{"Id": LOU_ID, "LastName": "Lou", "Company": "Other", "Email": "lou@other.example"}]}
RULES = SlotRules(min_notice=timedelta(hours=1), buffer=timedelta(minutes=10))


def _at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=NY)


def _event(owner: Rep | str, start: datetime, end: datetime, **extra) -> dict:
    owner_id = owner.calendar_id if isinstance(owner, Rep) else owner
    return {"OwnerId": owner_id, "Subject": "Busy", "StartDateTime": start.isoformat(),
            "EndDateTime": end.isoformat(), **extra}


def admin(url: str, path: str, body: dict | None = None) -> dict:
    response = requests.post(f"{url}/__admin/{path}", json=body or {}, timeout=5)
    response.raise_for_status()
    return response.json()


def events(url: str) -> list[dict]:
    return requests.get(f"{url}/__admin/records/Event", timeout=5).json()


@pytest.fixture
def org() -> Iterator[str]:
    with running_fake_salesforce(SEED) as url:
        yield url


def _calendar(url: str, **kwargs) -> SalesforceEventsCalendar:
    auth = SalesforceAuth(login_url=url, username=BOT["Username"], password="s3cret", security_token="TOK",
                          client_id="callbot-app")
    return SalesforceEventsCalendar.from_auth(auth, [ALEX, SAM], RULES, clock=lambda: NOW, **kwargs)


@pytest.fixture
def calendar(org: str) -> SalesforceEventsCalendar:
    return _calendar(org)


def test_free_slots_avoid_the_reps_events(org, calendar):
    admin(org, "seed", {"Event": [_event(ALEX, _at(10), _at(11)), _event(ALEX, _at(16), _at(17)),
                                  _event(ALEX, _at(12), _at(13), Subject="Cancelled: lunch"),  # not busy
                                  _event(BOT["Id"], _at(14), _at(15))]})  # not one of the reps
    slots = calendar.free_slots(after=NOW, count=40)
    assert slots[0].timezone == "America/New_York" and slots[0].id == slot_id(_at(9), ALEX.email)
    owner_first = _calendar(org, assignment="owner_first", owner_email=ALEX.email)
    today = {s.start: s.rep_email for s in owner_first.free_slots(after=NOW, count=40) if s.start.date() == _at(9).date()}
    assert today[_at(9)] == ALEX.email and today[_at(11, 30)] == ALEX.email
    assert _at(9, 30) not in today and _at(10, 30) not in today and _at(11) not in today  # Sam starts at 12:00
    assert today[_at(12)] == today[_at(14)] == ALEX.email
    assert today[_at(15, 30)] == today[_at(16)] == today[_at(16, 30)] == SAM.email  # 10-minute buffer


def test_booking_creates_one_event_however_often_it_is_asked(org, calendar):
    slot = calendar.free_slots(after=NOW, count=1)[0]
    first = calendar.book(request_id="CA1/r1", slot_id=slot.id, attendee=DANA, title="Intro call")
    again = calendar.book(request_id="CA1/r1", slot_id=slot.id, attendee=DANA, title="Intro call")
    assert first == again and first.id.startswith("00U") and first.start == slot.start == _at(9)
    assert (first.rep, first.rep_email, first.timezone) == ("Alex Kim", ALEX.email, "America/New_York")
    assert first.attendee_email == "dana.o'brien@acme.example" and first.status == "booked"
    assert first.end - first.start == timedelta(minutes=30) and first.moved_from is None
    [event] = events(org)
    assert (event["Id"], event["OwnerId"], event["Subject"], event["WhoId"]) == (
        first.id, ALEX.calendar_id, "Intro call", DANA_ID)
    assert (event["StartDateTime"], event["EndDateTime"]) == ("2026-12-01T14:00:00.000+0000",
                                                              "2026-12-01T14:30:00.000+0000")
    assert "Dana O'Brien" in event["Description"] and "+14155550123" in event["Description"]
    assert "Dana.O'Brien@acme.example" in event["Description"]


def test_a_redelivered_booking_finds_its_event_even_after_it_moved(org, calendar):
    booked = calendar.book(request_id="CA1/r2", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    moved = calendar.reschedule(request_id="CA2/r1", meeting_id=booked.id, slot_id=slot_id(_at(15), ALEX.email))
    assert calendar.book(request_id="CA1/r2", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA,
                         title="x") == moved
    assert len(events(org)) == 1


def test_a_slot_taken_meanwhile_raises_slot_taken_with_its_start(org, calendar):
    slot = calendar.free_slots(after=NOW, count=1)[0]
    admin(org, "seed", {"Event": [_event(ALEX, slot.start + timedelta(minutes=35), slot.end + timedelta(hours=1))]})
    with pytest.raises(SlotTaken) as taken:  # within the 10-minute buffer after the slot
        calendar.book(request_id="CA1/r3", slot_id=slot.id, attendee=DANA, title="x")
    assert taken.value.start == slot.start
    assert len(events(org)) == 1
    with pytest.raises(ValueError):
        calendar.book(request_id="CA1/r3", slot_id=slot_id(_at(9), "stranger@x.example"), attendee=DANA, title="x")


def test_reschedule_moves_the_same_event_once_per_request(org, calendar):
    booked = calendar.book(request_id="CA1/r4", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    moved = calendar.reschedule(request_id="CA2/r2", meeting_id=booked.id, slot_id=slot_id(_at(9, 30), ALEX.email))
    assert moved.id == booked.id and moved.start == _at(9, 30) and moved.moved_from == _at(9)
    again = calendar.reschedule(request_id="CA2/r2", meeting_id=booked.id, slot_id=slot_id(_at(11), ALEX.email))
    assert again == moved  # a redelivery changes nothing, whatever it carries
    [event] = events(org)
    assert event["StartDateTime"] == "2026-12-01T14:30:00.000+0000" and event["Id"] == booked.id

    to_sam = calendar.reschedule(request_id="CA2/r3", meeting_id=booked.id, slot_id=slot_id(_at(13), SAM.email))
    assert to_sam.id == booked.id and (to_sam.rep, to_sam.timezone) == ("Sam Reed", SAM.timezone)
    assert to_sam.moved_from == _at(9, 30) and to_sam.start == _at(13)
    [event] = events(org)
    assert (event["OwnerId"], event["StartDateTime"]) == (SAM.calendar_id, "2026-12-01T18:00:00.000+0000")
    assert calendar.meetings_for(email=DANA.email) == [to_sam]


def test_reschedule_onto_a_busy_slot_raises_slot_taken(org, calendar):
    booked = calendar.book(request_id="CA1/r5", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    admin(org, "seed", {"Event": [_event(ALEX, _at(14), _at(15))]})
    with pytest.raises(SlotTaken) as taken:
        calendar.reschedule(request_id="CA2/r4", meeting_id=booked.id, slot_id=slot_id(_at(14), ALEX.email))
    assert taken.value.start == _at(14)
    nudged = calendar.reschedule(request_id="CA2/r5", meeting_id=booked.id, slot_id=slot_id(_at(9, 30), ALEX.email))
    assert nudged.start == _at(9, 30)  # overlapping its own old time is fine


def test_cancel_marks_the_event_and_frees_the_slot(org, calendar):
    booked = calendar.book(request_id="CA1/r6", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="Demo")
    cancelled = calendar.cancel(meeting_id=booked.id)
    assert cancelled.status == "cancelled" and cancelled.id == booked.id and cancelled.start == booked.start
    assert calendar.cancel(meeting_id=booked.id).status == "cancelled"
    assert [e["Subject"] for e in events(org)] == ["Cancelled: Demo"]
    assert calendar.meetings_for(email=DANA.email) == []
    assert calendar.free_slots(after=NOW, count=1)[0].start == _at(9)
    with pytest.raises(ValueError):
        calendar.reschedule(request_id="CA2/r6", meeting_id=booked.id, slot_id=slot_id(_at(11), ALEX.email))
    with pytest.raises(MeetingNotFound):
        calendar.cancel(meeting_id="00U5g00000NopeXAAA")
    with pytest.raises(MeetingNotFound):
        calendar.cancel(meeting_id="not a meeting")


def test_meetings_for_finds_upcoming_meetings_by_email_or_phone(org, calendar):
    booked = calendar.book(request_id="CA1/r7", slot_id=slot_id(_at(13), SAM.email), attendee=DANA, title="x")
    calendar.book(request_id="CA1/r8", slot_id=slot_id(_at(9), ALEX.email), attendee=LOU, title="x")
    admin(org, "seed", {"Event": [_event(ALEX, _at(8) - timedelta(days=1), _at(9) - timedelta(days=1),
                                         WhoId=DANA_ID)]})  # in the past
    assert calendar.meetings_for(email="DANA.O'BRIEN@acme.example") == [booked]
    assert calendar.meetings_for(phone="+1 415 555 0123") == [booked]
    assert [m.attendee_email for m in calendar.meetings_for(email=LOU.email)] == ["lou@other.example"]
    assert calendar.meetings_for(email="nobody@x.example") == [] and calendar.meetings_for() == []


@pytest.mark.parametrize(("spec", "error"), [({"status": 503}, RetryableError),
                                             ({"errorCode": "REQUEST_LIMIT_EXCEEDED"}, RetryableError),
                                             ({"status": 400, "errorCode": "MALFORMED_QUERY"}, PermanentError)])
def test_server_errors_are_retryable_and_bad_requests_permanent(org, calendar, spec, error):
    calendar.free_slots(after=NOW, count=1)  # signed in: the failure hits the query, not the sign-in
    admin(org, "fail-next", spec)
    with pytest.raises(error):
        calendar.free_slots(after=NOW, count=1)
    assert calendar.free_slots(after=NOW, count=1)  # the next request goes through


def test_an_expired_session_signs_in_again_once(org, calendar):
    calendar.free_slots(after=NOW, count=1)
    admin(org, "expire-sessions")
    meeting = calendar.book(request_id="CA1/r9", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    assert meeting.start == _at(9) and len(events(org)) == 1
    assert requests.get(f"{org}/__admin/stats", timeout=5).json()["tokens_issued"] == 2


def test_a_caller_without_email_is_booked_on_the_lead_saved_with_their_phone(org, calendar):
    """No email: the Event points at the Lead with the caller's phone and carries the phone for the
    rep; `meetings_for(phone=...)` finds it again."""
    lead_id = "00Q5g00000DaleKAAA"
    admin(org, "seed", {"Lead": [{"Id": lead_id, "LastName": "Kowalczyk", "Company": "Desert Line Towing",
                                  "Phone": "+16025550173"}]})
    dale = Attendee(name="Dale Kowalczyk", phone="(602) 555-0173")
    booked = calendar.book(request_id="CA8/r1", slot_id=slot_id(_at(9), ALEX.email), attendee=dale, title="x")
    [event] = [e for e in events(org) if e["Id"] == booked.id]
    assert event["WhoId"] == lead_id and "Phone: +16025550173" in event["Description"]
    assert "Email:" not in event["Description"] and booked.attendee_email == ""
    assert calendar.meetings_for(phone="602-555-0173") == [booked]
    assert calendar.book(request_id="CA8/r1", slot_id=slot_id(_at(9), ALEX.email), attendee=dale,
                         title="x") == booked  # a redelivery finds it
