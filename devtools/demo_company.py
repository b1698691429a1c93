"""The demo company (Northwind Voice), from `demo_company.yaml`: the seed of the action functions'
`memory` backends (`callbot.action_functions.memory_seed`), which the dev stack and the tests point them at
(`memory_settings`), the same company as seeds for the local Salesforce and Google Calendar servers
and as their reps (`calendar_reps`), and its knowledge base folder (`knowledge_base/`) with its
embedder.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from callbot.action_functions.memory_seed import CompanySeed, contact_id, read_seed
from callbot.action_functions.settings import RepSetting
from callbot.calendar.memory import MemoryCalendar
from callbot.crm.memory import MemoryCrm
from callbot.knowledge.embeddings import Embedder
from callbot.knowledge.engines import make_embedder
from callbot.knowledge.in_process import InProcessKnowledge
from callbot.knowledge.memory import MemoryKnowledge

SEED = Path(__file__).with_name("demo_company.yaml")
KNOWLEDGE_BASE = Path(__file__).resolve().parent.parent / "knowledge_base"
Clock = Callable[[], datetime]


def seed() -> CompanySeed:
    """The parsed seed (read once)."""
    return read_seed(SEED)


def memory_settings() -> dict[str, str]:
    """The settings (environment variables) that make the memory backends serve the demo company."""
    return {"CALLBOT_MEMORY_SEED": str(SEED)}


def demo_calendar(clock: Clock = lambda: datetime.now(UTC)) -> MemoryCalendar:
    """The reps' calendars, with every contact's seed meeting booked."""
    return seed().calendar(clock)


def demo_crm(calendar: MemoryCalendar) -> MemoryCrm:
    """The known contacts, each with their upcoming meetings from `calendar`."""
    return seed().crm(calendar)


def demo_knowledge() -> MemoryKnowledge:
    """The seed's short product documents, English and French, scored by keywords (the unit tests')."""
    return seed().knowledge()


@functools.cache
def knowledge_base() -> InProcessKnowledge:
    """`knowledge_base/` as the local stack ingests and searches it (the local model, hybrid retrieval,
    the local default threshold), held in this process: what the text-level conversations search.
    Built once per process."""
    local, threshold = embedder("local")
    return InProcessKnowledge.from_folder(KNOWLEDGE_BASE, local, threshold)


def embedder(name: str = "local") -> tuple[Embedder, float | None]:
    """The knowledge base's embedder called `name` (`callbot.knowledge.engines`) and its default
    threshold; the deterministic one ignores the company's name (said everywhere)."""
    return make_embedder(name, ignore=[seed().company])


# -- the same company as seeds for the local Salesforce and Google Calendar servers -------------

DEV_SALESFORCE_USER = {"Name": "Callbot Integration", "Email": "callbot@northwind.example",
                       "Username": "callbot@northwind.example", "Password": "callbot-dev-password",
                       "SecurityToken": "DEVTOKEN"}
DEV_SALESFORCE_CLIENT_ID = "callbot-dev-connected-app"  # the consumer key the fake org takes from anyone


def _sf_id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.casefold().encode()).hexdigest()[:15]


def demo_user_id(email: str) -> str:
    """The Salesforce User Id of a demo rep in the local Salesforce server's seed."""
    return _sf_id("005", email)


def calendar_reps(backend: str = "google") -> list[RepSetting]:
    """The demo reps as `CALLBOT_CALENDAR_REPS` names them for the `backend` calendar: on Google their
    calendar is their email, on Salesforce their User Id in the local server's seed."""
    data = seed()
    return [RepSetting(name=rep.name, email=rep.email, timezone=data.timezone,
                       calendar_id=demo_user_id(rep.email) if backend == "salesforce" else rep.email)
            for rep in data.reps]


def salesforce_seed() -> dict[str, Any]:
    """The org of the local Salesforce server: the integration user, the reps, the known contacts."""
    data = seed()
    users = [{**DEV_SALESFORCE_USER, "Id": _sf_id("005", DEV_SALESFORCE_USER["Email"])}]
    users += [{"Id": demo_user_id(r.email), "Name": r.name, "Email": r.email, "Username": r.email,
               "Password": "", "SecurityToken": ""} for r in data.reps]
    owners = {r.name: demo_user_id(r.email) for r in data.reps}
    accounts = {c.company: _sf_id("001", c.company) for c in data.contacts}
    return {"users": users,
            "Account": [{"Id": account_id, "Name": name} for name, account_id in accounts.items()],
            "Contact": [{"Id": contact_id(c.email), "FirstName": c.first_name, "LastName": c.last_name,
                         "Email": c.email, "Phone": c.phone, "AccountId": accounts[c.company],
                         "OwnerId": owners[c.owner]} for c in data.contacts]}


def calendar_seed(now: datetime) -> dict[str, Any]:
    """The reps' calendars on the local Google Calendar server, with the contacts' seed meetings."""
    data = seed()
    events = []
    for contact in data.contacts:
        if contact.meeting is None:
            continue
        start = data.meeting_start(contact.meeting, now)
        end = start + timedelta(minutes=data.meeting_minutes)
        rep = data.rep_email(contact.meeting.rep)
        events.append({"calendarId": rep, "id": hashlib.sha256(f"demo-seed:{contact.email}".encode()).hexdigest(),
                       "summary": contact.meeting.title,
                       "start": {"dateTime": start.isoformat(), "timeZone": data.timezone},
                       "end": {"dateTime": end.isoformat(), "timeZone": data.timezone},
                       "attendees": [{"email": contact.email}, {"email": rep}]})
    return {"calendars": [rep.email for rep in data.reps], "events": events}
