"""`GoogleCalendar` through the real googleapiclient against the fake Calendar v3 server: the same
behaviour as the in-memory calendar, with Google's ids, errors and invitations, acting as the set-up
(`calendar_auth`) says: delegation (as each calendar's owner), an organizer's token, or a service
account as itself, which Google (and the fake) refuses attendees."""

import hashlib
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callbot.calendar import Attendee, MeetingNotFound, SlotTaken
from callbot.calendar.google_calendar import GoogleCalendar
from callbot.calendar.google_credentials import LocalCredentials, calendar_clients, calendar_service
from callbot.calendar.slots import Rep, SlotRules, slot_id
from callbot.errors import PermanentError, RetryableError
from devtools.fake_google_calendar.server import admin, running_fake_calendar
from devtools.processes import free_port

pytestmark = pytest.mark.integration

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Tuesday, 07:00 in New York
ALEX = Rep("Alex Kim", "alex@northwind.example", "alex@northwind.example", "America/New_York")
SAM = Rep("Sam Reed", "sam@northwind.example", "sam@northwind.example", "America/Los_Angeles")
DANA = Attendee(name="Dana O'Brien", email="Dana@acme.example", phone="(415) 555-0123")
RULES = SlotRules(min_notice=timedelta(hours=1), buffer=timedelta(minutes=10))
ORGANIZER = "sales@northwind.example"
ORGANIZER_TOKEN = '{"client_id": "id", "client_secret": "secret", "refresh_token": "token"}'


def _at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=NY)


def _event(calendar: str, start: datetime, end: datetime, **extra) -> dict:
    return {"calendarId": calendar, "summary": "Busy", "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": end.isoformat()}, **extra}


def _requests(root: str, method: str, suffix: str = "") -> list[dict]:
    return [r for r in admin(root, "requests")["requests"] if r["method"] == method and r["path"].endswith(suffix)]


def _calendar(root: str, auth: str = "delegation", reps=(ALEX, SAM), organizer: str = "", timeout_s: float = 15.0,
              rules: SlotRules | None = RULES) -> GoogleCalendar:
    """The adapter as `make_calendar` builds it for the set-up `auth`, against the fake at `root`."""
    clients = calendar_clients(auth, users=[r.email for r in reps], organizer=organizer, root_url=root,
                               organizer_oauth=ORGANIZER_TOKEN if auth == "organizer_oauth" else "",
                               timeout_s=timeout_s)
    return GoogleCalendar(clients.service, list(reps), rules, clock=lambda: NOW, organizer_calendar_id=organizer or None,
                          acting_as=clients.acting_as, can_invite=clients.can_invite)


@pytest.fixture
def fake():
    with running_fake_calendar({"calendars": [ALEX.calendar_id, SAM.calendar_id, ORGANIZER]}) as root:
        yield root


@pytest.fixture
def calendar(fake):
    return _calendar(fake)


def test_free_slots_avoid_busy_events_with_one_freebusy_query(fake, calendar):
    admin(fake, "seed", {"events": [_event(ALEX.calendar_id, _at(10), _at(11))]})
    slots = calendar.free_slots(after=NOW, count=40)
    alex = [s for s in slots if s.rep_email == ALEX.email and s.start.date() == _at(9).date()]
    assert alex[0].start == _at(9) and all(not (_at(9, 50) < s.end and s.start < _at(11, 10)) for s in alex)
    assert _at(9, 30) not in [s.start for s in alex] and _at(11, 30) in [s.start for s in alex]
    assert [s.rep_email for s in slots if s.start == _at(13)] == [SAM.email]  # 10:00 in Los Angeles
    assert len(_requests(fake, "POST", "/freeBusy")) == 1


def test_booking_inserts_one_event_and_one_invitation_however_often_it_is_asked(fake, calendar):
    slot = calendar.free_slots(after=NOW, count=1)[0]
    first = calendar.book(request_id="CA1/r1", slot_id=slot.id, attendee=DANA, title="Intro call")
    again = calendar.book(request_id="CA1/r1", slot_id=slot.id, attendee=DANA, title="Intro call")
    assert first == again and first.start == slot.start == _at(9) and first.rep_email == ALEX.email
    event_id = hashlib.sha256(b"CA1/r1").hexdigest()
    assert first.id == f"{ALEX.calendar_id}/{event_id}" and first.attendee_email == "dana@acme.example"
    [event] = admin(fake, "events")["events"]
    assert event["id"] == event_id and event["summary"] == "Intro call"
    assert event["start"] == {"dateTime": "2026-12-01T09:00:00-05:00", "timeZone": "America/New_York"}
    assert [a["email"] for a in event["attendees"]] == ["Dana@acme.example"]
    assert [i["kind"] for i in admin(fake, "invitations")["invitations"]] == ["created"]
    assert len(_requests(fake, "POST", "/events")) == 1


def test_a_duplicate_event_id_on_insert_counts_as_the_booking(fake, calendar):
    """An earlier attempt's insert landed but its answer was lost: Google answers 409 duplicate."""
    event_id = hashlib.sha256(b"CA1/r2").hexdigest()
    admin(fake, "seed", {"events": [_event(ALEX.calendar_id, _at(9), _at(9, 30), id=event_id,
                                           transparency="transparent")]})
    meeting = calendar.book(request_id="CA1/r2", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    assert meeting.id == f"{ALEX.calendar_id}/{event_id}" and meeting.start == _at(9)
    assert len(_requests(fake, "POST", "/events")) == 1 and len(_requests(fake, "GET", event_id)) == 1
    assert len(admin(fake, "events")["events"]) == 1


def test_a_slot_taken_meanwhile_raises_slot_taken_with_its_start(fake, calendar):
    slot = calendar.free_slots(after=NOW, count=1)[0]
    admin(fake, "seed", {"events": [_event(ALEX.calendar_id, slot.start, slot.end)]})
    with pytest.raises(SlotTaken) as taken:
        calendar.book(request_id="CA1/r3", slot_id=slot.id, attendee=DANA, title="x")
    assert taken.value.start == slot.start
    assert _requests(fake, "POST", "/events") == []


def test_reschedule_moves_the_same_event_once_per_request(fake, calendar):
    booked = calendar.book(request_id="CA1/r4", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    moved = calendar.reschedule(request_id="CA2/r1", meeting_id=booked.id, slot_id=slot_id(_at(9, 30), ALEX.email))
    assert moved.id == booked.id and moved.start == _at(9, 30) and moved.moved_from == _at(9)
    assert calendar.reschedule(request_id="CA2/r1", meeting_id=booked.id,
                               slot_id=slot_id(_at(9, 30), ALEX.email)) == moved
    assert len(_requests(fake, "PATCH")) == 1
    [event] = admin(fake, "events")["events"]
    assert event["start"]["dateTime"] == "2026-12-01T09:30:00-05:00"

    to_sam = calendar.reschedule(request_id="CA2/r2", meeting_id=booked.id,
                                 slot_id=slot_id(_at(13), SAM.email))
    event_id = booked.id.split("/")[1]
    assert to_sam.id == f"{SAM.calendar_id}/{event_id}" and to_sam.rep == "Sam Reed"
    assert to_sam.moved_from == _at(9, 30) and to_sam.timezone == SAM.timezone
    assert [(e["calendarId"], e["id"]) for e in admin(fake, "events")["events"]] == [(SAM.calendar_id, event_id)]
    assert calendar.cancel(meeting_id=booked.id).status == "cancelled"  # the old id still finds it


def test_reschedule_onto_a_busy_slot_raises_slot_taken(fake, calendar):
    booked = calendar.book(request_id="CA1/r5", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    admin(fake, "seed", {"events": [_event(ALEX.calendar_id, _at(14), _at(15))]})
    with pytest.raises(SlotTaken):
        calendar.reschedule(request_id="CA2/r3", meeting_id=booked.id, slot_id=slot_id(_at(14), ALEX.email))


def test_cancel_deletes_the_event_and_tells_the_attendee(fake, calendar):
    booked = calendar.book(request_id="CA1/r6", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    cancelled = calendar.cancel(meeting_id=booked.id)
    assert cancelled.status == "cancelled" and cancelled.id == booked.id and cancelled.start == booked.start
    assert calendar.cancel(meeting_id=booked.id).status == "cancelled"
    assert [e["status"] for e in admin(fake, "events")["events"]] == ["cancelled"]
    assert [i["kind"] for i in admin(fake, "invitations")["invitations"]] == ["created", "cancelled"]
    assert calendar.meetings_for(email=DANA.email) == []
    with pytest.raises(MeetingNotFound):
        calendar.cancel(meeting_id=f"{ALEX.calendar_id}/{'0' * 64}")
    with pytest.raises(MeetingNotFound):
        calendar.cancel(meeting_id="not a meeting")


def test_meetings_for_finds_upcoming_meetings_by_email_or_phone(fake, calendar):
    booked = calendar.book(request_id="CA1/r7", slot_id=slot_id(_at(13), SAM.email), attendee=DANA, title="x")
    other = Attendee(name="Lou", email="lou@other.example", phone="+14155550999")
    calendar.book(request_id="CA1/r8", slot_id=slot_id(_at(9), ALEX.email), attendee=other, title="x")
    admin(fake, "seed", {"events": [_event(ALEX.calendar_id, _at(8, day=1) - timedelta(days=1),
                                           _at(9, day=1) - timedelta(days=1),
                                           attendees=[{"email": "dana@acme.example"}])]})  # in the past
    assert calendar.meetings_for(email="DANA@acme.example") == [booked]
    assert calendar.meetings_for(phone="+1 415-555-0123") == [booked]
    assert calendar.meetings_for(email="nobody@x.example") == []


@pytest.mark.parametrize(("status", "error"), [(503, RetryableError), (429, RetryableError),
                                               (500, RetryableError), (400, PermanentError)])
def test_server_errors_are_retryable_and_bad_requests_permanent(fake, calendar, status, error):
    admin(fake, "fail-next", {"status": status})
    with pytest.raises(error):
        calendar.free_slots(after=NOW, count=1)
    assert calendar.free_slots(after=NOW, count=1)  # the next request goes through


def test_a_hung_request_times_out_as_retryable(fake):
    calendar = _calendar(fake, reps=[ALEX], timeout_s=0.5)
    admin(fake, "fail-next", {"delay_s": 1.5, "match": "freeBusy"})
    with pytest.raises(RetryableError):
        calendar.free_slots(after=NOW, count=1)
    assert calendar.free_slots(after=NOW, count=1)


def test_an_unreachable_server_is_retryable():
    calendar = _calendar(f"http://127.0.0.1:{free_port()}/", reps=[ALEX], rules=None)
    with pytest.raises(RetryableError):
        calendar.free_slots(after=NOW, count=1)


def test_an_organizer_calendar_invites_the_rep_and_blocks_their_time(fake):
    calendar = _calendar(fake, organizer=ORGANIZER)
    meeting = calendar.book(request_id="CA1/r9", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    assert meeting.id.startswith(f"{ORGANIZER}/") and meeting.rep_email == ALEX.email
    [event] = admin(fake, "events")["events"]
    assert {a["email"] for a in event["attendees"]} == {"Dana@acme.example", ALEX.email}
    with pytest.raises(SlotTaken):
        calendar.book(request_id="CA1/r10", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    moved = calendar.reschedule(request_id="CA2/r4", meeting_id=meeting.id, slot_id=slot_id(_at(13), SAM.email))
    assert moved.id == meeting.id and moved.rep_email == SAM.email
    [event] = admin(fake, "events")["events"]
    assert {a["email"] for a in event["attendees"]} == {"Dana@acme.example", SAM.email}
    assert calendar.meetings_for(email=DANA.email) == [moved]


def test_no_request_leaves_for_the_network(fake, monkeypatch):
    """The discovery document is the static one: every connection goes to the fake server."""
    hosts, resolve = [], socket.getaddrinfo

    def recording(host, *args, **kwargs):
        hosts.append(host)
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    calendar = _calendar(fake)
    slot = calendar.free_slots(after=NOW, count=1)[0]
    meeting = calendar.book(request_id="CA1/r11", slot_id=slot.id, attendee=DANA, title="x")
    calendar.cancel(meeting_id=meeting.id)
    monkeypatch.undo()
    assert hosts and set(hosts) == {"127.0.0.1"}
    paths = [r["path"] for r in admin(fake, "requests")["requests"]]
    assert all(p.startswith(("/calendar/v3/", "/__admin/")) for p in paths)


# -- who acts: delegation, an organizer's token, a service account as itself


def test_the_fake_refuses_attendees_from_a_service_account_acting_as_itself_as_google_does(fake):
    """The same booking, with attendees, as a service account (refused) and as the rep (accepted)."""
    as_itself = GoogleCalendar(calendar_service(LocalCredentials(), fake), [ALEX], RULES, clock=lambda: NOW)
    with pytest.raises(PermanentError, match="forbiddenForServiceAccounts"):
        as_itself.book(request_id="CA3/r1", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    assert admin(fake, "events")["events"] == [] and admin(fake, "invitations")["invitations"] == []
    [refused] = _requests(fake, "POST", "/events")
    assert refused["status"] == 403 and refused["principal"] == "service-account"

    as_alex = GoogleCalendar(calendar_service(LocalCredentials(user=ALEX.email), fake), [ALEX], RULES,
                             clock=lambda: NOW)
    meeting = as_alex.book(request_id="CA3/r1", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    assert not meeting.invitation_owed
    assert [i["email"] for i in admin(fake, "invitations")["invitations"]] == ["Dana@acme.example"]


def test_a_request_without_credentials_is_refused(fake):
    import httpx

    answer = httpx.post(f"{fake}calendar/v3/calendars/{ALEX.calendar_id}/events", json={})
    assert answer.status_code == 401 and answer.json()["error"]["errors"][0]["reason"] == "required"


def test_delegation_acts_as_the_owner_of_each_calendar_and_invites(fake, calendar):
    alex = calendar.book(request_id="CA3/r2", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    sam = calendar.book(request_id="CA3/r3", slot_id=slot_id(_at(13), SAM.email), attendee=DANA, title="x")
    assert not alex.invitation_owed and not sam.invitation_owed
    inserts = {r["path"].split("/")[4]: r["principal"] for r in _requests(fake, "POST", "/events")}
    assert inserts == {ALEX.calendar_id: ALEX.email, SAM.calendar_id: SAM.email}
    assert {r["principal"] for r in _requests(fake, "POST", "/freeBusy")} <= {ALEX.email, SAM.email}
    assert [i["email"] for i in admin(fake, "invitations")["invitations"]] == ["Dana@acme.example"] * 2


def test_an_organizer_token_books_in_the_organizer_calendar_as_the_organizer(fake):
    calendar = _calendar(fake, auth="organizer_oauth", organizer=ORGANIZER)
    meeting = calendar.book(request_id="CA3/r4", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    assert meeting.id.startswith(f"{ORGANIZER}/") and not meeting.invitation_owed
    assert {r["principal"] for r in admin(fake, "requests")["requests"] if r["path"].startswith("/calendar/")} == {
        ORGANIZER}
    assert {i["email"] for i in admin(fake, "invitations")["invitations"]} == {"Dana@acme.example", ALEX.email}


def test_without_delegation_the_meeting_is_booked_on_the_rep_calendar_uninvited_and_the_invitation_owed(fake):
    calendar = _calendar(fake, auth="service_account")
    booked = calendar.book(request_id="CA3/r5", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")
    assert booked.invitation_owed and booked.attendee_email == "dana@acme.example"
    assert booked.id.startswith(f"{ALEX.calendar_id}/")
    assert calendar.book(request_id="CA3/r5", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA,
                         title="x") == booked  # a redelivery finds it
    [event] = admin(fake, "events")["events"]
    assert "attendees" not in event and "dana@acme.example" in event["description"].casefold()
    assert calendar.meetings_for(email=DANA.email) == [booked]
    assert calendar.meetings_for(phone=DANA.phone) == [booked]
    with pytest.raises(SlotTaken):  # the rep's time is blocked
        calendar.book(request_id="CA3/r6", slot_id=slot_id(_at(9), ALEX.email), attendee=DANA, title="x")

    moved = calendar.reschedule(request_id="CA4/r1", meeting_id=booked.id, slot_id=slot_id(_at(13), SAM.email))
    assert moved.invitation_owed and moved.rep_email == SAM.email
    assert calendar.cancel(meeting_id=booked.id).status == "cancelled"
    assert admin(fake, "invitations")["invitations"] == []
    principals = {r["principal"] for r in admin(fake, "requests")["requests"] if r["path"].startswith("/calendar/")}
    assert principals == {"service-account"}
    assert all(r["status"] < 400 for r in admin(fake, "requests")["requests"] if r["method"] != "GET")


NO_EMAIL = Attendee(name="Dale Kowalczyk", phone="(602) 555-0173")  # would not give an email


@pytest.mark.parametrize("auth", ["delegation", "service_account"])
def test_a_caller_without_email_is_booked_on_their_phone_with_no_invitation(fake, auth):
    calendar = _calendar(fake, auth=auth)
    booked = calendar.book(request_id="CA5/r1", slot_id=slot_id(_at(9), ALEX.email), attendee=NO_EMAIL, title="x")
    assert booked.attendee_email == "" and not booked.invitation_owed and booked.rep_email == ALEX.email
    [event] = admin(fake, "events")["events"]
    assert "attendees" not in event and "+16025550173" in event["description"]
    assert event["extendedProperties"]["private"]["attendeePhone"] == "+16025550173"
    assert admin(fake, "invitations")["invitations"] == []
    assert calendar.meetings_for(phone="602-555-0173") == [booked]
    assert calendar.book(request_id="CA5/r1", slot_id=slot_id(_at(9), ALEX.email), attendee=NO_EMAIL,
                         title="x") == booked  # a redelivery finds it


def test_an_organizer_calendar_invites_only_the_rep_for_a_caller_without_email(fake):
    calendar = _calendar(fake, auth="organizer_oauth", organizer=ORGANIZER)
    booked = calendar.book(request_id="CA5/r2", slot_id=slot_id(_at(9), ALEX.email), attendee=NO_EMAIL, title="x")
    [event] = admin(fake, "events")["events"]
    assert [a["email"] for a in event["attendees"]] == [ALEX.email]
    assert not booked.invitation_owed and calendar.meetings_for(phone=NO_EMAIL.phone) == [booked]
