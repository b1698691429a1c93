"""The calendar operations an agent can request, each a small function of the request, the port
and the clock.

A slot that someone else took between offering and booking is not an error: the result says
`taken` and offers the free slots nearest to it, so the agent can propose them at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from callbot.action_functions.handler import Operation, request_key
from callbot.calendar import Attendee, CalendarPort, SlotTaken
from callbot.messages import ActionRequested

Clock = Callable[[], datetime]
ALTERNATIVES = 3  # slots offered when the chosen one was taken


class _Args(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FindSlotsArgs(_Args):
    preferred_time: datetime | None = None
    now: datetime | None = None
    count: int = Field(default=3, ge=1, le=10)
    rep_email: str = ""  # a meeting being moved: its rep's slots first


class BookMeetingArgs(_Args):
    slot_id: str = Field(min_length=1)
    attendee: Attendee
    title: str = "Sales meeting"
    now: datetime | None = None


class RescheduleMeetingArgs(_Args):
    slot_id: str = Field(min_length=1)
    meeting_id: str = Field(min_length=1)
    now: datetime | None = None


class CancelMeetingArgs(_Args):
    meeting_id: str = Field(min_length=1)


def find_slots(request: ActionRequested, calendar: CalendarPort, clock: Clock) -> dict[str, Any]:
    """Free slots, nearest the preferred time first when there is one: `{"slots": [slot, ...]}`.
    With `rep_email` (a meeting being moved), that rep's slots, or any rep's when they have none."""
    args = FindSlotsArgs.model_validate(_blank_to_none(request.args))
    after = args.now or clock()
    slots = calendar.free_slots(after=after, count=args.count, preferred=args.preferred_time,
                                rep_email=args.rep_email) if args.rep_email else []
    if not slots:
        slots = calendar.free_slots(after=after, count=args.count, preferred=args.preferred_time)
    return {"slots": [s.model_dump(mode="json") for s in slots]}


def book_meeting(request: ActionRequested, calendar: CalendarPort, clock: Clock) -> dict[str, Any]:
    """`{"meeting": meeting}`, or `{"taken": true, "slots": [...]}` when the slot is gone."""
    args = BookMeetingArgs.model_validate(_blank_to_none(request.args))
    attendee = args.attendee
    if not attendee.phone and request.caller_number:
        attendee = attendee.model_copy(update={"phone": request.caller_number})
    try:
        meeting = calendar.book(request_id=request_key(request), slot_id=args.slot_id, attendee=attendee,
                                title=args.title)
    except SlotTaken as taken:
        return _alternatives(calendar, taken, args.now or clock())
    return {"meeting": meeting.model_dump(mode="json")}


def reschedule_meeting(request: ActionRequested, calendar: CalendarPort, clock: Clock) -> dict[str, Any]:
    """Move a meeting: the same result shapes as `book_meeting`."""
    args = RescheduleMeetingArgs.model_validate(_blank_to_none(request.args))
    try:
        meeting = calendar.reschedule(request_id=request_key(request), meeting_id=args.meeting_id,
                                      slot_id=args.slot_id)
    except SlotTaken as taken:
        return _alternatives(calendar, taken, args.now or clock())
    return {"meeting": meeting.model_dump(mode="json")}


def cancel_meeting(request: ActionRequested, calendar: CalendarPort, clock: Clock) -> dict[str, Any]:
    """`{"meeting": meeting}` with status "cancelled"."""
    args = CancelMeetingArgs.model_validate(request.args)
    return {"meeting": calendar.cancel(meeting_id=args.meeting_id).model_dump(mode="json")}


def bind(calendar: CalendarPort, clock: Clock) -> dict[str, Operation]:
    """The operations by action name, bound to `calendar` and `clock`."""
    operations = {"find_slots": find_slots, "book_meeting": book_meeting,
                  "reschedule_meeting": reschedule_meeting, "cancel_meeting": cancel_meeting}
    return {name: functools.partial(op, calendar=calendar, clock=clock) for name, op in operations.items()}


def _alternatives(calendar: CalendarPort, taken: SlotTaken, now: datetime) -> dict[str, Any]:
    """The free slots nearest the taken one (adapters may set `start` on `SlotTaken`)."""
    slots = calendar.free_slots(after=now, count=ALTERNATIVES, preferred=getattr(taken, "start", None))
    return {"taken": True, "slots": [s.model_dump(mode="json") for s in slots]}


def _blank_to_none(args: dict[str, Any]) -> dict[str, Any]:
    """The agent sends "" for "no preference"; the argument models read that as absent."""
    return {key: value for key, value in args.items() if value != ""}
