"""The fake org's records, and the rules Salesforce applies when one is written.

A write is checked the way a real org checks it: unknown or read-only fields, required fields,
text lengths, email format, lookups that point nowhere, unique external ids, and the standard Lead
duplicate rule (a new Lead whose email or phone matches an open Lead or a Contact is blocked with
`DUPLICATES_DETECTED`). The rule compares phone digits, as Salesforce's matching rules normalise
phone numbers, while a SOQL `=` compares the stored text exactly.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

from devtools.fake_salesforce.schema import BY_PREFIX, OBJECTS, ApiError, IdFactory, SObject, sobject

DEFAULT_USER = {"Id": "005000000000001AAA", "Name": "Callbot Integration", "Email": "callbot@example.com",
                "Username": "callbot@example.com", "Password": "callbot-password", "SecurityToken": "TOKEN"}
_CREDENTIALS = ("Password", "SecurityToken")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DUPLICATE_MESSAGE = "Use one of these records?"


def now_text() -> str:
    """The current time as the REST API writes datetimes."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def datetime_text(value: Any) -> Any:
    """An ISO datetime in the REST API's form (`2026-01-05T15:00:00.000+0000`); other values unchanged."""
    if not isinstance(value, str) or "T" not in value:
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def phone_digits(value: Any) -> str:
    """The last ten digits of a phone number: how the duplicate rule compares phones."""
    return re.sub(r"\D", "", str(value or ""))[-10:]


class Store:
    """Every record by object and id, the users' credentials, guarded by one lock."""

    def __init__(self, seed: dict | None = None) -> None:
        self._lock = threading.RLock()
        self._ids = IdFactory()
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in OBJECTS}
        self.credentials: dict[str, dict[str, str]] = {}  # username -> password, token, user id
        self.load(seed or {})

    def load(self, seed: dict) -> None:
        """Add the users and records of a seed (see the package docstring for its format)."""
        with self._lock:
            for user in seed.get("users") or [DEFAULT_USER]:
                user = dict(user)
                secrets = {key: str(user.pop(key, "")) for key in _CREDENTIALS}
                user.setdefault("Username", user.get("Email", ""))
                record = self._seed_record("User", user)
                self.credentials[record["Username"].lower()] = {**secrets, "Id": record["Id"]}
            for name in ("Account", "Contact", "Lead", "Event", "Task"):
                for record in seed.get(name, []):
                    self._seed_record(name, dict(record))

    def default_user_id(self) -> str:
        return next(iter(self.records["User"]))

    def all(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.records[sobject(name).name].values()]

    def get(self, name: str, record_id: str) -> dict[str, Any]:
        with self._lock:
            record = self.records[sobject(name).name].get(record_id)
            if record is None:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            return dict(record)

    def by_id(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """The object name and record of any id, found by its key prefix."""
        name = BY_PREFIX.get(str(record_id)[:3])
        record = self.records[name].get(record_id) if name else None
        return (name, record) if record is not None else None

    def create(self, name: str, data: dict[str, Any], user_id: str) -> str:
        obj = sobject(name)
        with self._lock:
            values = self._checked(obj, data, None)
            missing = [f for f in obj.required if values.get(f) in (None, "")]
            if missing:
                raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                               missing)
            if obj.name == "Lead":
                self._duplicate_rule(values)
            stamp = now_text()
            record = {"Id": self._ids.new(obj.prefix), "CreatedDate": stamp, "LastModifiedDate": stamp,
                      "CreatedById": user_id, "LastModifiedById": user_id, "IsDeleted": False,
                      **_defaults(obj, user_id), **values}
            self.records[obj.name][record["Id"]] = _with_name(obj, record)
            return record["Id"]

    def update(self, name: str, record_id: str, data: dict[str, Any], user_id: str) -> None:
        obj = sobject(name)
        with self._lock:
            current = self.get(obj.name, record_id)
            values = self._checked(obj, data, record_id)
            blanked = [f for f in obj.required if f in values and values[f] in (None, "")]
            if blanked:
                raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(blanked)}]",
                               blanked)
            record = {**current, **values, "LastModifiedDate": now_text(), "LastModifiedById": user_id}
            self.records[obj.name][record_id] = _with_name(obj, record)

    def _checked(self, obj: SObject, data: dict[str, Any], record_id: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, value in data.items():
            field = obj.canonical(key)
            if field is None or field == "Id":
                raise ApiError(400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}")
            if field in obj.read_only or field in ("CreatedDate", "LastModifiedDate", "IsDeleted"):
                raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                               f"Unable to create/update fields: {field}. Please check the security settings "
                               "of this field and verify that it is read/write for your profile or permission set.",
                               [field])
            limit = obj.max_length.get(field)
            if limit and isinstance(value, str) and len(value) > limit:
                raise ApiError(400, "STRING_TOO_LONG",
                               f"{field}: data value too large: {value[:20]}... (max length={limit})", [field])
            if field == "Email" and value and not _EMAIL.match(str(value)):
                raise ApiError(400, "INVALID_EMAIL_ADDRESS", f"Email: invalid email address: {value}", [field])
            if field.endswith("Id") and value and self.by_id(value) is None:
                raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", f"{field}: id value of incorrect type: {value}",
                               [field])
            if field in obj.unique and value and any(
                    r.get(field) == value and r["Id"] != record_id for r in self.records[obj.name].values()):
                raise ApiError(400, "DUPLICATE_VALUE",
                               f"duplicate value found: {field} duplicates value on record with id", [field])
            values[field] = datetime_text(value)
        return values

    def _duplicate_rule(self, lead: dict[str, Any]) -> None:
        email, digits = str(lead.get("Email") or "").lower(), phone_digits(lead.get("Phone"))
        matches: dict[str, list[str]] = {}
        for name in ("Lead", "Contact"):
            for record in self.records[name].values():
                if name == "Lead" and record.get("IsConverted"):
                    continue
                phones = {phone_digits(record.get("Phone")), phone_digits(record.get("MobilePhone"))} - {""}
                if (email and str(record.get("Email") or "").lower() == email) or (digits and digits in phones):
                    matches.setdefault(name, []).append(record["Id"])
        if matches:
            raise ApiError(400, "DUPLICATES_DETECTED", _DUPLICATE_MESSAGE,
                           duplicateResut=_duplicate_result(matches))

    def _seed_record(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        obj = OBJECTS[name]
        record.setdefault("Id", self._ids.new(obj.prefix))
        if name != "User":
            record = {**_defaults(obj, self.default_user_id()), **record}
        record = {k: datetime_text(v) for k, v in record.items()}
        stamp = now_text()
        record = _with_name(obj, {"CreatedDate": stamp, "LastModifiedDate": stamp, "IsDeleted": False, **record})
        self.records[name][record["Id"]] = record
        return record


def _defaults(obj: SObject, user_id: str) -> dict[str, Any]:
    defaults: dict[str, Any] = {f: None for f in obj.fields}
    if "OwnerId" in obj.fields:
        defaults["OwnerId"] = user_id
    if obj.name == "Lead":
        defaults.update(IsConverted=False, Status="Open - Not Contacted", Callbot_Consent__c=False)
    return defaults


def _with_name(obj: SObject, record: dict[str, Any]) -> dict[str, Any]:
    if obj.name in ("Lead", "Contact"):
        record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
    return record


def _duplicate_result(matches: dict[str, list[str]]) -> dict[str, Any]:
    """The `duplicateResult` of a blocked save, as the REST API spells it (its key is `duplicateResut`)."""
    return {
        "allowSave": False, "duplicateRule": "Standard_Lead_Duplicate_Rule", "duplicateRuleEntityType": "Lead",
        "errorMessage": _DUPLICATE_MESSAGE,
        "matchResults": [{
            "entityType": name, "errors": [], "matchEngine": "FuzzyMatchEngine", "size": len(ids), "success": True,
            "rule": f"Standard_{name}_Match_Rule_v1_0",
            "matchRecords": [{"additionalInformation": [], "fieldDiffs": [], "matchConfidence": 100.0,
                              "record": {"attributes": {"type": name, "url": f"/services/data/v62.0/sobjects/{name}/{i}"},
                                         "Id": i}} for i in ids],
        } for name, ids in matches.items()],
    }
