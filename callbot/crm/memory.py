"""An in-memory `CrmPort`: the unit tests' fake, and the local stack's CRM (seeded with the demo
company) until the Salesforce adapter lands.

Phone numbers are matched in E.164 (a US number may be given in national format), emails without
regard to case; names and emails are stored exactly as given. Every call is recorded in `calls`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable

import phonenumbers

from callbot.calendar import Meeting
from callbot.crm import CallActivity, CallerRecord, LeadFields
from callbot.errors import PermanentError

DEFAULT_REGION = "US"
LEAD_ID_PREFIX = "00Q"  # the key prefix of Salesforce leads, so ids look alike in every environment
_RECORD_FIELDS = ("first_name", "last_name", "company", "email", "phone")


def e164(phone: str, region: str = DEFAULT_REGION) -> str:
    """`phone` in E.164 when it parses as a phone number, else stripped as given ("" stays "")."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(phone, region), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return phone


class MemoryCrm:
    """Leads and contacts in a dict, guarded by a lock (functions-framework serves from threads)."""

    def __init__(self, records: Iterable[CallerRecord] = (), region: str = DEFAULT_REGION) -> None:
        self._lock = threading.Lock()
        self._region = region
        self._records: dict[str, CallerRecord] = {}
        self._by_request: dict[str, str] = {}
        self.details: dict[str, dict] = {}  # record id -> every lead field saved (role, need, ...)
        self.calls: list[tuple[str, dict]] = []
        self.activities: dict[str, CallActivity] = {}  # task id -> the call logged
        for record in records:
            self._records[record.id] = record.model_copy(update={"phone": e164(record.phone, region)})

    def find_caller(self, *, phone: str) -> CallerRecord | None:
        with self._lock:
            self.calls.append(("find_caller", {"phone": phone}))
            wanted = e164(phone, self._region)
            if not wanted:
                return None
            return next((r.model_copy(deep=True) for r in self._records.values() if r.phone == wanted), None)

    def upsert_lead(self, *, request_id: str, fields: LeadFields) -> CallerRecord:
        with self._lock:
            self.calls.append(("upsert_lead", {"request_id": request_id, "fields": fields}))
            if request_id in self._by_request:  # a redelivered request: what it did already stands
                return self._records[self._by_request[request_id]].model_copy(deep=True)
            phone = e164(fields.phone or "", self._region)
            given = {name: getattr(fields, name) for name in _RECORD_FIELDS if getattr(fields, name) is not None}
            if phone:
                given["phone"] = phone
            if "email" in given:
                given["email"] = given["email"].strip()
            record = self._match(phone, given.get("email", ""))
            if record is None:
                record = CallerRecord(id=_lead_id(phone, given.get("email", ""), request_id), kind="lead", **given)
            else:
                record = record.model_copy(update=given)
            self._records[record.id] = record
            self._by_request[request_id] = record.id
            saved = fields.model_dump(exclude_none=True)
            self.details[record.id] = {**self.details.get(record.id, {}), **saved, **given}
            return record.model_copy(deep=True)

    def log_call(self, *, request_id: str, activity: CallActivity) -> str:
        with self._lock:
            self.calls.append(("log_call", {"request_id": request_id, "activity": activity}))
            if activity.record_id not in self._records:
                raise PermanentError(f"no record {activity.record_id} to log the call on")
            task_id = "00T" + hashlib.sha256(request_id.encode()).hexdigest()[:15]
            self.activities.setdefault(task_id, activity.model_copy())
            return task_id

    def attach_meeting(self, record_id: str, meeting: Meeting) -> None:
        """Add a meeting to a record's upcoming meetings (the demo seed uses it)."""
        with self._lock:
            record = self._records[record_id]
            self._records[record_id] = record.model_copy(update={"meetings": [*record.meetings, meeting]})

    def _match(self, phone: str, email: str) -> CallerRecord | None:
        email = email.casefold()
        for record in self._records.values():
            if (phone and record.phone == phone) or (email and record.email.casefold() == email):
                return record
        return None


def _lead_id(phone: str, email: str, request_id: str) -> str:
    """A stable id: the same person gets the same id in every process that builds the same CRM."""
    seed = phone or email.casefold() or request_id
    return LEAD_ID_PREFIX + hashlib.sha256(seed.encode()).hexdigest()[:15]
