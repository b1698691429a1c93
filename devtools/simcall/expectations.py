"""What a scenario expects of its call, checked against the call's report.

    expect:
      ended_by: transfer                  # caller | bot | transfer | timeout
      errors: none                        # the report has no errors (the default)
      outcome:
        lead: present | absent
        lead_fields: {last_name: "O'Brien", email: dana+calls@acme-logistics.com}   # exactly these values
        lead_fields_mention: {need: "missed calls"}   # the field's text contains this (case-insensitive)
        lead_fields_absent: [role]        # these fields were not recorded (nothing invented)
        meeting: booked | moved | cancelled | none   # moved: a meeting the caller had before the call
                                          # (only a known caller has one) is now at another time; one
                                          # booked on this call and moved during it is booked
        meeting_at: "Tuesday 15:00 America/New_York"   # when it starts, in that zone (the weekday may be
                                          # left out; "same-day 14:00 ..." is the day it was moved from)
        transferred_to: present | absent
        knowledge_sources: [pricing.md]   # each of these was cited
        unanswered_questions: 1           # how many
        known_caller: present | absent
      bot_says: ["49", "Pricing"]         # each appears in what the bot said (case-insensitive)
      bot_never_says: ["instructions"]    # none appears in what the bot said
      post_call:                          # what the post-call workflow did after the hang-up
        status: processed                 # processed | post_call_failed
        crm_synced: true
        sms: 1                            # confirmations texted to the caller
        lead_score_at_least: 60

The same expectations serve the end-to-end tests (offline engine) and `callbot eval` (a real LLM).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def check(report: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every way the report falls short of `expect`; empty when it meets it."""
    failures: list[str] = []
    if expect.get("errors", "none") == "none" and report.get("errors"):
        failures.append(f"the call had errors: {report['errors']}")
    if "ended_by" in expect and report.get("ended_by") != expect["ended_by"]:
        failures.append(f"ended by {report.get('ended_by')}, expected {expect['ended_by']}")
    failures += _outcome(report.get("outcome") or {}, expect.get("outcome") or {})
    spoken = " ".join(e.get("text", "") for e in report.get("transcript", []) if e.get("speaker") == "bot").lower()
    failures += [f"the bot never said {s!r}" for s in expect.get("bot_says", []) if s.lower() not in spoken]
    failures += [f"the bot said {s!r}" for s in expect.get("bot_never_says", []) if s.lower() in spoken]
    failures += _post_call(report.get("post_call") or {}, expect.get("post_call") or {})
    return failures


def _post_call(post_call: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    failures = []
    for name in ("status", "crm_synced"):
        if name in expect and post_call.get(name) != expect[name]:
            failures.append(f"post_call.{name} is {post_call.get(name)!r}, expected {expect[name]!r}")
    if "sms" in expect and len(post_call.get("sms") or []) != expect["sms"]:
        failures.append(f"{len(post_call.get('sms') or [])} SMS sent, expected {expect['sms']}")
    if "lead_score_at_least" in expect and (post_call.get("lead_score") or 0) < expect["lead_score_at_least"]:
        failures.append(f"lead score {post_call.get('lead_score')}, expected at least {expect['lead_score_at_least']}")
    return failures


def _outcome(outcome: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    failures = []
    for name in ("lead", "transferred_to", "known_caller"):
        if name in expect and _presence(outcome.get(name)) != expect[name]:
            failures.append(f"outcome.{name} is {outcome.get(name)!r}, expected {expect[name]}")
    for field, value in (expect.get("lead_fields") or {}).items():
        got = (outcome.get("lead_fields") or {}).get(field)
        if got != value:
            failures.append(f"lead field {field} is {got!r}, expected {value!r}")
    for field, words in (expect.get("lead_fields_mention") or {}).items():
        got = (outcome.get("lead_fields") or {}).get(field)
        if str(words).lower() not in str(got or "").lower():
            failures.append(f"lead field {field} is {got!r}, expected it to mention {words!r}")
    for field in expect.get("lead_fields_absent") or []:
        got = (outcome.get("lead_fields") or {}).get(field)
        if got not in (None, ""):
            failures.append(f"lead field {field} is {got!r}, expected none")
    state = _meeting_state(outcome.get("meeting"), known_caller=bool(outcome.get("known_caller")))
    if "meeting" in expect and state != expect["meeting"]:
        failures.append(f"meeting is {state}, expected {expect['meeting']}")
    if "meeting_at" in expect and (said := _meeting_at(outcome.get("meeting"), str(expect["meeting_at"]))):
        failures.append(said)
    missing = [s for s in expect.get("knowledge_sources", []) if s not in (outcome.get("knowledge_sources") or [])]
    if missing:
        failures.append(f"sources not cited: {missing} (cited: {outcome.get('knowledge_sources')})")
    if "unanswered_questions" in expect and len(outcome.get("unanswered_questions") or []) != expect[
            "unanswered_questions"]:
        failures.append(f"unanswered questions {outcome.get('unanswered_questions')}, "
                        f"expected {expect['unanswered_questions']}")
    return failures


def _meeting_at(meeting: dict[str, Any] | None, expected: str) -> str:
    """Why the meeting does not start at `expected` ("[weekday|same-day] HH:MM zone"), or "" when it does."""
    *day, clock, zone = expected.split()
    if not meeting or meeting.get("status") == "cancelled":
        return f"no meeting, expected one at {expected}"
    start = _at(meeting.get("start"), zone)
    said = f"{start.strftime('%A')} {start.strftime('%H:%M')} {zone}"
    if day and day[0].lower() == "same-day":
        if not meeting.get("moved_from"):
            return f"meeting starts {said} and was not moved, expected {expected}"
        day = [_at(meeting["moved_from"], zone).strftime("%A")]
    if start.strftime("%H:%M") != clock or (day and start.strftime("%A").lower() != day[0].lower()):
        return f"meeting starts {said}, expected {expected}"
    return ""


def _at(when: Any, zone: str) -> datetime:
    return (when if isinstance(when, datetime) else datetime.fromisoformat(str(when))).astimezone(ZoneInfo(zone))


def _presence(value: Any) -> str:
    return "present" if value else "absent"


def _meeting_state(meeting: dict[str, Any] | None, known_caller: bool) -> str:
    if not meeting:
        return "none"
    if meeting.get("status") == "cancelled":
        return "cancelled"
    moved = meeting.get("rescheduled") or meeting.get("moved_from")
    return "moved" if moved and known_caller else "booked"
