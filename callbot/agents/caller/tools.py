"""CRM tools: who the caller is, and their lead record. Both run in the crm_action function."""

from __future__ import annotations

from typing import Any

from callbot.agents.action_tools import ActionContext, ActionSpec, action_tool
from callbot.agents.state import booking_missing, missing_fields, saved_fields
from callbot.messages import ActionPort

LEAD_FIELDS = ("first_name", "last_name", "company", "role", "need", "team_size", "timeline", "email", "consent")


@action_tool(ActionPort.CRM)
def find_caller(phone: str) -> dict:
    """Find the lead or contact whose phone number is the caller's, with their upcoming meetings.

    Args:
        phone: the caller's number in E.164 format.
    """


@action_tool(ActionPort.CRM)
def save_lead() -> dict:
    """Create or update the caller's lead in the CRM with everything collected on this call
    (confirmed name, company, role, need, team size, timeline, confirmed email, consent). Call it as
    soon as the name and email are confirmed and consent is answered (before booking a meeting), and
    again when more details were recorded after that. A caller who will not give an email is saved
    with their phone number once the name is confirmed and consent to texts is answered."""


def _caller_update(caller: dict[str, Any] | None) -> dict[str, Any]:
    if not caller:
        return {"caller": None}
    known = {k: caller.get(k) or None for k in ("first_name", "last_name", "company", "email")}
    if known["first_name"] or known["last_name"]:
        known["name_confirmed"] = True  # the CRM's name, not one heard on this call
    if known["email"]:
        known["email_confirmed"] = True  # the email on file, not one heard on this call
    update: dict[str, Any] = {"caller": caller, "lead_id": caller.get("id", ""), "lead": known}
    booked = [m for m in caller.get("meetings") or [] if m.get("status", "booked") == "booked"]
    if booked:
        update["meeting"] = min(booked, key=lambda m: m["start"])
    return update


def _find_caller_args(args: dict, state: dict, ctx: ActionContext) -> dict:
    return {"phone": args.get("phone") or state.get("caller_number", "")}


def _find_caller_result(result: dict, args: dict, state: dict, ctx: ActionContext) -> tuple[dict, dict]:
    caller = result.get("caller")
    return {"caller": caller}, _caller_update(caller)


def _save_lead_args(args: dict, state: dict, ctx: ActionContext) -> dict:
    lead = saved_fields(state.get("lead"))
    return {"lead": {k: lead.get(k) for k in LEAD_FIELDS if lead.get(k) is not None},
            "phone": lead.get("phone") or state.get("caller_number", "")}


def _save_lead_result(result: dict, args: dict, state: dict, ctx: ActionContext) -> tuple[dict, dict]:
    record = result.get("lead") or {}
    return ({"lead_saved": bool(record.get("id")), "missing": missing_fields(state.get("lead")),
             "booking_needs": booking_missing(state.get("lead"), state.get("caller_number", ""))},
            {"lead_id": record.get("id", "")})


ACTIONS = {
    "find_caller": ActionSpec(find_caller, _find_caller_args, _find_caller_result, reads_only=True),
    "save_lead": ActionSpec(save_lead, _save_lead_args, _save_lead_result),
}
