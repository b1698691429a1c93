"""The fake Google Calendar's data: events per calendar, the invitations "sent", and every request
received, behind one lock (uvicorn serves from a thread pool).

It follows Google's semantics where the adapter depends on them: an event id is base32hex (a-v,
0-9), 5 to 1024 long, and unique per calendar even after a delete (409 `duplicate`); a deleted event
stays readable with status "cancelled" and a second delete answers 410; freebusy counts events that
are not cancelled, not transparent, and those a calendar's owner is invited to and has not declined.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")


class ApiError(Exception):
    """An error the API answers with Google's JSON error body."""

    def __init__(self, code: int, reason: str, message: str, domain: str = "global") -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.domain = code, reason, message, domain

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message,
                          "errors": [{"domain": self.domain, "reason": self.reason, "message": self.message}]}}


def parse_time(value: dict[str, Any] | str) -> datetime:
    """An RFC 3339 time, or an event's start/end object ({dateTime[, timeZone]} or {date})."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC)
    if "dateTime" in value:
        moment = datetime.fromisoformat(value["dateTime"])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(value.get("timeZone") or "UTC"))
        return moment.astimezone(UTC)
    if "date" in value:
        return datetime.fromisoformat(value["date"]).replace(tzinfo=UTC)
    raise ApiError(400, "required", "Missing time: start and end need dateTime or date.")


@dataclass
class Failure:
    """A queued fault: answer `status` (0: the real answer) after `delay_s`, for the next
    `remaining` API requests (None: every one until cleared) whose URL contains `match`."""

    status: int
    delay_s: float = 0.0
    match: str = ""
    remaining: int | None = 1


class CalendarStore:
    """Events keyed by (calendar id, event id). Seed: {"calendars": [...], "events": [...]}."""

    def __init__(self, seed: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.calendars: set[str] = set()  # empty: every calendar id exists
        self.invitations: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.fail_next: list[Failure] = []
        self.seed(seed or {})

    # -- admin

    def seed(self, seed: dict[str, Any]) -> None:
        """Add calendars and events; seeded events send no invitations."""
        self.calendars.update(seed.get("calendars", []))
        for event in seed.get("events", []):
            body = {key: value for key, value in event.items() if key != "calendarId"}
            self.insert(event["calendarId"], body, send_updates="none")

    def reset(self) -> None:
        with self._lock:
            self.events.clear()
            self.calendars.clear()
            self.invitations.clear()
            self.requests.clear()
            self.fail_next.clear()

    def all_events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**copy.deepcopy(e), "calendarId": cid} for (cid, _), e in self.events.items()]

    def queue_failure(self, failure: Failure) -> int:
        with self._lock:
            self.fail_next.append(failure)
            return len(self.fail_next)

    def clear_failures(self) -> int:
        with self._lock:
            cleared = len(self.fail_next)
            self.fail_next.clear()
            return cleared

    def record(self, method: str, path: str, query: str) -> tuple[dict[str, Any], Failure | None]:
        """Note a request; its ledger entry (the caller sets its `status` once answered) and the
        failure queued for it, if any (used up by one)."""
        with self._lock:
            entry: dict[str, Any] = {"method": method, "path": path, "query": query, "status": None}
            self.requests.append(entry)
            if path.startswith("/__admin"):
                return entry, None
            url = unquote_plus(f"{path}?{query}")
            failure = next((f for f in self.fail_next if f.match in url), None)
            if failure is not None and failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self.fail_next.remove(failure)
            entry["injected"] = failure is not None
            return entry, failure

    # -- the API

    def free_busy(self, time_min: datetime, time_max: datetime, ids: list[str]) -> dict[str, Any]:
        calendars: dict[str, Any] = {}
        with self._lock:
            for cid in ids:
                if self.calendars and cid not in self.calendars:
                    calendars[cid] = {"busy": [], "errors": [{"domain": "global", "reason": "notFound"}]}
                    continue
                busy = sorted((parse_time(e["start"]), parse_time(e["end"]))
                              for (owner, _), e in self.events.items() if _blocks(e, owner, cid))
                calendars[cid] = {"busy": [{"start": _rfc3339(s), "end": _rfc3339(e)} for s, e in busy
                                           if s < time_max and time_min < e]}
        return calendars

    def insert(self, cid: str, body: dict[str, Any], send_updates: str) -> dict[str, Any]:
        event_id = body.get("id") or uuid.uuid4().hex
        if not _EVENT_ID.match(event_id):
            raise ApiError(400, "invalid", "Invalid resource id value.")
        start, end = parse_time(body.get("start", {})), parse_time(body.get("end", {}))
        if end < start:
            raise ApiError(400, "timeRangeEmpty", "The specified time range is empty.")
        now = _rfc3339(datetime.now(UTC))
        with self._lock:
            self._require_calendar(cid)
            if (cid, event_id) in self.events:
                raise ApiError(409, "duplicate", "The requested identifier already exists.")
            event = {"kind": "calendar#event", "status": "confirmed", "sequence": 0, "created": now,
                     **copy.deepcopy(body), "id": event_id, "iCalUID": f"{event_id}@google.com",
                     "updated": now, "organizer": {"email": cid, "self": True},
                     "htmlLink": f"https://calendar.google.com/calendar/event?eid={event_id}"}
            self.events[(cid, event_id)] = event
            self._notify("created", cid, event, send_updates)
            return copy.deepcopy(event)

    def get(self, cid: str, event_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._event(cid, event_id))

    def list(self, cid: str, time_min: datetime | None, time_max: datetime | None, q: str,
             private: list[str], show_deleted: bool) -> list[dict[str, Any]]:
        wanted = dict(item.split("=", 1) for item in private if "=" in item)
        with self._lock:
            self._require_calendar(cid)
            found = [e for (owner, _), e in self.events.items() if owner == cid
                     and (show_deleted or e.get("status") != "cancelled")
                     and (time_min is None or parse_time(e["end"]) > time_min)
                     and (time_max is None or parse_time(e["start"]) < time_max)
                     and (not q or q.casefold() in _searchable(e))
                     and all(e.get("extendedProperties", {}).get("private", {}).get(k) == v
                             for k, v in wanted.items())]
            return copy.deepcopy(sorted(found, key=lambda e: parse_time(e["start"])))

    def patch(self, cid: str, event_id: str, body: dict[str, Any], send_updates: str) -> dict[str, Any]:
        with self._lock:
            event = self._event(cid, event_id)
            _merge(event, copy.deepcopy(body))
            event["sequence"] = event.get("sequence", 0) + 1
            event["updated"] = _rfc3339(datetime.now(UTC))
            self._notify("updated", cid, event, send_updates)
            return copy.deepcopy(event)

    def delete(self, cid: str, event_id: str, send_updates: str) -> None:
        with self._lock:
            event = self._event(cid, event_id)
            if event.get("status") == "cancelled":
                raise ApiError(410, "deleted", "Resource has been deleted")
            event["status"] = "cancelled"
            self._notify("cancelled", cid, event, send_updates)

    def move(self, cid: str, event_id: str, destination: str, send_updates: str) -> dict[str, Any]:
        with self._lock:
            event = self._event(cid, event_id)
            self._require_calendar(destination)
            if (destination, event_id) in self.events:
                raise ApiError(409, "duplicate", "The requested identifier already exists.")
            del self.events[(cid, event_id)]
            event["organizer"] = {"email": destination, "self": True}
            self.events[(destination, event_id)] = event
            self._notify("moved", destination, event, send_updates)
            return copy.deepcopy(event)

    # -- helpers (the lock is held)

    def _event(self, cid: str, event_id: str) -> dict[str, Any]:
        self._require_calendar(cid)
        event = self.events.get((cid, event_id))
        if event is None:
            raise ApiError(404, "notFound", "Not Found")
        return event

    def _require_calendar(self, cid: str) -> None:
        if self.calendars and cid not in self.calendars:
            raise ApiError(404, "notFound", "Not Found")

    def _notify(self, kind: str, cid: str, event: dict[str, Any], send_updates: str) -> None:
        """Record the emails Google would send: to every attendee for "all", none for "none"."""
        if send_updates not in ("all", "externalOnly"):
            return
        for attendee in event.get("attendees", []):
            if attendee.get("email") != cid:
                self.invitations.append({"kind": kind, "calendarId": cid, "eventId": event["id"],
                                         "email": attendee.get("email"), "summary": event.get("summary", ""),
                                         "start": event["start"]})


def _blocks(event: dict[str, Any], owner: str, cid: str) -> bool:
    """Whether `event` (in calendar `owner`) makes calendar `cid` busy."""
    if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
        return False
    if owner == cid:
        return True
    return any(a.get("email") == cid and a.get("responseStatus") != "declined"
               for a in event.get("attendees", []))


def _searchable(event: dict[str, Any]) -> str:
    attendees = " ".join(f"{a.get('email', '')} {a.get('displayName', '')}" for a in event.get("attendees", []))
    return f"{event.get('summary', '')} {event.get('description', '')} {attendees}".casefold()


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Patch semantics: nested objects are merged, anything else (lists included) replaced."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
