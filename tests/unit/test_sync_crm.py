"""sync_crm: the caller's Lead and the call Task written once, whatever the number of runs."""

from __future__ import annotations

import pytest

from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus, CallSummary
from callbot.crm import CallerRecord
from callbot.crm.memory import MemoryCrm
from callbot.errors import PermanentError, RetryableError
from callbot.post_call.records import MemoryCallRecords
from functions.sync_crm.step import SyncCrm

CALLER = "+14155550123"
QUALIFIED = {"first_name": "Ana", "last_name": "O'Brien", "name_confirmed": True, "company": "Acme",
             "need": "route support calls",
             "team_size": 40, "timeline": "this quarter", "email": "ana+sales@acme.test", "consent": True}
MEETING = CallMeeting(id="cb123", start="2026-12-01T15:00:00+00:00", end="2026-12-01T15:30:00+00:00",
                      timezone="America/New_York", rep="Dana Lee", status="booked")
SUMMARY = CallSummary(summary="Ana from Acme wants to route support calls.", lead_score=85,
                      score_reasons=["need stated", "meeting booked"], sentiment="positive",
                      next_step="Meeting with Dana Lee", unanswered_questions=["Do you support SAP?"], engine="rules-v1")
EVENTS = [{"id": "caller-0001", "speaker": "caller", "text": "Hi, I need help routing support calls.", "at_ms": 10},
          {"id": "bot-0001-00", "speaker": "bot", "text": "Happy to help.", "heard": "Happy to help.", "at_ms": 20}]


def call(**fields) -> dict:
    """The call as the store holds it, once summarized."""
    document = CallDocument(from_=CALLER, to="+14155550100", status=CallStatus.COMPLETED,
                            stream_started_at_ms=1_790_000_000_000, ended_at_ms=1_790_000_095_000,
                            recording_uri="gs://recordings/CA1.wav", meeting=MEETING,
                            agent=AgentOutcome(qualification=QUALIFIED), summary=SUMMARY)
    return document.model_copy(update=fields).stored_form()


def step(calls: dict, crm: MemoryCrm | None = None) -> tuple[SyncCrm, MemoryCallRecords, MemoryCrm]:
    records = MemoryCallRecords(calls, {call_id: EVENTS for call_id in calls})
    crm = crm or MemoryCrm()
    return SyncCrm(records, crm, "America/New_York", clock=lambda: 1_790_000_100.0), records, crm


def test_the_lead_and_the_call_task_are_written_with_what_the_call_established():
    sync, records, crm = step({"CA1": call()})
    result = sync("CA1", {})
    [lead_id] = crm.details
    assert crm.details[lead_id]["last_name"] == "O'Brien" and crm.details[lead_id]["phone"] == CALLER
    [(task_id, task)] = crm.activities.items()
    assert result == {"record_id": lead_id, "record_kind": "lead", "task_id": task_id, "meeting_id": "cb123",
                      "at_ms": 1_790_000_100_000}
    assert task.record_id == lead_id and task.duration_s == 95 and task.recording_url == "gs://recordings/CA1.wav"
    for part in ("Ana from Acme", "Lead score: 85/100 (need stated; meeting booked)", "Next step: Meeting",
                 "Meeting: Tue 01 Dec 2026 10:00 EST with Dana Lee (calendar event cb123)",
                 "Unanswered question: Do you support SAP?", "Caller: Hi, I need help routing support calls."):
        assert part in task.summary
    assert records.get_call("CA1").post_call.steps.sync_crm.stored_form() == result
    assert records.get_call("CA1").crm_record_id == lead_id


def test_an_unknown_duration_or_meeting_time_stays_unknown():
    """No duration is None on the Task (not 0 seconds); a meeting time that cannot be read is an
    unknown time (not a ValueError that fails the step on every retry)."""
    meeting = CallMeeting(id="cb123", start="next Tuesday", timezone="America/New_York", rep="Dana Lee")
    sync, _, crm = step({"CA1": call(stream_started_at_ms=None, meeting=meeting)})
    sync("CA1", {})
    [task] = crm.activities.values()
    assert task.duration_s is None
    assert "Meeting: unknown time with Dana Lee (calendar event cb123)" in task.summary


def test_a_second_run_writes_nothing_new():
    sync, _, crm = step({"CA1": call()})
    first = sync("CA1", {})
    assert sync("CA1", {}) == first
    assert len(crm.activities) == 1 and len(crm.details) == 1


def test_a_known_contact_gets_the_task_and_no_new_lead():
    contact = CallerRecord(id="003C1", kind="contact", first_name="Sam", last_name="Reyes", phone=CALLER)
    sync, _, crm = step({"CA1": call(agent=AgentOutcome(qualification={}), meeting=None)}, MemoryCrm([contact]))
    result = sync("CA1", {})
    assert (result["record_id"], result["record_kind"], result["meeting_id"]) == ("003C1", "contact", None)
    assert [a.record_id for a in crm.activities.values()] == ["003C1"]


def test_a_caller_who_said_nothing_about_themselves_is_a_lead_by_phone():
    sync, _, crm = step({"CA1": call(agent=AgentOutcome(), meeting=None)})
    sync("CA1", {})
    [details] = crm.details.values()
    assert details["phone"] == CALLER


def test_without_a_summary_or_a_call_it_fails_permanently():
    sync, _, _ = step({"CA1": call(summary=None)})
    with pytest.raises(PermanentError):
        sync("CA1", {})
    with pytest.raises(PermanentError):
        sync("CA404", {})


def test_a_crm_outage_is_retryable():
    class Down(MemoryCrm):
        def upsert_lead(self, **kwargs):
            raise RetryableError("Salesforce 503")

    sync, records, _ = step({"CA1": call()}, Down())
    with pytest.raises(RetryableError):
        sync("CA1", {})
    assert records.get_call("CA1").post_call is None
