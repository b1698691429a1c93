"""A meeting as an iCalendar invitation (RFC 5545 text, RFC 5546 `METHOD:REQUEST`), for when the
calendar could not invite the attendee itself (`Meeting.invitation_owed`) and the invitation is
emailed instead: mail clients show a `text/calendar; method=REQUEST` attachment with Accept and
Decline, and accepting puts the meeting in the attendee's calendar.

The event's UID is the calendar event's id (the part of the meeting id after the calendar), so the
same meeting always gives the same UID: an invitation received twice is one event in the attendee's
calendar. Times are written in UTC. The rep is the ORGANIZER (RSVPs go to them), sent by the
address the email comes from (`SENT-BY`); the attendee is asked to answer (`RSVP=TRUE`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress

from callbot.calendar import Meeting

CONTENT_TYPE = "text/calendar; method=REQUEST; charset=UTF-8"
FILENAME = "invite.ics"


def event_uid(meeting: Meeting) -> str:
    """The calendar event's id: stable while the meeting exists, even when it moves to another rep."""
    return meeting.id.rpartition("/")[2]


def invitation_ics(meeting: Meeting, *, title: str, attendee_email: str, attendee_name: str = "",
                   description: str = "", sent_by: str = "", stamp: datetime, product: str = "callbot") -> bytes:
    """The invitation to `meeting` for `attendee_email`; `stamp` is when it is issued (DTSTAMP)."""
    if not meeting.rep_email:
        raise ValueError("an invitation needs the rep's email as its organizer")
    calendar = Calendar()
    calendar.add("prodid", f"-//{product}//callbot//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(UTC))
    event.add("dtend", meeting.end.astimezone(UTC))
    event.add("sequence", 0)
    event.add("status", "CONFIRMED")
    event.add("summary", title)
    if description:
        event.add("description", description)
    event.add("organizer", vCalAddress.new(meeting.rep_email, cn=meeting.rep or None, sent_by=sent_by or None))
    event.add("attendee", vCalAddress.new(attendee_email, cn=attendee_name or None, cutype="INDIVIDUAL",
                                          role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=True))
    calendar.add_component(event)
    return calendar.to_ical()
