"""The objects the fake Salesforce knows, their fields and ids, and the error shape of the REST API.

Only the fields the callbot reads or writes exist (plus the audit fields every object has), so an
adapter that sends a misspelt field gets `INVALID_FIELD` here as it would from a real org. The
`Callbot_*__c` fields are the custom fields the callbot's org must have (see `callbot.crm.salesforce`).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

AUDIT_FIELDS = ("Id", "CreatedDate", "LastModifiedDate", "CreatedById", "LastModifiedById", "IsDeleted")


@dataclass(frozen=True)
class SObject:
    """One object type: its key prefix, writable fields, required fields and text length limits."""

    name: str
    prefix: str
    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    max_length: dict[str, int] = field(default_factory=dict)
    read_only: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()  # external ids: at most one record per value

    def canonical(self, name: str) -> str | None:
        """The field's real spelling (field names are case-insensitive), or None when it does not exist."""
        wanted = name.lower()
        return next((f for f in (*AUDIT_FIELDS, *self.fields) if f.lower() == wanted), None)


_PERSON = {"FirstName": 40, "LastName": 80, "Title": 128, "Email": 80, "Phone": 40, "MobilePhone": 40}
OBJECTS: dict[str, SObject] = {o.name: o for o in (
    SObject("User", "005", ("Name", "Email", "Username", "IsActive"), read_only=("Name",)),
    SObject("Account", "001", ("Name", "Phone", "Website", "OwnerId"), ("Name",), {"Name": 255}),
    SObject("Contact", "003", ("FirstName", "LastName", "Name", "Email", "Phone", "MobilePhone", "Title",
                               "AccountId", "OwnerId", "LeadSource", "Description"),
            ("LastName",), _PERSON, read_only=("Name",)),
    SObject("Lead", "00Q", ("FirstName", "LastName", "Name", "Company", "Title", "Email", "Phone", "MobilePhone",
                            "LeadSource", "Status", "IsConverted", "OwnerId", "Description", "Callbot_Need__c",
                            "Callbot_Team_Size__c", "Callbot_Timeline__c", "Callbot_Consent__c",
                            "Callbot_Request_Id__c"),
            ("LastName", "Company"), {**_PERSON, "Company": 255, "Callbot_Timeline__c": 255,
                                      "Callbot_Need__c": 32768, "Callbot_Request_Id__c": 255},
            read_only=("Name", "IsConverted"), unique=("Callbot_Request_Id__c",)),
    SObject("Task", "00T", ("Subject", "TaskSubtype", "Type", "CallType", "CallDurationInSeconds", "CallObject",
                            "Description", "WhoId", "WhatId", "ActivityDate", "Status", "Priority", "OwnerId",
                            "Callbot_Request_Id__c"),
            (), {"Subject": 255, "Description": 32000, "Callbot_Request_Id__c": 255},
            unique=("Callbot_Request_Id__c",)),
    SObject("Event", "00U", ("Subject", "StartDateTime", "EndDateTime", "WhoId", "WhatId", "OwnerId",
                             "Location", "Description"),
            ("StartDateTime", "EndDateTime"), {"Subject": 255}),
)}
BY_PREFIX = {o.prefix: o.name for o in OBJECTS.values()}


class ApiError(Exception):
    """An error response of the REST API: `status` and the JSON list Salesforce sends as the body."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None,
                 **extra: object) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        body: dict[str, object] = {"message": message, "errorCode": error_code}
        if fields is not None:
            body["fields"] = fields
        body.update(extra)
        self.body: list[dict[str, object]] = [body]


def sobject(name: str) -> SObject:
    """The object type called `name` (case-insensitive), or INVALID_TYPE as Salesforce answers."""
    found = next((o for o in OBJECTS.values() if o.name.lower() == name.lower()), None)
    if found is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return found


_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def id18(id15: str) -> str:
    """Salesforce's case-insensitive 18-character id: the 15-character id plus its 3-letter checksum."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return id15 + suffix


class IdFactory:
    """Fresh ids per object: `<prefix>` + pod `5g` + a base-62 counter, as 18 characters."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        digits = ""
        while n:
            n, rest = divmod(n, 62)
            digits = _BASE62[rest] + digits
        return id18(prefix + "5g" + digits.rjust(10, "0"))
