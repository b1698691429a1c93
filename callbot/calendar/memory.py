"""An in-memory `CalendarPort`: the unit tests' fake, and the local stack's calendar (seeded with the
demo company's reps) until the Google Calendar and Salesforce Events adapters land.

Reps work 09:00-17:00, Monday to Friday, in one timezone. Slots start on the hour or half-hour, at
least `lead_time` after the time asked from, and are shared round-robin between the reps. A slot id
is `<local start>-<rep key>` (e.g. "2026-12-01T10:00-alex.kim"), so any process can book a slot it
never listed. Meeting ids derive from the booking's request id, which makes booking idempotent.
Naive datetimes are read in the calendar's timezone. Every call is recorded in `calls`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callbot.calendar import Attendee, Meeting, MeetingNotFound, Slot, SlotTaken
from callbot.crm.memory import e164

OPENS, CLOSES = time(9, 0), time(17, 0)
SLOT_STEP = timedelta(minutes=30)
SEARCH_DAYS = 28  # how far past the first possible day (or the preferred one) slots are looked for
_ID_TIME_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class Rep:
    name: str
    email: str

    @property
    def key(self) -> str:
        return self.email.split("@", 1)[0].lower()


@dataclass
class _Booking:
    meeting: Meeting
    attendee: Attendee
    request_ids: set[str]


class MemoryCalendar:
    """Reps' calendars in dicts, guarded by a lock (functions-framework serves from threads)."""

    def __init__(self, reps: list[tuple[str, str]], timezone: str = "America/New_York", meeting_minutes: int = 30,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 lead_time: timedelta = timedelta(hours=2)) -> None:
        if not reps:
            raise ValueError("a calendar needs at least one rep")
        if not 0 < meeting_minutes <= 8 * 60:
            raise ValueError("meeting_minutes must fit in a working day")
        self._reps = [Rep(name, email) for name, email in reps]
        self._by_key = {rep.key: rep for rep in self._reps}
        self._zone = ZoneInfo(timezone)
        self.timezone = timezone
        self._length = timedelta(minutes=meeting_minutes)
        self._clock = clock
        self._lead_time = lead_time
        self._lock = threading.Lock()
        self._bookings: dict[str, _Booking] = {}  # meeting id -> booking
        self._by_request: dict[str, str] = {}  # request id -> meeting id
        self.calls: list[tuple[str, dict]] = []

    # -- the port

    def free_slots(self, *, after: datetime, count: int, preferred: datetime | None = None,
                   rep_email: str = "") -> list[Slot]:
        with self._lock:
            self.calls.append(("free_slots", {"after": after, "count": count, "preferred": preferred,
                                              "rep_email": rep_email}))
            earliest = self._aware(after) + self._lead_time
            last_day = earliest.astimezone(self._zone).date() + timedelta(days=SEARCH_DAYS)
            if preferred is not None:
                preferred = self._aware(preferred)
                last_day = max(last_day, preferred.astimezone(self._zone).date() + timedelta(days=SEARCH_DAYS))
            reps = [r for r in self._reps if r.email.casefold() == rep_email.casefold()] if rep_email else self._reps
            candidates = self._free_between(earliest, last_day, reps)
            if preferred is not None:
                day = preferred.astimezone(self._zone).date()
                candidates.sort(key=lambda s: (s.start.astimezone(self._zone).date() != day,
                                               abs(s.start - preferred), s.start))
            return candidates[:max(count, 0)]

    def book(self, *, request_id: str, slot_id: str, attendee: Attendee, title: str) -> Meeting:
        with self._lock:
            self.calls.append(("book", {"request_id": request_id, "slot_id": slot_id, "attendee": attendee,
                                        "title": title}))
            if request_id in self._by_request:
                return self._bookings[self._by_request[request_id]].meeting.model_copy()
            rep, start = self._parse(slot_id)
            self._claim(rep, start, meeting_id=None)
            meeting = Meeting(id=_meeting_id(request_id), start=start, end=start + self._length,
                              timezone=self.timezone, rep=rep.name, rep_email=rep.email,
                              attendee_email=attendee.email or "")
            self._bookings[meeting.id] = _Booking(meeting, attendee, {request_id})
            self._by_request[request_id] = meeting.id
            return meeting.model_copy()

    def reschedule(self, *, request_id: str, meeting_id: str, slot_id: str) -> Meeting:
        with self._lock:
            self.calls.append(("reschedule", {"request_id": request_id, "meeting_id": meeting_id,
                                              "slot_id": slot_id}))
            booking = self._booking(meeting_id)
            if request_id in booking.request_ids:
                return booking.meeting.model_copy()
            if booking.meeting.status == "cancelled":
                raise ValueError(f"meeting {meeting_id} is cancelled")
            rep, start = self._parse(slot_id)
            self._claim(rep, start, meeting_id=meeting_id)
            booking.meeting = booking.meeting.model_copy(update={
                "start": start, "end": start + self._length, "rep": rep.name, "rep_email": rep.email,
                "moved_from": booking.meeting.start})
            booking.request_ids.add(request_id)
            self._by_request[request_id] = meeting_id
            return booking.meeting.model_copy()

    def cancel(self, *, meeting_id: str) -> Meeting:
        with self._lock:
            self.calls.append(("cancel", {"meeting_id": meeting_id}))
            booking = self._booking(meeting_id)
            booking.meeting = booking.meeting.model_copy(update={"status": "cancelled"})
            return booking.meeting.model_copy()

    def meetings_for(self, *, email: str = "", phone: str = "") -> list[Meeting]:
        with self._lock:
            self.calls.append(("meetings_for", {"email": email, "phone": phone}))
            email, phone, now = email.strip().casefold(), e164(phone), self._clock()
            found = [b.meeting for b in self._bookings.values()
                     if b.meeting.status == "booked" and b.meeting.end > now
                     and ((email and (b.attendee.email or "").casefold() == email)
                          or (phone and e164(b.attendee.phone) == phone))]
            return [m.model_copy() for m in sorted(found, key=lambda m: m.start)]

    # -- slots

    def slot_id(self, start: datetime, rep_email: str) -> str:
        """The id of the slot of the rep with `rep_email` starting at `start`."""
        rep = next((r for r in self._reps if r.email == rep_email), None)
        if rep is None:
            raise ValueError(f"no rep with email {rep_email}")
        return f"{self._aware(start).astimezone(self._zone).strftime(_ID_TIME_FORMAT)}-{rep.key}"

    def _free_between(self, earliest: datetime, last_day: date, reps: list[Rep]) -> list[Slot]:
        """Free slots of `reps` from `earliest` to the end of `last_day`, each time given to one rep
        in turn."""
        slots: list[Slot] = []
        day = earliest.astimezone(self._zone).date()
        index = 0
        while day <= last_day:
            if day.weekday() < 5:
                for start in self._starts(day):
                    if start < earliest:
                        continue
                    rep = self._free_rep(start, index, reps)
                    index += 1
                    if rep is not None:
                        slots.append(self._slot(rep, start))
            day += timedelta(days=1)
        return slots

    def _starts(self, day: date) -> list[datetime]:
        start = datetime.combine(day, OPENS, tzinfo=self._zone)
        closes = datetime.combine(day, CLOSES, tzinfo=self._zone)
        starts = []
        while start + self._length <= closes:
            starts.append(start)
            start += SLOT_STEP
        return starts

    def _free_rep(self, start: datetime, index: int, reps: list[Rep]) -> Rep | None:
        for offset in range(len(reps)):
            rep = reps[(index + offset) % len(reps)]
            if self._is_free(rep, start):
                return rep
        return None

    def _is_free(self, rep: Rep, start: datetime, ignore: str | None = None) -> bool:
        """No booked meeting of `rep` overlaps [start, start + length), other than `ignore`."""
        end = start + self._length
        return not any(
            b.meeting.id != ignore and b.meeting.status == "booked" and b.meeting.rep_email == rep.email
            and b.meeting.start < end and start < b.meeting.end
            for b in self._bookings.values())

    def _slot(self, rep: Rep, start: datetime) -> Slot:
        return Slot(id=f"{start.strftime(_ID_TIME_FORMAT)}-{rep.key}", start=start, end=start + self._length,
                    timezone=self.timezone, rep=rep.name, rep_email=rep.email)

    def _parse(self, slot_id: str) -> tuple[Rep, datetime]:
        """The rep and start of a slot id; raises ValueError for an id that is not a possible slot."""
        stamp, separator, key = slot_id[:16], slot_id[16:17], slot_id[17:]
        try:
            start = datetime.strptime(stamp, _ID_TIME_FORMAT).replace(tzinfo=self._zone)
        except ValueError as exc:
            raise ValueError(f"not a slot id: {slot_id!r}") from exc
        rep = self._by_key.get(key)
        if rep is None or separator != "-":
            raise ValueError(f"not a slot id: {slot_id!r}")
        if start.weekday() >= 5 or start not in self._starts(start.date()):
            raise ValueError(f"slot {slot_id!r} is outside business hours")
        if start <= self._clock():
            raise ValueError(f"slot {slot_id!r} is in the past")
        return rep, start

    def _claim(self, rep: Rep, start: datetime, meeting_id: str | None) -> None:
        """Raise `SlotTaken` (with the slot's `start`, to offer times near it) unless `rep` is free."""
        if not self._is_free(rep, start, ignore=meeting_id):
            taken = SlotTaken(f"{rep.name} is not free at {start.isoformat()}")
            taken.start = start  # type: ignore[attr-defined]
            raise taken

    def _booking(self, meeting_id: str) -> _Booking:
        booking = self._bookings.get(meeting_id)
        if booking is None:
            raise MeetingNotFound(meeting_id)
        return booking

    def _aware(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self._zone)


def _meeting_id(request_id: str) -> str:
    return "mtg-" + hashlib.sha256(request_id.encode()).hexdigest()[:16]
