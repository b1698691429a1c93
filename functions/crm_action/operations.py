"""The CRM operations an agent can request, each a small function of the request and the port."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict

from callbot.action_functions.handler import Operation, request_key
from callbot.calendar import CalendarPort
from callbot.crm import CrmPort, LeadFields
from callbot.messages import ActionRequested


class FindCallerArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: str = ""


class SaveLeadArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lead: LeadFields = LeadFields()
    phone: str = ""


def find_caller(request: ActionRequested, crm: CrmPort, calendar: CalendarPort | None = None) -> dict[str, Any]:
    """Who is calling: `{"caller": record or None}`; the phone defaults to the caller's number.
    With a calendar, the record's upcoming meetings are the ones the calendar holds for them (the
    calendar backend, not the CRM, is where meetings are moved and cancelled)."""
    args = FindCallerArgs.model_validate(request.args)
    caller = crm.find_caller(phone=args.phone or request.caller_number)
    if caller is not None and calendar is not None:
        caller = caller.model_copy(update={"meetings": calendar.meetings_for(email=caller.email, phone=caller.phone)})
    return {"caller": caller.model_dump(mode="json") if caller else None}


def save_lead(request: ActionRequested, crm: CrmPort) -> dict[str, Any]:
    """Create or update the caller's lead: `{"lead": record}`."""
    args = SaveLeadArgs.model_validate(request.args)
    phone = args.phone or args.lead.phone or request.caller_number
    lead = crm.upsert_lead(request_id=request_key(request), fields=args.lead.model_copy(update={"phone": phone}))
    return {"lead": lead.model_dump(mode="json")}


def bind(crm: CrmPort, calendar: CalendarPort | None = None) -> dict[str, Operation]:
    """The operations by action name, bound to `crm` (and to `calendar` for the caller's meetings)."""
    return {"find_caller": functools.partial(find_caller, crm=crm, calendar=calendar),
            "save_lead": functools.partial(save_lead, crm=crm)}
