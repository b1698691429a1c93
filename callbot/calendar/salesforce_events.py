"""`CalendarPort` on Salesforce Events, through `simple-salesforce`: for orgs whose reps keep their
meetings in Salesforce rather than in Google Calendar.

A rep's `calendar_id` is their Salesforce User Id: a meeting is an Event the rep owns, its id the
Event Id. Busy times are the reps' Events (one SOQL query), so the offered slots follow the same
rules as every other calendar (`slots.py`). A booked Event points (`WhoId`) at the Lead or Contact
with the attendee's email when there is one, or, for a caller who would not give an email, with
their phone (the lead is saved with it before booking), which is how `meetings_for` finds it again.

The org's Event has no field of ours, so the callbot's bookkeeping lives in `Callbot ...:` lines at
the end of the Description, next to the attendee's name, email and phone the rep reads there: the
hash of the request that booked the Event, the last reschedule request and the start it moved from.
A redelivered booking looks for its hash among the rep's Events at that time and the attendee's
upcoming Events, and returns what it finds; a redelivered reschedule finds its hash on the Event
and changes nothing. Without a unique external id two deliveries running at the same moment can
still both create an Event (a `Callbot_Request_Id__c` external id on Event would close that gap).
A cancelled meeting is marked, not deleted: its Subject starts with `Cancelled: `, and such Events
never count as busy nor as upcoming.

Errors: `salesforce_errors.classify` (429, 5xx, limits and timeouts are `RetryableError`, other
failures `PermanentError`); a meeting id that names no Event raises `MeetingNotFound`. An expired
session is renewed once and the operation run again, which is safe because each one is idempotent.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import SalesforceResourceNotFound

from callbot.calendar import Attendee, Meeting, MeetingNotFound, Slot, SlotTaken, slots
from callbot.calendar.slots import Assignment, Interval, Rep, SlotRules
from callbot.crm.memory import DEFAULT_REGION, e164
from callbot.crm.salesforce import phone_variants
from callbot.crm.salesforce_auth import SalesforceAuth, connect
from callbot.crm.salesforce_session import SalesforceSession

T = TypeVar("T")
CANCELLED = "Cancelled: "
FIELDS = "Id, OwnerId, Subject, StartDateTime, EndDateTime, Description"
BOOKED_BY, MOVED_FROM, MOVED_BY = "Callbot request", "Callbot moved from", "Callbot reschedule request"
_NOTE = re.compile(r"^(Name|Email|Phone|Callbot [a-z ]+): (.*)$", re.MULTILINE)


class SalesforceEventsCalendar:
    """Reps' Salesforce Events as a `CalendarPort`. `connect` returns a signed-in client (called
    lazily, and again when the session expires); `owner_email` is the rep `owner_first` prefers."""

    def __init__(self, connect: Callable[[], Salesforce], reps: Sequence[Rep], rules: SlotRules | None = None, *,
                 assignment: Assignment = "round_robin", owner_email: str | None = None,
                 region: str = DEFAULT_REGION, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if not reps:
            raise ValueError("a calendar needs at least one rep")
        if assignment == "owner_first" and owner_email not in {r.email for r in reps}:
            raise ValueError("owner_first needs owner_email to be one of the reps")
        self._session, self._reps, self._rules = SalesforceSession(connect), list(reps), rules or SlotRules()
        self._by_email = {r.email.casefold(): r for r in reps}
        self._by_user = {r.calendar_id: r for r in reps}
        self._assignment, self._owner, self._region, self._clock = assignment, owner_email, region, clock

    @classmethod
    def from_auth(cls, auth: SalesforceAuth, reps: Sequence[Rep], rules: SlotRules | None = None,
                  **kwargs: Any) -> SalesforceEventsCalendar:
        return cls(functools.partial(connect, auth), reps, rules, **kwargs)

    # -- the port

    def free_slots(self, *, after: datetime, count: int, preferred: datetime | None = None,
                   rep_email: str = "") -> list[Slot]:
        after = after if after.tzinfo else after.replace(tzinfo=ZoneInfo(self._reps[0].timezone))
        start, end = after - self._rules.buffer, after + timedelta(days=self._rules.horizon_days)
        events = self._call(lambda sf: self._busy(sf, self._reps, start, end))
        busy: dict[str, list[Interval]] = {r.calendar_id: [] for r in self._reps}
        for event in events:
            busy[event["OwnerId"]].append((_instant(event["StartDateTime"]), _instant(event["EndDateTime"])))
        return slots.free_slots(busy, self._reps, self._rules, after, count, preferred, self._assignment, self._owner,
                                rep_email)

    def book(self, *, request_id: str, slot_id: str, attendee: Attendee, title: str) -> Meeting:
        start, rep = self._slot(slot_id)
        return self._call(lambda sf: self._book(sf, _hash(request_id), start, rep, attendee, title))

    def reschedule(self, *, request_id: str, meeting_id: str, slot_id: str) -> Meeting:
        return self._call(lambda sf: self._reschedule(sf, _hash(request_id), meeting_id, slot_id))

    def cancel(self, *, meeting_id: str) -> Meeting:
        def work(sf: Salesforce) -> Meeting:
            event = self._event(sf, meeting_id)
            if not _cancelled(event):
                event["Subject"] = CANCELLED + (event.get("Subject") or "Meeting")
                sf.Event.update(meeting_id, {"Subject": event["Subject"][:255]})
            return self._meeting(event)
        return self._call(work)

    def meetings_for(self, *, email: str = "", phone: str = "") -> list[Meeting]:
        def work(sf: Salesforce) -> list[Meeting]:
            who = self._people(sf, email.strip(), e164(phone, self._region))
            if not who:
                return []
            events = self._rows(sf, "WhoId IN {who} AND StartDateTime >= {now} AND (NOT Subject LIKE {cancelled})"
                                " ORDER BY StartDateTime ASC", who=who, now=self._clock(), cancelled=CANCELLED + "%")
            return [self._meeting(e) for e in events]
        return self._call(work)

    # -- the work, on a signed-in client

    def _book(self, sf: Salesforce, marker: str, start: datetime, rep: Rep, attendee: Attendee,
              title: str) -> Meeting:
        end, email = start + self._rules.meeting, attendee.email or ""
        phone = e164(attendee.phone, self._region)
        who = self._people(sf, email, "" if email else phone)  # without an email: the lead saved with the phone
        taken = self._busy(sf, [rep], start - self._rules.buffer, end + self._rules.buffer)
        mine = taken + (self._rows(sf, "WhoId IN {who} AND StartDateTime >= {now}", who=who, now=self._clock())
                        if who else [])
        for event in mine:  # a redelivery: the Event this request created stands
            if _notes(event).get(BOOKED_BY) == marker:
                return self._meeting(event)
        if taken:
            raise _taken(rep, start)
        description = (f"Booked by phone for {attendee.name} with {rep.name}.\n\nName: {attendee.name}\n"
                       + (f"Email: {email}\n" if email else "") + (f"Phone: {phone}\n" if phone else "")
                       + f"{BOOKED_BY}: {marker}")
        values = {"OwnerId": rep.calendar_id, "Subject": title[:255], "StartDateTime": _utc_text(start),
                  "EndDateTime": _utc_text(end), "Description": description, **({"WhoId": who[0]} if who else {})}
        event_id = sf.Event.create(values)["id"]
        return self._meeting({"Id": event_id, **values})

    def _reschedule(self, sf: Salesforce, marker: str, meeting_id: str, slot_id: str) -> Meeting:
        event = self._event(sf, meeting_id)
        notes = _notes(event)
        if notes.get(MOVED_BY) == marker:
            return self._meeting(event)
        if _cancelled(event):
            raise ValueError(f"meeting {meeting_id} is cancelled")
        start, rep = self._slot(slot_id)
        end, buffer = start + self._rules.meeting, self._rules.buffer
        if self._busy(sf, [rep], start - buffer, end + buffer, ignore=meeting_id):
            raise _taken(rep, start)
        old = _instant(event["StartDateTime"]).astimezone(UTC).isoformat()
        lines = [line for line in (event.get("Description") or "").splitlines()
                 if not line.startswith((f"{MOVED_FROM}:", f"{MOVED_BY}:"))]
        values = {"StartDateTime": _utc_text(start), "EndDateTime": _utc_text(end),
                  "Description": "\n".join([*lines, f"{MOVED_FROM}: {old}", f"{MOVED_BY}: {marker}"])}
        if event.get("OwnerId") != rep.calendar_id:
            values["OwnerId"] = rep.calendar_id
        sf.Event.update(meeting_id, values)  # one write: the new time and the request that made it
        return self._meeting({**event, **values})

    def _busy(self, sf: Salesforce, reps: Sequence[Rep], start: datetime, end: datetime,
              ignore: str = "") -> list[dict[str, Any]]:
        """The reps' Events (not cancelled, not `ignore`) that overlap `start`..`end`."""
        return self._rows(sf, "OwnerId IN {owners} AND StartDateTime < {end} AND EndDateTime > {start}"
                              " AND Id != {ignore} AND (NOT Subject LIKE {cancelled})",
                          owners=[r.calendar_id for r in reps], start=start, end=end, ignore=ignore or None,
                          cancelled=CANCELLED + "%")

    def _people(self, sf: Salesforce, email: str, phone: str) -> list[str]:
        """Ids of the Contacts and open Leads with this email or phone (any common spelling)."""
        variants = phone_variants(phone, self._region)
        matches = (["Email = {email}"] if email else []) + (
            ["Phone IN {phones}", "MobilePhone IN {phones}"] if variants else [])
        if not matches:
            return []
        ids = []
        for kind, only in (("Contact", ""), ("Lead", "IsConverted = false AND ")):
            soql = f"SELECT Id FROM {kind} WHERE {only}({' OR '.join(matches)}) ORDER BY LastModifiedDate DESC"
            ids += [r["Id"] for r in sf.query_all(format_soql(soql, email=email, phones=variants))["records"]]
        return ids

    def _rows(self, sf: Salesforce, where: str, **values: Any) -> list[dict[str, Any]]:
        soql = format_soql(f"SELECT {FIELDS} FROM Event WHERE {where}", **values)
        return list(sf.query_all(soql)["records"])

    def _event(self, sf: Salesforce, meeting_id: str) -> dict[str, Any]:
        if not re.fullmatch(r"00U[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?", meeting_id):
            raise MeetingNotFound(meeting_id)
        try:
            return dict(sf.Event.get(meeting_id))
        except SalesforceResourceNotFound as exc:
            raise MeetingNotFound(meeting_id) from exc

    def _slot(self, slot_id: str) -> tuple[datetime, Rep]:
        return slots.resolve_slot(slot_id, self._by_email, self._rules, self._clock())

    def _meeting(self, event: dict[str, Any]) -> Meeting:
        rep = self._by_user.get(event.get("OwnerId") or "")
        zone_name = rep.timezone if rep else self._reps[0].timezone
        zone, notes = ZoneInfo(zone_name), _notes(event)
        moved = notes.get(MOVED_FROM)
        return Meeting(id=event["Id"], start=_instant(event["StartDateTime"]).astimezone(zone),
                       end=_instant(event["EndDateTime"]).astimezone(zone), timezone=zone_name,
                       rep=rep.name if rep else "", rep_email=rep.email if rep else "",
                       attendee_email=notes.get("Email", "").casefold(),
                       status="cancelled" if _cancelled(event) else "booked",
                       moved_from=datetime.fromisoformat(moved).astimezone(zone) if moved else None)

    def _call(self, work: Callable[[Salesforce], T]) -> T:
        return self._session.run(work)


def _hash(request_id: str) -> str:
    return hashlib.sha256(request_id.encode()).hexdigest()[:32]


def _notes(event: dict[str, Any]) -> dict[str, str]:
    return {key: value.strip() for key, value in _NOTE.findall(event.get("Description") or "")}


def _cancelled(event: dict[str, Any]) -> bool:
    return (event.get("Subject") or "").startswith(CANCELLED)


def _taken(rep: Rep, start: datetime) -> SlotTaken:
    taken = SlotTaken(f"{rep.name} is not free at {start.isoformat()}")
    taken.start = start  # type: ignore[attr-defined]
    return taken


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
