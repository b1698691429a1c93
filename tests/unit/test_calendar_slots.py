"""Slot computation: business hours in each rep's own zone, buffer, notice, horizon, weekends, DST,
preferred-time ordering, assignment policies and slot ids."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from callbot.calendar.slots import Rep, SlotRules, free_slots, is_slot_start, parse_slot_id, slot_id

NY, LA = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
NIA = Rep("Nia Cole", "nia@northwind.example", "nia-calendar", "America/New_York")
LEE = Rep("Lee Park", "lee@northwind.example", "lee-calendar", "America/Los_Angeles")
BO = Rep("Bo Stone", "bo@northwind.example", "bo-calendar", "America/New_York")
TUESDAY_EARLY = datetime(2026, 12, 1, 6, 0, tzinfo=NY)  # Tuesday 1 December 2026, 06:00 in New York
FREE = {"nia-calendar": [], "lee-calendar": [], "bo-calendar": []}
NO_NOTICE = SlotRules(min_notice=timedelta(0), buffer=timedelta(0))


def _local(slot, zone):
    return slot.start.astimezone(zone)


def test_business_hours_are_kept_in_each_reps_own_zone():
    slots = free_slots(FREE, [NIA, LEE], SlotRules(horizon_days=1), TUESDAY_EARLY, count=100)
    for slot in slots:
        zone = ZoneInfo(slot.timezone)
        assert time(9) <= slot.start.astimezone(zone).time() and slot.end.astimezone(zone).time() <= time(17)
    starts = [s.start.astimezone(UTC) for s in slots]
    # 09:00 in New York (14:00 UTC) to 16:30 in Los Angeles (00:30 UTC next day): 22 half hours
    assert starts[0] == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert starts[-1] == datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    assert len(starts) == len(set(starts)) == 22
    assert {s.rep_email for s in slots if _local(s, NY).time() < time(12)} == {NIA.email}
    assert {s.rep_email for s in slots if _local(s, NY).time() >= time(17)} == {LEE.email}
    assert slots[-1].timezone == "America/Los_Angeles" and slots[-1].start.tzinfo is not None


def test_the_buffer_keeps_time_free_around_busy_intervals():
    busy = {"nia-calendar": [(datetime(2026, 12, 1, 10, 0, tzinfo=NY), datetime(2026, 12, 1, 11, 0, tzinfo=NY))]}
    with_buffer = free_slots(busy, [NIA], SlotRules(min_notice=timedelta(0)), TUESDAY_EARLY, count=4)
    assert [_local(s, NY).time() for s in with_buffer] == [time(9), time(11, 30), time(12), time(12, 30)]
    without = free_slots(busy, [NIA], NO_NOTICE, TUESDAY_EARLY, count=4)
    assert [_local(s, NY).time() for s in without] == [time(9), time(9, 30), time(11), time(11, 30)]


def test_no_slot_starts_sooner_than_the_minimum_notice():
    after = datetime(2026, 12, 1, 9, 10, tzinfo=NY)
    slots = free_slots(FREE, [NIA], SlotRules(min_notice=timedelta(hours=2)), after, count=2)
    assert [_local(s, NY).time() for s in slots] == [time(11, 30), time(12)]


def test_no_slot_ends_past_the_horizon():
    slots = free_slots(FREE, [NIA], SlotRules(horizon_days=2), TUESDAY_EARLY, count=1000)
    assert max(s.end for s in slots) <= TUESDAY_EARLY + timedelta(days=2)
    assert _local(slots[-1], NY) == datetime(2026, 12, 2, 16, 30, tzinfo=NY)
    assert len(slots) == 2 * 16


def test_weekends_are_skipped():
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=NY)
    slots = free_slots(FREE, [NIA], SlotRules(), friday_evening, count=100)
    assert all(_local(s, NY).weekday() < 5 for s in slots)
    assert _local(slots[0], NY) == datetime(2026, 12, 7, 9, 0, tzinfo=NY)  # Monday


def test_slots_on_the_day_the_clocks_change_keep_wall_time_and_real_length():
    every_day = SlotRules(weekdays=frozenset(range(7)), min_notice=timedelta(0), buffer=timedelta(0))
    saturday = datetime(2026, 3, 7, 0, 0, tzinfo=NY)  # clocks go forward on Sunday 8 March, 02:00
    slots = free_slots(FREE, [NIA], every_day, saturday, count=32)
    sunday = [s for s in slots if _local(s, NY).date() == datetime(2026, 3, 8).date()]
    assert sunday[0].start.astimezone(UTC) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert slots[0].start.astimezone(UTC) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert all(s.end.astimezone(UTC) - s.start.astimezone(UTC) == timedelta(minutes=30) for s in slots)

    night = SlotRules(opens=time(1), closes=time(4), weekdays=frozenset(range(7)),
                      min_notice=timedelta(0), buffer=timedelta(0))
    change_day = free_slots(FREE, [NIA], night, datetime(2026, 3, 8, 0, 0, tzinfo=NY), count=4)
    assert [_local(s, NY).strftime("%H:%M") for s in change_day] == ["01:00", "01:30", "03:00", "03:30"]
    assert change_day[1].end == datetime(2026, 3, 8, 3, 0, tzinfo=NY)  # 01:30 EST + 30 min = 03:00 EDT
    assert len({s.id for s in change_day}) == 4


def test_preferred_time_nearest_first_and_its_own_day_first():
    thursday_two = datetime(2026, 12, 3, 14, 0, tzinfo=NY)
    slots = free_slots(FREE, [NIA], NO_NOTICE, TUESDAY_EARLY, count=3, preferred=thursday_two)
    assert [_local(s, NY) for s in slots] == [thursday_two, thursday_two - timedelta(minutes=30),
                                              thursday_two + timedelta(minutes=30)]
    # only 09:00 is free on Thursday; asked for 22:30 Thursday, Friday 09:00 is nearer but Thursday wins
    busy = {"nia-calendar": [(datetime(2026, 12, 3, 9, 30, tzinfo=NY), datetime(2026, 12, 3, 17, 0, tzinfo=NY))]}
    slots = free_slots(busy, [NIA], NO_NOTICE, TUESDAY_EARLY, count=2,
                       preferred=datetime(2026, 12, 3, 22, 30, tzinfo=NY))
    assert [_local(s, NY) for s in slots] == [datetime(2026, 12, 3, 9, 0, tzinfo=NY),
                                              datetime(2026, 12, 4, 9, 0, tzinfo=NY)]


def test_round_robin_spreads_consecutive_slots_over_the_reps():
    slots = free_slots(FREE, [NIA, BO], NO_NOTICE, TUESDAY_EARLY, count=4)
    assert [s.rep_email for s in slots] == [NIA.email, BO.email, NIA.email, BO.email]
    busy = {**FREE, "nia-calendar": [(datetime(2026, 12, 1, 10, 0, tzinfo=NY),  # Nia's turn: Bo stands in
                                      datetime(2026, 12, 1, 10, 30, tzinfo=NY))]}
    slots = free_slots(busy, [NIA, BO], NO_NOTICE, TUESDAY_EARLY, count=4)
    assert [s.rep_email for s in slots] == [NIA.email, BO.email, BO.email, NIA.email]


def test_owner_first_gives_the_owner_every_time_they_are_free():
    busy = {**FREE, "bo-calendar": [(datetime(2026, 12, 1, 10, 0, tzinfo=NY),
                                     datetime(2026, 12, 1, 10, 30, tzinfo=NY))]}
    slots = free_slots(busy, [NIA, BO], NO_NOTICE, TUESDAY_EARLY, count=4, assignment="owner_first",
                       owner_email=BO.email)
    assert [(_local(s, NY).time(), s.rep_email) for s in slots] == [
        (time(9), BO.email), (time(9, 30), BO.email), (time(10), NIA.email), (time(10, 30), BO.email)]


def test_a_rep_asked_for_is_offered_alone_and_an_unknown_rep_gets_nothing():
    slots = free_slots(FREE, [NIA, BO], NO_NOTICE, TUESDAY_EARLY, count=4, rep_email="BO@northwind.example")
    assert [s.rep_email for s in slots] == [BO.email] * 4
    assert free_slots(FREE, [NIA, BO], NO_NOTICE, TUESDAY_EARLY, count=4, rep_email="zed@northwind.example") == []


def test_a_rep_whose_calendar_could_not_be_read_is_offered_nothing():
    slots = free_slots({"nia-calendar": []}, [NIA, BO], NO_NOTICE, TUESDAY_EARLY, count=10)
    assert {s.rep_email for s in slots} == {NIA.email}


def test_slot_ids_round_trip():
    slot = free_slots(FREE, [LEE], NO_NOTICE, TUESDAY_EARLY, count=1)[0]
    assert slot.id == "20261201T1700Z-lee@northwind.example"
    assert parse_slot_id(slot.id) == (slot.start.astimezone(UTC), LEE.email)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=LA)
    assert parse_slot_id(slot_id(start, "jo-ann@x.example")) == (start.astimezone(UTC), "jo-ann@x.example")
    assert is_slot_start(start, LEE, SlotRules()) and not is_slot_start(start + timedelta(minutes=15), LEE,
                                                                          SlotRules())
    assert not is_slot_start(datetime(2026, 12, 5, 9, 0, tzinfo=LA), LEE, SlotRules())  # a Saturday
    for bad in ("", "2026-12-01T10:00-alex", "20261201T1700Z-nobody", "20261301T1700Z-a@b.c"):
        with pytest.raises(ValueError):
            parse_slot_id(bad)


def test_rules_and_reps_fail_fast():
    with pytest.raises(ValueError):
        SlotRules(opens=time(17), closes=time(9))
    with pytest.raises(ValueError):
        SlotRules(weekdays=frozenset({7}))
    with pytest.raises(Exception):  # noqa: B017 (ZoneInfoNotFoundError)
        Rep("X", "x@y.z", "x", "Mars/Olympus")
