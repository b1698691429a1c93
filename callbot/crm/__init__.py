"""The CRM: the `CrmPort` and the records it speaks.

Adapters: `salesforce.py` (simple-salesforce; `salesforce_auth.py`, `salesforce_errors.py`) and
`memory.py` (the demo company in memory, for unit tests). Phone numbers are E.164.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from callbot.calendar import Meeting


class LeadFields(BaseModel):
    """What the lead agent collects on a call; every field optional until it is known."""

    model_config = ConfigDict(extra="ignore")

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    role: str | None = None
    need: str | None = None
    team_size: int | None = None
    timeline: str | None = None
    email: str | None = None
    phone: str | None = None
    consent: bool | None = None


class CallerRecord(BaseModel):
    """A person the CRM knows, as much as the agent may use on the call."""

    id: str
    kind: Literal["lead", "contact"] = "lead"
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    email: str = ""
    phone: str = ""
    owner: str = ""  # the sales rep who owns the record
    meetings: list[Meeting] = []


class CallActivity(BaseModel):
    """A call logged on a CRM record (a Salesforce Task of type Call)."""

    call_id: str
    record_id: str  # the lead or contact the call is logged on
    subject: str = "Inbound call"
    started_at: datetime
    duration_s: int | None = None  # None: not known
    summary: str = ""
    recording_url: str = ""


class CrmPort(Protocol):
    def find_caller(self, *, phone: str) -> CallerRecord | None:
        """The lead or contact with this phone number, with their upcoming meetings."""
        ...

    def upsert_lead(self, *, request_id: str, fields: LeadFields) -> CallerRecord:
        """Create the lead, or update the one that matches on phone or email: never a duplicate."""
        ...

    def log_call(self, *, request_id: str, activity: CallActivity) -> str:
        """Log the call on its record; the same request again returns the same activity id."""
        ...
