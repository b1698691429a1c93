"""Free meeting slots from reps' busy times: pure rules, no I/O, so every calendar adapter offers
the same times and the rules are tested without a server.

Each rep works in their own IANA zone (a rep in Los Angeles opens three hours after one in New
York). Candidate starts are wall-clock times on the hour and half hour inside business hours; all
arithmetic is done in UTC, so a meeting on the day the clocks change still lasts its real length,
and a wall time that does not exist that day (02:30 in spring) is skipped. One slot is offered per
start time, its rep chosen by the assignment policy.

A slot id is `<UTC start as YYYYMMDDTHHMMZ>-<rep email>` ("20261201T1500Z-alex.kim@example.com"):
any process can book a slot it never listed, and the id says nothing about a zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from callbot.calendar import Slot

Assignment = Literal["round_robin", "owner_first"]
Interval = tuple[datetime, datetime]
STEP_MINUTES = 30
_ID_FORMAT = "%Y%m%dT%H%MZ"


@dataclass(frozen=True)
class SlotRules:
    """When meetings can be offered. Business hours are read in each rep's own zone."""

    opens: time = time(9, 0)
    closes: time = time(17, 0)
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))  # Monday = 0
    meeting: timedelta = timedelta(minutes=30)
    buffer: timedelta = timedelta(minutes=10)  # kept free before and after every busy interval
    min_notice: timedelta = timedelta(hours=2)  # no slot starts sooner than this after "now"
    horizon_days: int = 14  # no slot ends later than this many days after "now"

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError("business hours must open before they close")
        if not timedelta(0) < self.meeting <= timedelta(hours=8):
            raise ValueError("a meeting must last between a minute and eight hours")
        if self.buffer < timedelta(0) or self.min_notice < timedelta(0) or self.horizon_days < 1:
            raise ValueError("buffer and notice cannot be negative; the horizon is at least a day")
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True)
class Rep:
    """A sales rep: who they are, which calendar holds their meetings, the zone they work in."""

    name: str
    email: str
    calendar_id: str
    timezone: str

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # fail fast on a misspelt zone


def slot_id(start: datetime, rep_email: str) -> str:
    """The id of the slot of `rep_email` that starts at the aware moment `start`."""
    return f"{_utc(start).strftime(_ID_FORMAT)}-{rep_email}"


def parse_slot_id(value: str) -> tuple[datetime, str]:
    """(UTC start, rep email) of a slot id; ValueError for anything that is not one."""
    stamp, _, email = value.partition("-")
    try:
        start = datetime.strptime(stamp, _ID_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"not a slot id: {value!r}") from exc
    if "@" not in email:
        raise ValueError(f"not a slot id: {value!r}")
    return start, email


def is_slot_start(start: datetime, rep: Rep, rules: SlotRules) -> bool:
    """Whether a meeting of `rep` may start at `start` (working day, hours, half-hour grid)."""
    local = _utc(start).astimezone(ZoneInfo(rep.timezone))
    return _utc(start) in set(_starts(local.date(), rep, rules))


def free_slots(busy: Mapping[str, Iterable[Interval]], reps: Sequence[Rep], rules: SlotRules,
               after: datetime, count: int, preferred: datetime | None = None,
               assignment: Assignment = "round_robin", owner_email: str | None = None,
               rep_email: str = "") -> list[Slot]:
    """Up to `count` free slots from `after` (aware), nearest `preferred` first when given.

    `busy` maps a rep's calendar id to the intervals it is busy; a rep whose calendar is missing
    from it is taken as unknown, so offered no slots. round_robin hands consecutive times to
    the reps in turn; owner_first gives a time to the rep with `owner_email` whenever they are
    free and to the others in turn otherwise. Naive datetimes are read in the first rep's zone.
    With `rep_email`, only that rep's slots (none when no rep has that email).
    """
    if rep_email:
        reps = [rep for rep in reps if rep.email.casefold() == rep_email.casefold()]
    if not reps or count <= 0:
        return []
    zone = ZoneInfo(reps[0].timezone)
    after = _aware(after, zone)
    earliest, latest = after + rules.min_notice, after + timedelta(days=rules.horizon_days)
    free_by_start: dict[datetime, list[Rep]] = {}
    for rep in reps:
        if rep.calendar_id not in busy:
            continue
        blocked = [(_utc(s) - rules.buffer, _utc(e) + rules.buffer) for s, e in busy[rep.calendar_id]]
        for start in _rep_starts(rep, rules, earliest, latest):
            end = start + rules.meeting
            if not any(b0 < end and start < b1 for b0, b1 in blocked):
                free_by_start.setdefault(start, []).append(rep)
    slots = _assign(free_by_start, reps, rules, assignment, owner_email)
    if preferred is not None:
        preferred = _aware(preferred, zone)
        day = preferred.date()
        slots.sort(key=lambda s: (s.start.astimezone(preferred.tzinfo).date() != day,
                                  abs(_utc(s.start) - _utc(preferred)), _utc(s.start)))
    return slots[:count]


def _assign(free_by_start: dict[datetime, list[Rep]], reps: Sequence[Rep], rules: SlotRules,
            assignment: Assignment, owner_email: str | None) -> list[Slot]:
    """One slot per start time, in time order, each given to one of the reps free then."""
    order = {rep.email: index for index, rep in enumerate(reps)}
    turn = 0  # index in `reps` of the rep whose turn it is
    slots = []
    for start in sorted(free_by_start):
        free = free_by_start[start]
        owner = next((r for r in free if assignment == "owner_first" and r.email == owner_email), None)
        if owner is not None:
            rep = owner
        else:
            rep = min(free, key=lambda r: (order[r.email] - turn) % len(reps))
            turn = order[rep.email] + 1
        zone = ZoneInfo(rep.timezone)  # the end is computed in UTC: local + length is wall-clock maths
        slots.append(Slot(id=slot_id(start, rep.email), start=start.astimezone(zone),
                          end=(start + rules.meeting).astimezone(zone),
                          timezone=rep.timezone, rep=rep.name, rep_email=rep.email))
    return slots


def _rep_starts(rep: Rep, rules: SlotRules, earliest: datetime, latest: datetime) -> Iterator[datetime]:
    """UTC starts of `rep`'s meetings that begin at or after `earliest` and end by `latest`."""
    zone = ZoneInfo(rep.timezone)
    day, last_day = earliest.astimezone(zone).date(), latest.astimezone(zone).date()
    while day <= last_day:
        for start in _starts(day, rep, rules):
            if start >= earliest and start + rules.meeting <= latest:
                yield start
        day += timedelta(days=1)


def _starts(day: date, rep: Rep, rules: SlotRules) -> list[datetime]:
    """UTC starts of every meeting on the local `day` that fits inside `rep`'s business hours."""
    if day.weekday() not in rules.weekdays:
        return []
    zone = ZoneInfo(rep.timezone)
    closes = _utc(datetime.combine(day, rules.closes, tzinfo=zone))
    first = -(-(rules.opens.hour * 60 + rules.opens.minute) // STEP_MINUTES) * STEP_MINUTES  # round up
    starts = []
    for minute in range(first, 24 * 60, STEP_MINUTES):
        wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
        start = _utc(wall)
        if start.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
            continue  # this wall time does not exist today (the clocks jumped over it)
        if start + rules.meeting > closes:
            break
        starts.append(start)
    return starts


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no timezone")
    return moment.astimezone(UTC)


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def resolve_slot(slot_id: str, reps_by_email: dict[str, Rep], rules: SlotRules, now: datetime) -> tuple[datetime, Rep]:
    """The start and rep of an offered slot, checked: one of our reps, inside their business hours,
    not in the past. Raises `ValueError` (the agent is told the slot is not valid)."""
    start, email = parse_slot_id(slot_id)
    rep = reps_by_email.get(email.casefold())
    if rep is None:
        raise ValueError(f"slot {slot_id!r} is not with one of our reps")
    if not is_slot_start(start, rep, rules):
        raise ValueError(f"slot {slot_id!r} is outside business hours")
    if start <= now:
        raise ValueError(f"slot {slot_id!r} is in the past")
    return start, rep
