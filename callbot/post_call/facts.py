"""What the call document establishes, as the summarizers use it: copied from the document, never
written by a model (the qualification, the unanswered questions, the meeting)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from callbot.call_document import CallDocument, CallMeeting, as_datetime
from callbot.crm import LeadFields
from callbot.post_call.transcript import clean


class CallFacts(BaseModel):
    """The facts of one call; the LLM summarizer is given them as JSON."""

    language: str | None
    duration_s: int | None
    ended_by: str | None
    end_reason: str | None
    known_caller: bool
    qualification: dict[str, Any]  # the known LeadFields
    asked_for_person: bool
    handed_over: bool
    handoff_reason: str | None
    meeting: str | None  # described: "Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST"
    meeting_booked: bool
    meeting_rep: str | None
    unanswered_questions: list[str]


def call_facts(call: CallDocument) -> CallFacts:
    agent = call.outcome
    return CallFacts(
        language=call.language, duration_s=call.length_s(), ended_by=call.ended_by, end_reason=call.end_reason,
        known_caller=bool(agent.known_caller), qualification=qualification(agent.lead_fields()),
        asked_for_person=agent.transfer or call.ended_by == "transfer", handed_over=call.ended_by == "transfer",
        handoff_reason=agent.handoff_reason, meeting=describe_meeting(call.meeting),
        meeting_booked=call.booked_meeting is not None, meeting_rep=call.meeting.rep if call.meeting else None,
        unanswered_questions=[q for q in map(clean, agent.unanswered_questions) if q])


def qualification(lead: LeadFields) -> dict[str, Any]:
    """The known fields, trimmed; blank ones left out."""
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in lead.model_dump(exclude_none=True).items()
            if not (isinstance(v, str) and not v.strip())}


def describe_meeting(meeting: CallMeeting | None) -> str | None:
    if meeting is None:
        return None
    zone = meeting.timezone or "UTC"
    text = f"Meeting with {meeting.rep or 'a sales rep'} on {local_time(meeting.start, zone) or 'an unknown time'}"
    if meeting.cancelled:
        return f"Cancelled: {text}"
    if meeting.moved_from:
        text += f" (moved from {local_time(meeting.moved_from, zone) or 'an unknown time'})"
    return text


def local_time(value: Any, zone: str) -> str | None:
    """A stored time as a person reads it in `zone` (UTC when `zone` is not a time zone), e.g.
    "Tue 01 Dec 2026 10:00 EST"; None when the time is missing or unreadable."""
    start = as_datetime(value)
    if start is None:
        return None
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return start.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")
