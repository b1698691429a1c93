"""Calendars: the `CalendarPort` and the meeting types it speaks.

Adapters: `google_calendar.py` (Google Calendar v3), `salesforce_events.py` (Salesforce Events on
the reps' calendars), both with slots from `slots.py`, and `memory.py` (the demo company in memory,
for unit tests). Every time is timezone-aware; `timezone` names the IANA
zone a time is spoken in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, EmailStr, field_validator, model_validator


class Slot(BaseModel):
    """A free time a sales rep can meet."""

    model_config = ConfigDict(frozen=True)

    id: str
    start: datetime
    end: datetime
    timezone: str
    rep: str  # the rep's display name
    rep_email: str = ""


class Attendee(BaseModel):
    """Who a meeting is for: invited by email when they gave one; a caller who would not give an
    email is booked on their phone number (on the event, for the rep), with no invitation, and the
    confirmation is texted to them."""

    model_config = ConfigDict(frozen=True)

    name: str
    email: EmailStr | None = None
    phone: str = ""

    @field_validator("email", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _reachable(self) -> Attendee:
        if self.email is None and not self.phone.strip():
            raise ValueError("an attendee needs an email or a phone number")
        return self


class Meeting(BaseModel):
    """A meeting booked with a rep (possibly moved or cancelled since)."""

    id: str
    start: datetime
    end: datetime
    timezone: str
    rep: str
    rep_email: str = ""
    attendee_email: str = ""
    status: Literal["booked", "cancelled"] = "booked"
    moved_from: datetime | None = None  # the start it had before its latest reschedule
    # booked without the attendee on the event (credentials that cannot invite): nobody has sent
    # them an invitation yet
    invitation_owed: bool = False


class SlotTaken(Exception):
    """The slot is no longer free (someone booked it meanwhile); offer others."""


class MeetingNotFound(Exception):
    pass


class CalendarPort(Protocol):
    def free_slots(self, *, after: datetime, count: int, preferred: datetime | None = None,
                   rep_email: str = "") -> list[Slot]:
        """Up to `count` free slots from `after`, the ones nearest `preferred` first when given; only
        the slots of the rep with `rep_email` when given (a meeting moved stays with its rep)."""
        ...

    def book(self, *, request_id: str, slot_id: str, attendee: Attendee, title: str) -> Meeting:
        """Book `slot_id`; the same `request_id` again returns the same meeting. Raises `SlotTaken`."""
        ...

    def reschedule(self, *, request_id: str, meeting_id: str, slot_id: str) -> Meeting: ...

    def cancel(self, *, meeting_id: str) -> Meeting: ...

    def meetings_for(self, *, email: str = "", phone: str = "") -> list[Meeting]:
        """Upcoming booked meetings of one attendee."""
        ...
