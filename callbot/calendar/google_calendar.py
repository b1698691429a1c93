"""`CalendarPort` on Google Calendar v3, through `googleapiclient`.

Meetings are events in the rep's calendar (or, with `organizer_calendar_id`, in one organizer
calendar that invites the rep); a meeting id is `<calendarId>/<eventId>`. Booking is idempotent by
request id: the event id is the sha256 hex of the request id (hex is valid base32hex), a
redelivered booking finds its own event, and a 409 `duplicate` on insert means an earlier attempt
got through. A reschedule patches the same event (moving it to the new rep's calendar with
`events.move` first when the rep changes, which keeps the event id) and records the request and the
old start in private extended properties, so a redelivery changes nothing. A meeting looked up in
the calendar its id names and not found there is looked for in the other reps' calendars: it may
have been moved. The attendee's email, phone (E.164) and the rep are kept in private extended
properties, which attendees never see.

Who acts (`google_credentials.py` decides): one client for every request, or, with domain-wide
delegation, `acting_as(email)`, the client acting as the owner of the calendar a request touches.
Credentials that cannot invite (a service account without delegation: Google answers 403
`forbiddenForServiceAccounts` to attendees) book the event on the rep's calendar without
attendees, and the meeting says `invitation_owed`. A caller who would not give an email is never
an attendee: their phone number is in the description, for the rep, and in the private properties,
for `meetings_for`; no invitation is owed (the confirmation is texted).

Errors: 429, 5xx, 403 rate limits, timeouts and connection failures raise `RetryableError` (Pub/Sub
delivers again); other 4xx raise `PermanentError` with Google's reason; 404/410 on a meeting raise
`MeetingNotFound`. `httplib2` is not thread-safe, so requests are serialized by a lock.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httplib2
from googleapiclient.errors import HttpError

from callbot.calendar import Attendee, Meeting, MeetingNotFound, Slot, SlotTaken, slots
from callbot.calendar.slots import Assignment, Interval, Rep, SlotRules
from callbot.crm.memory import e164
from callbot.errors import PermanentError, RetryableError

log = logging.getLogger(__name__)
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")


class GoogleCalendar:
    """Reps' Google calendars as a `CalendarPort`. `owner_email` is the rep preferred by
    `assignment="owner_first"`; `num_retries` are googleapiclient's own quick retries (0: leave
    retrying to Pub/Sub redelivery); `acting_as` and `can_invite`: see the module's docstring (an
    organizer calendar is the organizer's primary one, its id their email)."""

    def __init__(self, service: Any, reps: Sequence[Rep], rules: SlotRules | None = None, *,
                 assignment: Assignment = "round_robin", owner_email: str | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 organizer_calendar_id: str | None = None, num_retries: int = 0,
                 acting_as: Callable[[str], Any] | None = None, can_invite: bool = True) -> None:
        if not reps:
            raise ValueError("a calendar needs at least one rep")
        if organizer_calendar_id and not can_invite:
            raise ValueError("an organizer calendar invites the rep: it needs credentials that can invite")
        if assignment == "owner_first" and owner_email not in {r.email for r in reps}:
            raise ValueError("owner_first needs owner_email to be one of the reps")
        self._service = service
        self._reps = list(reps)
        self._by_email = {r.email.casefold(): r for r in reps}
        self._rules = rules or SlotRules()
        self._assignment, self._owner = assignment, owner_email
        self._clock = clock
        self._organizer = organizer_calendar_id
        self._num_retries = num_retries
        self._acting_as, self._can_invite = acting_as, can_invite
        self._owners = {r.calendar_id: r.email for r in reps}  # who acts on each calendar (delegation)
        if self._organizer:
            self._owners[self._organizer] = self._organizer
        self._lock = threading.Lock()

    # -- the port

    def free_slots(self, *, after: datetime, count: int, preferred: datetime | None = None,
                   rep_email: str = "") -> list[Slot]:
        after = after if after.tzinfo else after.replace(tzinfo=ZoneInfo(self._reps[0].timezone))
        end = after + timedelta(days=self._rules.horizon_days)
        busy = self._busy([r.calendar_id for r in self._reps], after - self._rules.buffer, end)
        return slots.free_slots(busy, self._reps, self._rules, after, count, preferred,
                                self._assignment, self._owner, rep_email)

    def book(self, *, request_id: str, slot_id: str, attendee: Attendee, title: str) -> Meeting:
        start, rep = self._slot(slot_id)
        home, event_id, end = self._home(rep), _event_id(request_id), start + self._rules.meeting
        if not self._is_free(rep, start, end):
            mine = self._get_or_none(home, event_id)  # a redelivery finds the slot taken by itself
            if mine is not None:
                return self._meeting(home, mine)
            raise _taken(rep, start)
        zone = ZoneInfo(rep.timezone)
        email, phone = attendee.email or "", e164(attendee.phone)
        description = (f"Booked by phone for {attendee.name} <{attendee.email}> with {rep.name}." if email else
                       f"Booked by phone for {attendee.name} with {rep.name}. No email given: reach them at "
                       f"{phone}; the confirmation is texted.")
        people = []
        if self._can_invite:
            people = [{"email": email, "displayName": attendee.name}] if email else []
            if self._organizer:
                people.append({"email": rep.email, "displayName": rep.name})
        elif email:
            description += " No invitation was sent to them from this calendar."
        body = {"id": event_id, "summary": title, **({"attendees": people} if people else {}),
                "description": description,
                "start": {"dateTime": start.astimezone(zone).isoformat(), "timeZone": rep.timezone},
                "end": {"dateTime": end.astimezone(zone).isoformat(), "timeZone": rep.timezone},
                "extendedProperties": {"private": {
                    "repEmail": rep.email, "attendeeEmail": email.casefold(), "attendeePhone": phone}}}
        events = self._as_owner(home).events()
        try:
            event = self._run(events.insert(calendarId=home, body=body, sendUpdates="all" if people else "none"),
                              expect=(409,))
        except HttpError:  # 409: an earlier attempt of this request created the event
            event = self._run(events.get(calendarId=home, eventId=event_id))
        return self._meeting(home, event)

    def reschedule(self, *, request_id: str, meeting_id: str, slot_id: str) -> Meeting:
        calendar_id, event = self._find(meeting_id)
        private = _private(event)
        marker = _event_id(request_id)[:32]
        if private.get("rescheduleRequest") == marker:
            return self._meeting(calendar_id, event)
        if event.get("status") == "cancelled":
            raise ValueError(f"meeting {meeting_id} is cancelled")
        start, rep = self._slot(slot_id)
        old = (_parse(event["start"]), _parse(event["end"]))
        same_rep = private.get("repEmail", "").casefold() == rep.email.casefold()
        if not self._is_free(rep, start, start + self._rules.meeting, ignore=old if same_rep else None):
            raise _taken(rep, start)
        home, zone = self._home(rep), ZoneInfo(rep.timezone)
        if home != calendar_id:
            event = self._run(self._as_owner(calendar_id).events().move(
                calendarId=calendar_id, eventId=event["id"], destination=home, sendUpdates="none"))
            calendar_id = home
        body: dict[str, Any] = {
            "start": {"dateTime": start.astimezone(zone).isoformat(), "timeZone": rep.timezone},
            "end": {"dateTime": (start + self._rules.meeting).astimezone(zone).isoformat(),
                    "timeZone": rep.timezone},
            "extendedProperties": {"private": {"movedFrom": old[0].isoformat(), "rescheduleRequest": marker,
                                               "repEmail": rep.email}}}
        if self._organizer and not same_rep:
            others = [a for a in event.get("attendees", []) if a.get("email") != private.get("repEmail")]
            body["attendees"] = [*others, {"email": rep.email, "displayName": rep.name}]
        event = self._run(self._as_owner(calendar_id).events().patch(
            calendarId=calendar_id, eventId=event["id"], body=body, sendUpdates="all"))
        return self._meeting(calendar_id, event)

    def cancel(self, *, meeting_id: str) -> Meeting:
        calendar_id, event = self._find(meeting_id)
        if event.get("status") != "cancelled":
            request = self._as_owner(calendar_id).events().delete(calendarId=calendar_id, eventId=event["id"],
                                                                  sendUpdates="all")
            try:
                self._run(request, expect=(410,))
            except HttpError:
                log.info("meeting was already deleted", extra={"meeting_id": meeting_id})
        return self._meeting(calendar_id, {**event, "status": "cancelled"})

    def meetings_for(self, *, email: str = "", phone: str = "") -> list[Meeting]:
        email, phone = email.strip().casefold(), e164(phone)
        filters = ([{"q": email}] if email else []) + \
                  ([{"privateExtendedProperty": f"attendeePhone={phone}"}] if phone else [])
        found: dict[str, Meeting] = {}
        now = _rfc3339(self._clock())
        for calendar_id in self._calendars():
            events = self._as_owner(calendar_id).events()
            for search in filters:
                request = events.list(calendarId=calendar_id, timeMin=now, singleEvents=True,
                                      orderBy="startTime", maxResults=250, **search)
                while request is not None:
                    page = self._run(request)
                    for event in page.get("items", []):
                        private = _private(event)
                        emails = {str(a.get("email", "")).casefold() for a in event.get("attendees", [])}
                        emails.add(private.get("attendeeEmail", ""))  # booked without attendees
                        if event.get("status") != "cancelled" and (
                                (email and email in emails) or (phone and private.get("attendeePhone") == phone)):
                            found[f"{calendar_id}/{event['id']}"] = self._meeting(calendar_id, event)
                    request = events.list_next(request, page)
        return sorted(found.values(), key=lambda m: m.start)

    # -- helpers

    def _busy(self, calendar_ids: list[str], start: datetime, end: datetime) -> dict[str, list[Interval]]:
        """Busy intervals per readable calendar, from one freebusy query."""
        body = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "timeZone": "UTC",
                "items": [{"id": cid} for cid in calendar_ids]}
        client = self._as_owner(calendar_ids[0]) if len(calendar_ids) == 1 else self._service
        answer = self._run(client.freebusy().query(body=body)).get("calendars", {})
        busy = {}
        for cid in calendar_ids:
            entry = answer.get(cid)
            if entry is None or entry.get("errors"):
                log.warning("a rep's free/busy is unavailable", extra={"calendar": cid,
                                                                        "errors": (entry or {}).get("errors")})
                continue
            busy[cid] = [(_parse(p["start"]), _parse(p["end"])) for p in entry.get("busy", [])]
        if not busy:
            raise PermanentError(f"no rep calendar is readable: {', '.join(calendar_ids)}")
        return busy

    def _is_free(self, rep: Rep, start: datetime, end: datetime, ignore: Interval | None = None) -> bool:
        """Whether `rep` is free (buffer included) from `start` to `end`, not counting `ignore`."""
        buffer = self._rules.buffer
        intervals = self._busy([rep.calendar_id], start - buffer, end + buffer)[rep.calendar_id]
        if ignore is not None:
            intervals = [piece for interval in intervals for piece in _minus(interval, ignore)]
        return not any(b0 - buffer < end and start < b1 + buffer for b0, b1 in intervals)

    def _slot(self, slot_id: str) -> tuple[datetime, Rep]:
        return slots.resolve_slot(slot_id, self._by_email, self._rules, self._clock())

    def _find(self, meeting_id: str) -> tuple[str, dict[str, Any]]:
        """The calendar and event of a meeting: in the calendar its id names, else (moved) another."""
        named, _, event_id = meeting_id.rpartition("/")
        if not _EVENT_ID.match(event_id):
            raise MeetingNotFound(meeting_id)
        calendars = self._calendars()
        for calendar_id in sorted(calendars, key=lambda c: c != named):
            event = self._get_or_none(calendar_id, event_id)
            if event is not None:
                return calendar_id, event
        raise MeetingNotFound(meeting_id)

    def _get_or_none(self, calendar_id: str, event_id: str) -> dict[str, Any] | None:
        try:
            return self._run(self._as_owner(calendar_id).events().get(calendarId=calendar_id, eventId=event_id),
                             expect=(404, 410))
        except HttpError:
            return None

    def _meeting(self, calendar_id: str, event: dict[str, Any]) -> Meeting:
        private = _private(event)
        rep = self._by_email.get(private.get("repEmail", "").casefold()) or next(
            (r for r in self._reps if r.calendar_id == calendar_id), None)
        timezone = event["start"].get("timeZone") or (rep.timezone if rep else "UTC")
        zone = ZoneInfo(timezone)
        attendee = private.get("attendeeEmail") or next(
            (a["email"] for a in event.get("attendees", []) if a.get("email", "").casefold() not in self._by_email), "")
        moved = private.get("movedFrom")
        invited = {str(a.get("email", "")).casefold() for a in event.get("attendees", [])}
        return Meeting(id=f"{calendar_id}/{event['id']}", start=_parse(event["start"]).astimezone(zone),
                       end=_parse(event["end"]).astimezone(zone), timezone=timezone,
                       rep=rep.name if rep else "", rep_email=rep.email if rep else "", attendee_email=attendee,
                       status="cancelled" if event.get("status") == "cancelled" else "booked",
                       moved_from=datetime.fromisoformat(moved).astimezone(zone) if moved else None,
                       invitation_owed=bool(attendee) and attendee.casefold() not in invited)

    def _as_owner(self, calendar_id: str) -> Any:
        """The client acting as the owner of `calendar_id` (delegation), else the one client."""
        owner = self._owners.get(calendar_id)
        return self._service if self._acting_as is None or owner is None else self._acting_as(owner)

    def _home(self, rep: Rep) -> str:
        return self._organizer or rep.calendar_id

    def _calendars(self) -> list[str]:
        return [self._organizer] if self._organizer else [r.calendar_id for r in self._reps]

    def _run(self, request: Any, expect: tuple[int, ...] = ()) -> Any:
        """Execute `request`, mapping failures onto the project's errors; statuses in `expect` are
        re-raised as `HttpError` for the caller to handle."""
        try:
            with self._lock:
                try:
                    return request.execute(num_retries=self._num_retries)
                except STALE_CONNECTION:  # the server closed the idle kept-alive connection: a new one
                    log.info("Google Calendar connection was closed while idle; reconnecting")
                    return request.execute(num_retries=self._num_retries)
        except HttpError as exc:
            status, reasons = exc.status_code, {d.get("reason") for d in _details(exc)}
            if status in expect:
                raise
            if status == 429 or status >= 500 or (status == 403 and reasons & RATE_LIMIT_REASONS):
                raise RetryableError(f"Google Calendar answered {status}: {exc.reason}") from exc
            if status in (404, 410):
                raise MeetingNotFound(f"Google Calendar answered {status}: {exc.reason}") from exc
            raise PermanentError(f"Google Calendar refused ({status} {', '.join(sorted(map(str, reasons)))}): "
                                 f"{exc.reason}") from exc
        except (TimeoutError, ConnectionError, httplib2.HttpLib2Error) as exc:
            raise RetryableError(f"Google Calendar unreachable: {exc!r}") from exc


# Errors of a request written on a connection the server had already closed. httplib2 drops the
# connection on them, so the request is repeated once at once rather than after Pub/Sub's backoff.
STALE_CONNECTION = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)


def _event_id(request_id: str) -> str:
    return hashlib.sha256(request_id.encode()).hexdigest()


def _taken(rep: Rep, start: datetime) -> SlotTaken:
    taken = SlotTaken(f"{rep.name} is not free at {start.isoformat()}")
    taken.start = start  # type: ignore[attr-defined]
    return taken


def _private(event: dict[str, Any]) -> dict[str, str]:
    return event.get("extendedProperties", {}).get("private", {})


def _details(exc: HttpError) -> list[dict[str, Any]]:
    details = exc.error_details
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _minus(interval: Interval, cut: Interval) -> list[Interval]:
    """`interval` without the part it shares with `cut`."""
    (a, b), (c, d) = interval, cut
    return [piece for piece in ((a, min(b, c)), (max(a, d), b)) if piece[0] < piece[1]]


def _parse(value: dict[str, Any] | str) -> datetime:
    """An RFC 3339 string or an event time ({dateTime} or, for all-day events, {date}) in UTC."""
    if isinstance(value, dict):
        value = value.get("dateTime") or value["date"] + "T00:00:00+00:00"
    return datetime.fromisoformat(value).astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
