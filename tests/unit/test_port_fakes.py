"""The in-memory CRM, calendar and knowledge base: the behaviour the real adapters must match."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callbot.calendar import Attendee, MeetingNotFound, SlotTaken
from callbot.calendar.memory import MemoryCalendar
from callbot.crm import CallerRecord, LeadFields
from callbot.crm.memory import MemoryCrm
from callbot.knowledge.memory import Document, MemoryKnowledge
from devtools.demo_company import demo_calendar, demo_crm, demo_knowledge

NY = ZoneInfo("America/New_York")
FRIDAY_NOON_NY = datetime(2026, 11, 27, 12, 0, tzinfo=NY)  # a Friday
REPS = [("Alex Kim", "alex.kim@northwind.example"), ("Priya Shah", "priya.shah@northwind.example")]
DANA = Attendee(name="Dana O'Brien", email="dana+calls@acme-logistics.com", phone="+14155550123")


# -- CRM

@pytest.fixture
def crm():
    return MemoryCrm([CallerRecord(id="003A", kind="contact", first_name="Sam", phone="(415) 555-0199",
                                   email="Sam.Rivera@BlueHarbor.example")])


def test_the_caller_is_found_whatever_the_phone_format(crm):
    for phone in ("+14155550199", "(415) 555-0199", "415.555.0199", "1 415 555 0199"):
        assert crm.find_caller(phone=phone).id == "003A"
    assert crm.find_caller(phone="+14155550100") is None
    assert crm.find_caller(phone="") is None
    assert crm.calls[0] == ("find_caller", {"phone": "+14155550199"})


def test_a_lead_matching_on_phone_or_email_is_updated_not_duplicated(crm):
    by_phone = crm.upsert_lead(request_id="r1", fields=LeadFields(company="Blue Harbor", phone="415-555-0199"))
    by_email = crm.upsert_lead(request_id="r2", fields=LeadFields(last_name="Rivera",
                                                                  email="sam.rivera@blueharbor.EXAMPLE"))
    assert by_phone.id == by_email.id == "003A"
    assert by_email.kind == "contact" and by_email.company == "Blue Harbor" and by_email.first_name == "Sam"
    assert by_email.email == "sam.rivera@blueharbor.EXAMPLE"  # the newest spelling, as given


def test_a_new_lead_gets_a_stable_id_and_the_same_request_twice_gives_the_same_record(crm):
    fields = LeadFields(first_name="Dana", last_name="O'Brien", email="dana+calls@acme-logistics.com",
                        phone="+1 415 555 0123", team_size=40, consent=True)
    first = crm.upsert_lead(request_id="call-1/r1", fields=fields)
    again = crm.upsert_lead(request_id="call-1/r1", fields=fields)
    assert first == again
    assert first.id.startswith("00Q") and len(first.id) == 18
    assert (first.kind, first.last_name, first.email, first.phone) == (
        "lead", "O'Brien", "dana+calls@acme-logistics.com", "+14155550123")
    assert crm.details[first.id]["team_size"] == 40
    other_crm = MemoryCrm()
    assert other_crm.upsert_lead(request_id="x", fields=fields).id == first.id  # same person, same id
    later = crm.upsert_lead(request_id="call-2/r1", fields=LeadFields(email="DANA+calls@acme-logistics.com",
                                                                      company="Acme Logistics"))
    assert later.id == first.id and later.last_name == "O'Brien" and later.company == "Acme Logistics"
    assert [name for name, _ in crm.calls] == ["upsert_lead"] * 3


def test_a_none_field_does_not_erase_what_is_known(crm):
    record = crm.upsert_lead(request_id="r1", fields=LeadFields(phone="+14155550199", first_name=None))
    assert record.first_name == "Sam"


# -- calendar

@pytest.fixture
def calendar():
    return MemoryCalendar(REPS, clock=lambda: FRIDAY_NOON_NY)


def test_slots_are_in_business_hours_two_hours_ahead_and_shared_between_reps(calendar):
    slots = calendar.free_slots(after=FRIDAY_NOON_NY, count=40)
    assert slots[0].start == datetime(2026, 11, 27, 14, 0, tzinfo=NY)
    assert [s.rep for s in slots[:3]] == ["Alex Kim", "Priya Shah", "Alex Kim"]
    assert all(s.end - s.start == timedelta(minutes=30) and s.timezone == "America/New_York" for s in slots)
    for slot in slots:
        local = slot.start.astimezone(NY)
        assert local.weekday() < 5 and 9 <= local.hour and slot.end.astimezone(NY).hour * 60 \
            + slot.end.astimezone(NY).minute <= 17 * 60 and local.minute in (0, 30)
    assert slots[6].start == datetime(2026, 11, 30, 9, 0, tzinfo=NY)  # Friday ends at 17:00; Monday
    assert slots[0].id == "2026-11-27T14:00-alex.kim"


def test_an_utc_time_is_read_in_the_calendar_timezone(calendar):
    # 19:00 UTC is 14:00 in New York in winter: the first slot is 16:00 local, not 21:00 UTC + 2h
    slots = calendar.free_slots(after=datetime(2026, 11, 27, 19, 0, tzinfo=UTC), count=2)
    assert [s.start.astimezone(NY).hour for s in slots] == [16, 16]
    assert slots[0].start.utcoffset() == timedelta(hours=-5)


def test_slots_nearest_the_preferred_time_come_first_same_day_first(calendar):
    slots = calendar.free_slots(after=FRIDAY_NOON_NY, count=3, preferred=datetime(2026, 12, 1, 16, 30))
    assert [s.start for s in slots] == [datetime(2026, 12, 1, h, m, tzinfo=NY) for h, m in
                                        ((16, 30), (16, 0), (15, 30))]
    # an evening preference: the same day's last slots come before the next morning's
    evening = calendar.free_slots(after=FRIDAY_NOON_NY, count=1, preferred=datetime(2026, 12, 1, 21, 0, tzinfo=NY))
    assert evening[0].start == datetime(2026, 12, 1, 16, 30, tzinfo=NY)


def test_booking_is_idempotent_by_request_and_a_taken_slot_is_refused(calendar):
    slot = calendar.free_slots(after=FRIDAY_NOON_NY, count=1)[0]
    meeting = calendar.book(request_id="CA1/r1", slot_id=slot.id, attendee=DANA, title="Demo")
    assert calendar.book(request_id="CA1/r1", slot_id=slot.id, attendee=DANA, title="Demo") == meeting
    assert (meeting.start, meeting.rep, meeting.attendee_email, meeting.status) == (
        slot.start, "Alex Kim", "dana+calls@acme-logistics.com", "booked")
    with pytest.raises(SlotTaken) as taken:
        calendar.book(request_id="CA2/r1", slot_id=slot.id, attendee=DANA, title="Demo")
    assert taken.value.start == slot.start
    assert slot.id not in [s.id for s in calendar.free_slots(after=FRIDAY_NOON_NY, count=5)]
    assert calendar.meetings_for(phone="(415) 555-0123") == [meeting]
    assert calendar.meetings_for(email="DANA+calls@acme-logistics.com") == [meeting]


def test_a_slot_never_listed_in_this_process_can_be_booked_but_not_an_impossible_one(calendar):
    meeting = calendar.book(request_id="r", slot_id="2026-12-02T15:30-priya.shah", attendee=DANA, title="Demo")
    assert meeting.start == datetime(2026, 12, 2, 15, 30, tzinfo=NY) and meeting.rep == "Priya Shah"
    for bad in ("2026-12-02T15:30-nobody", "2026-12-05T10:00-alex.kim",  # a Saturday
                "2026-12-02T17:00-alex.kim", "2026-12-02T10:15-alex.kim", "2026-11-20T10:00-alex.kim", "junk"):
        with pytest.raises(ValueError):
            calendar.book(request_id=f"bad-{bad}", slot_id=bad, attendee=DANA, title="Demo")


def test_a_meeting_can_be_moved_and_cancelled(calendar):
    meeting = calendar.book(request_id="r1", slot_id="2026-12-01T10:00-alex.kim", attendee=DANA, title="Demo")
    moved = calendar.reschedule(request_id="r2", meeting_id=meeting.id, slot_id="2026-12-03T11:00-priya.shah")
    assert (moved.id, moved.start.astimezone(NY).day, moved.rep) == (meeting.id, 3, "Priya Shah")
    assert calendar.reschedule(request_id="r2", meeting_id=meeting.id, slot_id="2026-12-03T11:00-priya.shah") == moved
    # the old time is free again, the new one is not
    assert calendar.book(request_id="r3", slot_id="2026-12-01T10:00-alex.kim", attendee=DANA, title="x")
    with pytest.raises(SlotTaken):
        calendar.book(request_id="r4", slot_id="2026-12-03T11:00-priya.shah", attendee=DANA, title="x")
    cancelled = calendar.cancel(meeting_id=meeting.id)
    assert cancelled.status == "cancelled" and moved.id not in [m.id for m in calendar.meetings_for(email=DANA.email)]
    assert calendar.book(request_id="r5", slot_id="2026-12-03T11:00-priya.shah", attendee=DANA, title="x")
    with pytest.raises(MeetingNotFound):
        calendar.cancel(meeting_id="mtg-unknown")
    with pytest.raises(MeetingNotFound):
        calendar.reschedule(request_id="r6", meeting_id="mtg-unknown", slot_id="2026-12-03T11:00-alex.kim")
    assert [name for name, _ in calendar.calls].count("reschedule") == 3


def test_a_past_meeting_is_not_upcoming():
    now = [FRIDAY_NOON_NY]
    calendar = MemoryCalendar(REPS, clock=lambda: now[0])
    calendar.book(request_id="r1", slot_id="2026-11-30T09:00-alex.kim", attendee=DANA, title="Demo")
    assert len(calendar.meetings_for(email=DANA.email)) == 1
    now[0] = datetime(2026, 11, 30, 9, 45, tzinfo=NY)
    assert calendar.meetings_for(email=DANA.email) == []


# -- knowledge

def test_passages_below_the_threshold_or_in_another_language_are_not_returned():
    knowledge = MemoryKnowledge([
        Document("pricing.md", "Pricing", "en-US", "The Team plan costs 49 dollars per user.\n\nSupport is by email."),
        ("tarifs.md", "Tarifs", "fr-FR", "L'offre Team coûte 49 dollars par utilisateur."),
    ], threshold=0.5)
    [passage] = knowledge.search(question="How much do the plans cost?", language="en-US")
    assert (passage.source, passage.text, passage.score) == ("pricing.md", "The Team plan costs 49 dollars per user.", 1.0)
    assert knowledge.search(question="How much do the plans cost?", language="fr-FR") == []
    # one keyword of three ("plan") is below the threshold
    assert knowledge.search(question="Do you have a plan for schools and universities?", language="en-US") == []
    assert knowledge.search(question="Combien coûte l'offre Team ?", language="fr-CA")[0].title == "Tarifs"
    assert knowledge.search(question="the and of", language="en-US") == []


def test_the_demo_knowledge_answers_product_questions_and_nothing_else():
    knowledge = demo_knowledge()
    assert knowledge.search(question="How much does Northwind Voice cost?", language="en-US")[0].source == "pricing.md"
    assert knowledge.search(question="Does it integrate with HubSpot?", language="en-US")[0].source == \
        "integrations.md"
    assert knowledge.search(question="How long is the free trial?", language="en-US")[0].source == "free-trial.md"
    assert knowledge.search(question="Do you have an on-premise version?", language="en-US") == []
    assert knowledge.search(question="Do you offer a mobile app?", language="en-US") == []
    assert knowledge.search(question="Combien coûte Northwind Voice ?", language="fr-FR")[0].source == "tarifs.fr-FR.md"


# -- the demo company

def test_the_returning_contact_has_one_upcoming_meeting_that_can_be_moved_and_cancelled():
    clock = lambda: FRIDAY_NOON_NY
    calendar = demo_calendar(clock)
    crm = demo_crm(calendar)
    sam = crm.find_caller(phone="+14155550199")
    assert (sam.kind, sam.first_name, sam.company, sam.owner) == ("contact", "Sam", "Blue Harbor Freight", "Alex Kim")
    [meeting] = sam.meetings
    # two days after Friday is Sunday: the first business day is Monday, at 10:00 with Alex Kim
    assert (meeting.start, meeting.rep) == (datetime(2026, 11, 30, 10, 0, tzinfo=NY), "Alex Kim")
    assert calendar.meetings_for(email="sam.rivera@blueharbor.example") == [meeting]
    # another process builds the same seed: same meeting id, so it can move the meeting
    other = demo_calendar(clock)
    moved = other.reschedule(request_id="r1", meeting_id=meeting.id, slot_id="2026-12-01T14:00-priya.shah")
    assert moved.rep == "Priya Shah"
    assert other.cancel(meeting_id=meeting.id).status == "cancelled"
    assert other.meetings_for(phone="+14155550199") == []


def test_a_call_is_logged_once_per_request_on_an_existing_record():
    from datetime import UTC, datetime

    from callbot.crm import CallActivity
    from callbot.errors import PermanentError

    crm = MemoryCrm()
    record = crm.upsert_lead(request_id="CA1/s1", fields=LeadFields(first_name="Dana", phone="+14155550123"))
    activity = CallActivity(call_id="CA1", record_id=record.id, started_at=datetime(2026, 11, 24, tzinfo=UTC),
                            duration_s=95, summary="Booked a demo.")
    first = crm.log_call(request_id="CA1/log", activity=activity)
    assert crm.log_call(request_id="CA1/log", activity=activity) == first and len(crm.activities) == 1
    with pytest.raises(PermanentError):
        crm.log_call(request_id="CA2/log", activity=activity.model_copy(update={"record_id": "00Qnone"}))
