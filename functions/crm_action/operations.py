"""The CRM operations an agent can request, each a small function of the request and the port."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict

from callbot.actions.handler import Operation, request_key
from callbot.crm import CrmPort, LeadFields
from callbot.messages import ActionRequested


class FindCallerArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: str = ""


class SaveLeadArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lead: LeadFields = LeadFields()
    phone: str = ""


def find_caller(request: ActionRequested, crm: CrmPort) -> dict[str, Any]:
    """Who is calling: `{"caller": record or None}`; the phone defaults to the caller's number."""
    args = FindCallerArgs.model_validate(request.args)
    caller = crm.find_caller(phone=args.phone or request.caller_number)
    return {"caller": caller.model_dump(mode="json") if caller else None}


def save_lead(request: ActionRequested, crm: CrmPort) -> dict[str, Any]:
    """Create or update the caller's lead: `{"lead": record}`."""
    args = SaveLeadArgs.model_validate(request.args)
    phone = args.phone or args.lead.phone or request.caller_number
    lead = crm.upsert_lead(request_id=request_key(request), fields=args.lead.model_copy(update={"phone": phone}))
    return {"lead": lead.model_dump(mode="json")}


def bind(crm: CrmPort) -> dict[str, Operation]:
    """The operations by action name, bound to `crm`."""
    return {name: functools.partial(operation, crm=crm) for name, operation in
            {"find_caller": find_caller, "save_lead": save_lead}.items()}
