"""Calendar tools: free slots, booking, moving and cancelling. All run in the calendar_action function."""

from __future__ import annotations

from typing import Any

from callbot.agents.action_tools import ActionContext, ActionSpec, action_tool
from callbot.agents.calendar.labels import speak_time
from callbot.agents.state import declined_email
from callbot.messages import ActionPort

SLOTS_OFFERED = 3


@action_tool(ActionPort.CALENDAR)
def find_slots(preferred_time: str = "") -> dict:
    """Find two or three free meeting slots with a sales rep (the booked meeting's rep while one is
    being moved, any rep when that one has no free time).

    Args:
        preferred_time: the time the caller asked for, as an ISO 8601 date-time in the company's time
            zone (e.g. "2026-12-01T10:00:00"), or "" for the earliest slots.
    """


@action_tool(ActionPort.CALENDAR)
def book_meeting(slot_id: str) -> dict:
    """Book one of the offered slots for the caller, with their confirmed email as the invitee; a
    caller who will not give an email is booked on their phone number, and the confirmation is texted.

    Args:
        slot_id: the id of a slot from `meeting_options`.
    """


@action_tool(ActionPort.CALENDAR)
def reschedule_meeting(slot_id: str) -> dict:
    """Move the caller's booked meeting to one of the offered slots.

    Args:
        slot_id: the id of a slot from `meeting_options`.
    """


@action_tool(ActionPort.CALENDAR)
def cancel_meeting() -> dict:
    """Cancel the caller's booked meeting."""


def _labelled(item: dict[str, Any], ctx: ActionContext) -> dict[str, Any]:
    return {**item, "label": speak_time(item["start"], ctx.settings.company_timezone, ctx.language)}


def _find_slots_args(args: dict, state: dict, ctx: ActionContext) -> dict:
    meeting = state.get("meeting") or {}
    moving = meeting.get("status", "booked") == "booked" and meeting.get("rep_email")
    return {"preferred_time": str(args.get("preferred_time") or ""), "now": ctx.now.isoformat(),
            "count": SLOTS_OFFERED, "rep_email": meeting["rep_email"] if moving else ""}


def _slots_result(result: dict, args: dict, state: dict, ctx: ActionContext) -> tuple[dict, dict]:
    slots = list(result.get("slots") or [])[:SLOTS_OFFERED]
    return {"slots": [_labelled(s, ctx) for s in slots]}, {"meeting_options": slots}


def _attendee(state: dict) -> dict:
    lead = state.get("lead") or {}
    caller = state.get("caller") or {}
    name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
    email = "" if declined_email(lead) else lead.get("email") or caller.get("email", "")
    return {"name": name or "Prospect", "email": email, "phone": lead.get("phone") or state.get("caller_number", "")}


def _book_args(args: dict, state: dict, ctx: ActionContext) -> dict:
    company = (state.get("lead") or {}).get("company") or ""
    title = f"{ctx.settings.company_name} intro call" + (f" with {company}" if company else "")
    return {"slot_id": str(args.get("slot_id", "")), "attendee": _attendee(state), "title": title}


def _meeting_id(state: dict) -> str:
    return (state.get("meeting") or {}).get("id", "")


def _reschedule_args(args: dict, state: dict, ctx: ActionContext) -> dict:
    return {"slot_id": str(args.get("slot_id", "")), "meeting_id": _meeting_id(state)}


def _cancel_args(args: dict, state: dict, ctx: ActionContext) -> dict:
    return {"meeting_id": _meeting_id(state)}


def _meeting_result(result: dict, args: dict, state: dict, ctx: ActionContext) -> tuple[dict, dict]:
    if result.get("taken"):  # booked by someone else meanwhile: these are the next free ones
        slots = list(result.get("slots") or [])[:SLOTS_OFFERED]
        return {"taken": True, "slots": [_labelled(s, ctx) for s in slots]}, {"meeting_options": slots}
    meeting = result.get("meeting") or None
    told = {"meeting": _labelled(meeting, ctx)} if meeting else {"error": "no meeting in the result"}
    return told, {"meeting": meeting, "meeting_options": []}


ACTIONS = {
    "find_slots": ActionSpec(find_slots, _find_slots_args, _slots_result, reads_only=True),
    "book_meeting": ActionSpec(book_meeting, _book_args, _meeting_result),
    "reschedule_meeting": ActionSpec(reschedule_meeting, _reschedule_args, _meeting_result),
    "cancel_meeting": ActionSpec(cancel_meeting, _cancel_args, _meeting_result),
}
TOOLS = [find_slots, book_meeting, reschedule_meeting, cancel_meeting]
