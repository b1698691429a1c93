"""The call, written back to the CRM: the caller's Lead (created, or the match updated) with what
the call established, and the call logged on it as a Task with the summary, the lead score, the
next step, the booked meeting, a transcript excerpt and the recording link.

Idempotent: the Lead upsert matches on phone and email (never a duplicate), and the Task is keyed
on the call id, so a retry or a re-run of the workflow writes nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from callbot.crm import CallActivity, CrmPort, LeadFields
from callbot.errors import PermanentError
from callbot.post_call.records import CallRecords
from callbot.post_call.summary import transcript_excerpt

log = logging.getLogger(__name__)


class SyncCrm:
    def __init__(self, records: CallRecords, crm: CrmPort, timezone: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._records = records
        self._crm = crm
        self._zone = ZoneInfo(timezone)
        self._clock = clock

    def __call__(self, call_id: str, body: dict[str, Any]) -> dict[str, Any]:
        call = self._records.get_call(call_id)
        if call is None:
            raise PermanentError(f"no call {call_id}")
        summary = call.get("summary")
        if not isinstance(summary, dict):
            raise PermanentError("the call has no summary yet: summarize_call runs before sync_crm")
        agent = call.get("agent") or {}
        fields = LeadFields(**(agent.get("qualification") or {}))
        if not fields.phone and call.get("from"):
            fields = fields.model_copy(update={"phone": call["from"]})
        record = self._crm.upsert_lead(request_id=f"{call_id}/post-call-lead", fields=fields)
        meeting = call.get("meeting") or None
        activity = CallActivity(
            call_id=call_id, record_id=record.id, subject=_subject(summary), started_at=_started_at(call),
            duration_s=_duration_s(call), summary=self._description(summary, meeting, self._records.list_events(call_id)),
            recording_url=call.get("recording_uri") or "")
        task_id = self._crm.log_call(request_id=f"{call_id}/call-task", activity=activity)
        result = {"record_id": record.id, "record_kind": record.kind, "task_id": task_id,
                  "meeting_id": (meeting or {}).get("id"), "at_ms": int(self._clock() * 1000)}
        self._records.update_call(call_id, {"post_call.steps.sync_crm": result, "crm_record_id": record.id})
        log.info("CRM synced: %s %s, task %s", record.kind, record.id, task_id)
        return result

    def _description(self, summary: dict[str, Any], meeting: dict[str, Any] | None, events: list[dict]) -> str:
        lines = [summary.get("summary") or ""]
        score = summary.get("lead_score")
        if score is not None:
            reasons = "; ".join(summary.get("score_reasons") or [])
            lines.append(f"Lead score: {score}/100" + (f" ({reasons})" if reasons else ""))
        if summary.get("sentiment"):
            lines.append(f"Sentiment: {summary['sentiment']}")
        if summary.get("next_step"):
            lines.append(f"Next step: {summary['next_step']}")
        if meeting and meeting.get("status", "booked") == "booked":
            lines.append(f"Meeting: {self._meeting_line(meeting)}")
        for question in summary.get("unanswered_questions") or []:
            lines.append(f"Unanswered question: {question}")
        excerpt = transcript_excerpt(events)
        if excerpt:
            lines.append("Transcript excerpt:\n" + excerpt)
        return "\n".join(line for line in lines if line)

    def _meeting_line(self, meeting: dict[str, Any]) -> str:
        start = _as_datetime(meeting.get("start"))
        zone = ZoneInfo(meeting.get("timezone") or self._zone.key)
        when = start.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z") if start else "unknown time"
        return f"{when} with {meeting.get('rep') or 'a rep'} (calendar event {meeting.get('id')})"


def _subject(summary: dict[str, Any]) -> str:
    score = summary.get("lead_score")
    return "Inbound call" + (f" - lead score {score}" if score is not None else "")


def _started_at(call: dict[str, Any]) -> datetime:
    if call.get("stream_started_at_ms"):
        return datetime.fromtimestamp(int(call["stream_started_at_ms"]) / 1000, UTC)
    created = _as_datetime(call.get("created_at"))
    return created or datetime.now(UTC)


def _duration_s(call: dict[str, Any]) -> int:
    if call.get("duration_s") is not None:
        return int(call["duration_s"])
    if call.get("ended_at_ms") and call.get("stream_started_at_ms"):
        return max(0, round((int(call["ended_at_ms"]) - int(call["stream_started_at_ms"])) / 1000))
    return 0


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
