"""What the `memory` backends serve: a company read from a seed file (`CALLBOT_MEMORY_SEED`, YAML),
which the dev and test composition roots point at (the demo company's). Dev only: settings refuse the
memory backends in staging and prod.

A seed names the company, its timezone and meeting length, its reps, the people the CRM knows and
the product documents. A known person's `meeting` is booked on the calendar when it is built, on the
first business day at least `days_ahead` days after the clock's now, at `time` (company timezone).
Everything is deterministic for a given clock: every process that builds the calendar books the same
seed meetings with the same ids, so the crm_action and calendar_action processes agree on them
without sharing memory.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field

from callbot.calendar import Attendee
from callbot.calendar.memory import MemoryCalendar
from callbot.crm import CallerRecord
from callbot.crm.memory import MemoryCrm
from callbot.knowledge.memory import Document, MemoryKnowledge

Clock = Callable[[], datetime]


class _Seed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class SeedRep(_Seed):
    name: str
    email: str


class SeedMeeting(_Seed):
    rep: str  # a rep's name
    days_ahead: int = Field(ge=0)
    at: time = Field(alias="time")
    title: str


class SeedContact(_Seed):
    first_name: str
    last_name: str
    company: str
    phone: str
    email: str
    owner: str  # a rep's name
    meeting: SeedMeeting | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SeedDocument(_Seed):
    source: str
    title: str
    language: str
    text: str


class CompanySeed(_Seed):
    company: str
    timezone: str
    meeting_minutes: int = Field(gt=0)
    reps: list[SeedRep] = Field(min_length=1)
    contacts: list[SeedContact] = []
    documents: list[SeedDocument] = []
    common_words: list[str] = []  # said in every document, like the company's name: they match nothing

    def rep_email(self, name: str) -> str:
        return next(rep.email for rep in self.reps if rep.name == name)

    def meeting_start(self, meeting: SeedMeeting, now: datetime) -> datetime:
        """When `meeting` is, for a calendar whose clock says `now`."""
        zone = ZoneInfo(self.timezone)
        day = now.astimezone(zone).date() + timedelta(days=meeting.days_ahead)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, meeting.at, tzinfo=zone)

    def calendar(self, clock: Clock = lambda: datetime.now(UTC)) -> MemoryCalendar:
        """The reps' calendars, with every contact's seed meeting booked."""
        calendar = MemoryCalendar([(rep.name, rep.email) for rep in self.reps], timezone=self.timezone,
                                  meeting_minutes=self.meeting_minutes, clock=clock)
        for contact in self.contacts:
            if contact.meeting is None:
                continue
            start = self.meeting_start(contact.meeting, clock())
            slot_id = calendar.slot_id(start, self.rep_email(contact.meeting.rep))
            calendar.book(request_id=f"demo-seed:{contact.email}", slot_id=slot_id, title=contact.meeting.title,
                          attendee=Attendee(name=contact.name, email=contact.email, phone=contact.phone))
        calendar.calls.clear()  # the seed is not part of what a test observes
        return calendar

    def crm(self, calendar: MemoryCalendar) -> MemoryCrm:
        """The known contacts, each with their upcoming meetings from `calendar`."""
        records = [CallerRecord(id=contact_id(c.email), kind="contact", first_name=c.first_name,
                                last_name=c.last_name, company=c.company, email=c.email, phone=c.phone, owner=c.owner,
                                meetings=calendar.meetings_for(email=c.email, phone=c.phone))
                   for c in self.contacts]
        calendar.calls.clear()
        return MemoryCrm(records)

    def knowledge(self) -> MemoryKnowledge:
        """The product documents; the company's name and its common words, said in every one, match nothing."""
        return MemoryKnowledge((Document(d.source, d.title, d.language, d.text) for d in self.documents),
                               ignore=[self.company, *self.common_words])


@functools.cache
def read_seed(path: Path | str) -> CompanySeed:
    """The seed file at `path`, parsed and checked once per process."""
    return CompanySeed.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def contact_id(email: str) -> str:
    """A Salesforce-like contact id (key prefix 003), stable across processes."""
    return "003" + hashlib.sha256(email.casefold().encode()).hexdigest()[:15]
