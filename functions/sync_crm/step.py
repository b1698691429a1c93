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

from callbot.call_document import (
    CallDocument,
    CallMeeting,
    CallSummary,
    PostCall,
    PostCallSteps,
    SyncCrmResult,
)
from callbot.crm import CallActivity, CrmPort
from callbot.errors import PermanentError
from callbot.post_call.facts import local_time
from callbot.post_call.records import CallRecords
from callbot.post_call.transcript import transcript_excerpt

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
        summary = call.summary
        if summary is None:
            raise PermanentError("the call has no summary yet: summarize_call runs before sync_crm")
        fields = call.outcome.lead_fields()
        if not fields.phone and call.from_:
            fields = fields.model_copy(update={"phone": call.from_})
        record = self._crm.upsert_lead(request_id=f"{call_id}/post-call-lead", fields=fields)
        description = self._description(summary, call.booked_meeting, self._records.list_events(call_id))
        activity = CallActivity(
            call_id=call_id, record_id=record.id, subject=f"Inbound call - lead score {summary.lead_score}",
            started_at=call.started_at() or datetime.now(UTC), duration_s=call.length_s(), summary=description,
            recording_url=call.recording_uri or "")
        task_id = self._crm.log_call(request_id=f"{call_id}/call-task", activity=activity)
        result = SyncCrmResult(record_id=record.id, record_kind=record.kind, task_id=task_id,
                               meeting_id=call.meeting.id if call.meeting else None, at_ms=int(self._clock() * 1000))
        self._records.update_call(call_id, CallDocument(post_call=PostCall(steps=PostCallSteps(sync_crm=result)),
                                                        crm_record_id=record.id))
        log.info("CRM synced: %s %s, task %s", record.kind, record.id, task_id)
        return result.stored_form()

    def _description(self, summary: CallSummary, meeting: CallMeeting | None, events: list[dict]) -> str:
        reasons = "; ".join(summary.score_reasons)
        lines = [summary.summary, f"Lead score: {summary.lead_score}/100" + (f" ({reasons})" if reasons else ""),
                 f"Sentiment: {summary.sentiment}"]
        if summary.next_step:
            lines.append(f"Next step: {summary.next_step}")
        if meeting is not None:
            when = local_time(meeting.start, meeting.timezone or self._zone.key) or "unknown time"
            lines.append(f"Meeting: {when} with {meeting.rep or 'a rep'} (calendar event {meeting.id})")
        for question in summary.unanswered_questions:
            lines.append(f"Unanswered question: {question}")
        excerpt = transcript_excerpt(events)
        if excerpt:
            lines.append("Transcript excerpt:\n" + excerpt)
        return "\n".join(line for line in lines if line)
