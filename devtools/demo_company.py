"""The demo company (Northwind Voice) as in-memory ports: the local stack's CRM, calendar and
knowledge base, built from `demo_company.yaml`.

Everything is deterministic for a given clock: every process that builds the demo calendar books
the same seed meetings with the same ids, so the crm_action and calendar_action processes agree on
them without sharing memory.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from callbot.calendar import Attendee
from callbot.calendar.memory import MemoryCalendar
from callbot.crm import CallerRecord
from callbot.crm.memory import MemoryCrm
from callbot.knowledge.memory import Document, MemoryKnowledge

SEED = Path(__file__).with_name("demo_company.yaml")
Clock = Callable[[], datetime]


@functools.cache
def seed() -> dict[str, Any]:
    """The parsed YAML seed (read once)."""
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


def demo_calendar(clock: Clock = lambda: datetime.now(UTC)) -> MemoryCalendar:
    """The reps' calendars, with every contact's seed meeting booked."""
    data = seed()
    calendar = MemoryCalendar([(r["name"], r["email"]) for r in data["reps"]], timezone=data["timezone"],
                              meeting_minutes=data["meeting_minutes"], clock=clock)
    reps = {r["name"]: r["email"] for r in data["reps"]}
    for contact in data["contacts"]:
        meeting = contact.get("meeting")
        if not meeting:
            continue
        start = _business_day_at(clock(), meeting["days_ahead"], time.fromisoformat(meeting["time"]),
                                 ZoneInfo(data["timezone"]))
        attendee = Attendee(name=f"{contact['first_name']} {contact['last_name']}", email=contact["email"],
                            phone=contact["phone"])
        slot_id = calendar.slot_id(start, reps[meeting["rep"]])
        calendar.book(request_id=f"demo-seed:{contact['email']}", slot_id=slot_id, attendee=attendee,
                      title=meeting["title"])
    calendar.calls.clear()  # the seed is not part of what a test observes
    return calendar


def demo_crm(calendar: MemoryCalendar) -> MemoryCrm:
    """The known contacts, each with their upcoming meetings from `calendar`."""
    records = [
        CallerRecord(id=_contact_id(c["email"]), kind="contact", first_name=c["first_name"],
                     last_name=c["last_name"], company=c["company"], email=c["email"], phone=c["phone"],
                     owner=c["owner"], meetings=calendar.meetings_for(email=c["email"], phone=c["phone"]))
        for c in seed()["contacts"]]
    calendar.calls.clear()
    return MemoryCrm(records)


def demo_knowledge() -> MemoryKnowledge:
    """The product documents, English and French."""
    data = seed()
    return MemoryKnowledge((Document(d["source"], d["title"], d["language"], d["text"]) for d in data["documents"]),
                           ignore=[data["company"]])


def _business_day_at(now: datetime, days_ahead: int, at: time, zone: ZoneInfo) -> datetime:
    """`at` on the first Monday-to-Friday day at least `days_ahead` days after `now` (in `zone`)."""
    day = now.astimezone(zone).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=zone)


def _contact_id(email: str) -> str:
    """A Salesforce-like contact id (key prefix 003), stable across processes."""
    return "003" + hashlib.sha256(email.casefold().encode()).hexdigest()[:15]


# -- the same company as seeds for the local Salesforce and Google Calendar servers -------------

DEV_SALESFORCE_USER = {"Name": "Callbot Integration", "Email": "callbot@northwind.example",
                       "Username": "callbot@northwind.example", "Password": "callbot-dev-password",
                       "SecurityToken": "DEVTOKEN"}


def _sf_id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.casefold().encode()).hexdigest()[:15]


def demo_user_id(email: str) -> str:
    """The Salesforce User Id of a demo rep in the local Salesforce server's seed."""
    return _sf_id("005", email)


def salesforce_seed() -> dict[str, Any]:
    """The org of the local Salesforce server: the integration user, the reps, the known contacts."""
    data = seed()
    users = [{**DEV_SALESFORCE_USER, "Id": _sf_id("005", DEV_SALESFORCE_USER["Email"])}]
    users += [{"Id": _sf_id("005", r["email"]), "Name": r["name"], "Email": r["email"], "Username": r["email"],
               "Password": "", "SecurityToken": ""} for r in data["reps"]]
    owners = {r["name"]: _sf_id("005", r["email"]) for r in data["reps"]}
    accounts = {c["company"]: _sf_id("001", c["company"]) for c in data["contacts"]}
    return {"users": users,
            "Account": [{"Id": account_id, "Name": name} for name, account_id in accounts.items()],
            "Contact": [{"Id": _contact_id(c["email"]), "FirstName": c["first_name"], "LastName": c["last_name"],
                         "Email": c["email"], "Phone": c["phone"], "AccountId": accounts[c["company"]],
                         "OwnerId": owners[c["owner"]]} for c in data["contacts"]]}


def calendar_seed(now: datetime) -> dict[str, Any]:
    """The reps' calendars on the local Google Calendar server, with the contacts' seed meetings."""
    data = seed()
    zone = ZoneInfo(data["timezone"])
    reps = {r["name"]: r["email"] for r in data["reps"]}
    events = []
    for contact in data["contacts"]:
        meeting = contact.get("meeting")
        if not meeting:
            continue
        start = _business_day_at(now, meeting["days_ahead"], time.fromisoformat(meeting["time"]), zone)
        end = start + timedelta(minutes=data["meeting_minutes"])
        events.append({"calendarId": reps[meeting["rep"]],
                       "id": hashlib.sha256(f"demo-seed:{contact['email']}".encode()).hexdigest(),
                       "summary": meeting["title"],
                       "start": {"dateTime": start.isoformat(), "timeZone": data["timezone"]},
                       "end": {"dateTime": end.isoformat(), "timeZone": data["timezone"]},
                       "attendees": [{"email": contact["email"]}, {"email": reps[meeting["rep"]]}]})
    return {"calendars": list(reps.values()), "events": events}
