"""The call document's one model (`callbot.call_document`): documents as they are in Firestore read
and dump back unchanged, fields the model does not know are kept, a field that does not fit is read
as missing, writers write only what they set, and the helpers every reader shares."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from callbot.call_document import (
    AgentOutcome,
    CallDocument,
    CallMeeting,
    CallStatus,
    ConfirmationSms,
    PostCall,
    PostCallRun,
    PostCallSteps,
    SyncCrmResult,
    as_datetime,
    attempt_claim,
    confirmation_claim,
    run_claim,
)
from callbot.post_call.records import MemoryCallRecords
from callbot.store.call_log import MemoryCallLog
from callbot.store.field_paths import field_paths
from callbot.store.firestore import merge_set
from callbot.store.memory import MemoryCallStore

CREATED = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
# a processed call as the relay, agent_turn and the post-call steps leave it in Firestore
PROCESSED_CALL = {
    "from": "+14155550123", "to": "+14155550100", "status": "processed", "language": "en-US",
    "relay_instance": "relay-1", "voice_idempotency_token": "tok-1", "created_at": CREATED,
    "updated_at": CREATED + timedelta(minutes=3), "expire_at": CREATED + timedelta(days=30), "stream_sid": "MZ1",
    "stream_started_at_ms": 1_790_000_000_000, "ended_by": "bot", "end_reason": "the bot ended the call",
    "ended_at_ms": 1_790_000_095_000, "inbound_frames": 4750, "inbound_lag_p50_ms": 3, "inbound_lag_p99_ms": 18,
    "outbound_underruns": 0, "outbound_underrun_ms": 0, "recording_uri": "gs://recordings/CA1.wav",
    "twilio_status": "completed", "duration_s": 96, "lead_id": "00Q1",
    "meeting": {"id": "dana@example.test/evt1", "start": "2026-12-01T15:00:00Z", "end": "2026-12-01T15:30:00Z",
                "timezone": "America/New_York", "rep": "Dana Lee", "rep_email": "dana@example.test",
                "attendee_email": "ana@acme.test", "status": "booked", "moved_from": None},
    "agent": {"qualification": {"first_name": "Ana", "team_size": 40, "consent": True}, "known_caller": None,
              "transfer": False, "handoff_reason": None, "end_call": True, "active_agent": "calendar",
              "unanswered_questions": ["Do you support SAP?"], "knowledge_sources": ["pricing.md"]},
    "summary": {"summary": "Ana from Acme booked a demo.", "lead_score": 90, "score_reasons": ["need stated (+20)"],
                "sentiment": "positive", "next_step": "Meeting with Dana Lee", "qualification": {"first_name": "Ana"},
                "unanswered_questions": [], "meeting": "Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST",
                "engine": "rules-v1"},
    "crm_record_id": "00Q1",
    "confirmation_sms": {"to": "+14155550123", "from": "+14155550100", "body": "Confirmed.", "language": "en-US",
                         "meeting_id": "dana@example.test/evt1", "state": "sent", "attempt": 2,
                         "claimed_at_ms": 1_790_000_096_000, "attempt_at_ms": 1_790_000_110_000,
                         "attempts": {"n2": 1_790_000_110_000}, "error": None, "sid": "SM1", "status": "queued",
                         "sent_at_ms": 1_790_000_111_000, "recovered": True},
    "post_call": {"run": {"number": 1, "state": "started", "claimed_at_ms": 1_790_000_095_100,
                          "execution": "executions/1", "started_at_ms": 1_790_000_095_100},
                  "status": "processed", "finished_at_ms": 1_790_000_112_000, "after_hang_up_ms": 17_000,
                  "failed_step": None, "error": None,
                  "steps": {"summarize_call": {"lead_score": 90, "sentiment": "positive", "engine": "rules-v1",
                                               "at_ms": 1_790_000_100_000},
                            "sync_crm": {"record_id": "00Q1", "record_kind": "lead", "task_id": "00T1",
                                         "meeting_id": "dana@example.test/evt1", "at_ms": 1_790_000_105_000},
                            "send_confirmation": {"sent": True, "sid": "SM1", "to": "***23", "status": "queued",
                                                  "at_ms": 1_790_000_111_000}}},
}


# --- reading -------------------------------------------------------------------------------------

def test_a_stored_document_reads_typed_and_dumps_back_unchanged():
    call = CallDocument.stored(PROCESSED_CALL)
    assert call.stored_form() == PROCESSED_CALL
    assert (call.from_, call.status, call.created_at) == ("+14155550123", CallStatus.PROCESSED, CREATED)
    assert call.meeting.booked and call.meeting.start == "2026-12-01T15:00:00Z"  # stored as it was written
    assert call.post_call.finished and call.post_call.steps.sync_crm.task_id == "00T1"
    assert call.confirmation_sms.from_ == "+14155550100" and call.summary.lead_score == 90


def test_a_document_with_only_some_fields_reads_and_dumps_only_those():
    ringing = {"from": "+14155550123", "to": "+14155550100", "status": "ringing", "language": "fr-FR"}
    call = CallDocument.stored(ringing)
    assert call.stored_form() == ringing
    assert (call.meeting, call.post_call, call.summary, call.length_s()) == (None, None, None, None)


def test_fields_the_model_does_not_know_are_kept_at_every_level():
    newer = {**PROCESSED_CALL, "sentiment_trend": [1, -1],
             "meeting": {**PROCESSED_CALL["meeting"], "video_link": "https://meet.example/abc"},
             "post_call": {**PROCESSED_CALL["post_call"], "cost_usd": 0.02},
             "summary": {**PROCESSED_CALL["summary"], "topics": ["pricing"]}}
    call = CallDocument.stored(newer)
    assert call.stored_form() == newer
    assert call.model_extra == {"sentiment_trend": [1, -1]}
    assert call.meeting.model_extra == {"video_link": "https://meet.example/abc"}
    assert call.post_call.model_extra == {"cost_usd": 0.02} and call.summary.model_extra == {"topics": ["pricing"]}


def test_a_field_that_does_not_fit_is_read_as_missing_and_the_rest_still_reads(caplog):
    caplog.set_level(logging.WARNING)
    odd = {**PROCESSED_CALL, "ended_at_ms": "soon", "post_call": {**PROCESSED_CALL["post_call"], "run": {"number": "x"}},
           "summary": {"text": "an older shape"}}
    call = CallDocument.stored(odd)
    assert call.ended_at_ms is None and call.summary is None
    assert call.post_call.run.model_fields_set == set() and call.post_call.status == "processed"
    assert call.status == CallStatus.PROCESSED and call.meeting.id == "dana@example.test/evt1"
    assert "ended_at_ms, summary not readable" in caplog.text and "number not readable" in caplog.text


def test_an_empty_meeting_or_confirmation_record_is_none():
    call = CallDocument.stored({"meeting": {}, "confirmation_sms": {}})
    assert call.meeting is None and call.confirmation_sms is None and call.booked_meeting is None


# --- writing -------------------------------------------------------------------------------------

def test_a_writer_cannot_name_a_field_the_document_does_not_have():
    with pytest.raises(ValidationError, match="has no field stauts"):
        CallDocument(stauts=CallStatus.COMPLETED)
    with pytest.raises(ValidationError, match="PostCall has no field finshed_at_ms"):
        CallDocument.model_validate({"post_call": {"finshed_at_ms": 1}})
    copied = CallMeeting.model_validate({"id": "m1", "label": "Tuesday at 10"})  # a value keeps what it carries
    assert copied.model_extra == {"label": "Tuesday at 10"}


def test_an_update_is_the_fields_it_sets_parts_field_by_field_values_whole():
    update = CallDocument(status=CallStatus.PROCESSED, meeting=CallMeeting(id="m2", start="2026-12-02T15:00:00Z"),
                          post_call=PostCall(status=CallStatus.PROCESSED, failed_step=None,
                                             steps=PostCallSteps(sync_crm=SyncCrmResult(task_id="00T1"))),
                          confirmation_sms=ConfirmationSms(from_="+1888", attempts={"n3": 7}))
    assert field_paths(update) == {
        "status": "processed", "meeting": {"id": "m2", "start": "2026-12-02T15:00:00Z"},
        "confirmation_sms.from": "+1888", "confirmation_sms.attempts.n3": 7,
        "post_call.status": "processed", "post_call.steps.sync_crm": {"task_id": "00T1"},
        "post_call.failed_step": None}
    assert field_paths(CallDocument()) == {}


def test_every_store_applies_an_update_to_what_is_there_and_nothing_else():
    before = {**PROCESSED_CALL, "sentiment_trend": [1, -1]}
    update = CallDocument(meeting=CallMeeting(id="m2", start="2026-12-02T15:00:00Z", status="booked"),
                          post_call=PostCall(steps=PostCallSteps(sync_crm=SyncCrmResult(task_id="00T2"))))
    expected = {**before, "meeting": {"id": "m2", "start": "2026-12-02T15:00:00Z", "status": "booked"},
                "post_call": {**before["post_call"], "steps": {**before["post_call"]["steps"],
                                                              "sync_crm": {"task_id": "00T2"}}}}
    records, log, store = MemoryCallRecords({"CA1": before}), MemoryCallLog(), MemoryCallStore()
    log.calls["CA1"], store.calls["CA1"] = dict(before), dict(before)
    records.update_call("CA1", update)
    log.update_call("CA1", update)
    asyncio.run(store.update_call("CA1", update))
    assert records.calls["CA1"] == log.calls["CA1"] == store.calls["CA1"] == expected


def test_firestore_is_asked_to_merge_exactly_the_updated_paths_with_updated_at():
    data, merge = merge_set(field_paths(CallDocument(status=CallStatus.COMPLETED,
                                                     post_call=PostCall(run=PostCallRun(number=2)))))
    assert merge == ["updated_at", "status", "post_call.run"]
    assert data["status"] == "completed" and data["post_call"] == {"run": {"number": 2}}
    assert isinstance(data["updated_at"], datetime)


def test_a_claim_sets_its_part_once_and_answers_the_document_that_holds_it():
    records = MemoryCallRecords({"CA1": {"status": "completed"}})
    assert records.claim("CA1", run_claim(PostCallRun(number=1, state="starting"))) is None
    held = records.claim("CA1", run_claim(PostCallRun(number=9)))
    assert held.post_call.run.number == 1 and held.status == CallStatus.COMPLETED
    sms = ConfirmationSms(to="+14155550123", state="sending", attempt=1)
    assert records.claim("CA1", confirmation_claim(sms)) is None
    assert records.claim("CA1", attempt_claim(2, 5)) is None and records.claim("CA1", attempt_claim(2, 6)) is not None
    assert records.get_call("CA1").confirmation_sms.attempts == {"n2": 5}
    assert records.get_call("CA1").confirmation_sms.state == "sending"


# --- the helpers every reader shares ----------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2026-12-01T15:00:00+00:00", datetime(2026, 12, 1, 15, tzinfo=UTC)),
    ("2026-12-01T15:00:00Z", datetime(2026, 12, 1, 15, tzinfo=UTC)),
    ("2026-12-01T10:00:00-05:00", datetime(2026, 12, 1, 15, tzinfo=UTC)),
    ("2026-12-01T15:00:00", datetime(2026, 12, 1, 15, tzinfo=UTC)),  # naive: UTC
    (datetime(2026, 12, 1, 15), datetime(2026, 12, 1, 15, tzinfo=UTC)),
    (datetime(2026, 12, 1, 10, tzinfo=timezone(timedelta(hours=-5))), datetime(2026, 12, 1, 15, tzinfo=UTC)),
    ("next Tuesday", None),  # unreadable: unknown, not a ValueError
    ("", None),
    (None, None),
    (1_790_000_000, None),
])
def test_a_stored_time_reads_as_an_aware_datetime_or_none(value, expected):
    assert as_datetime(value) == expected


@pytest.mark.parametrize(("fields", "expected"), [
    ({"duration_s": 42, "stream_started_at_ms": 1_000, "ended_at_ms": 96_000}, 42),  # Twilio's, when it said
    ({"stream_started_at_ms": 1_000, "ended_at_ms": 96_400}, 95),
    ({"stream_started_at_ms": 5_000, "ended_at_ms": 1_000}, 0),
    ({"ended_at_ms": 96_000}, None),  # unknown, not 0
    ({}, None),
])
def test_the_length_of_a_call_is_twilios_duration_else_the_streams_else_unknown(fields, expected):
    assert CallDocument(**fields).length_s() == expected


def test_a_call_started_when_its_stream_did_else_when_it_was_created():
    streamed = CallDocument(stream_started_at_ms=1_790_000_000_000, created_at=CREATED)
    assert streamed.started_at() == datetime.fromtimestamp(1_790_000_000, UTC)
    assert CallDocument(created_at=CREATED).started_at() == CREATED
    assert CallDocument().started_at() is None


def test_the_booked_meeting_and_the_lead_fields():
    cancelled = CallDocument.stored({"meeting": {"id": "m1", "status": "cancelled"}})
    assert cancelled.meeting.cancelled and cancelled.booked_meeting is None
    assert CallDocument.stored({"meeting": {"id": "m1"}}).booked_meeting.id == "m1"  # no status: booked
    outcome = AgentOutcome(qualification={"first_name": "Ana", "name_confirmed": True, "team_size": "forty",
                                          "consent": True})
    lead = CallDocument(agent=outcome).outcome.lead_fields()
    assert (lead.first_name, lead.team_size, lead.consent) == ("Ana", None, True)  # what does not fit left out
    heard = AgentOutcome(qualification={"first_name": "Loopin3", "last_name": "Smith", "company": "Acme"})
    unconfirmed = CallDocument(agent=heard).outcome.lead_fields()
    assert (unconfirmed.first_name, unconfirmed.last_name, unconfirmed.company) == (None, None, "Acme")
    assert CallDocument().outcome == AgentOutcome()


def test_a_meeting_is_the_calendar_ports_meeting_when_complete():
    complete = CallDocument.stored(PROCESSED_CALL).meeting.calendar_meeting()
    assert complete.start == datetime(2026, 12, 1, 15, tzinfo=UTC) and complete.rep == "Dana Lee"
    with pytest.raises(ValidationError):
        CallMeeting(id="m1").calendar_meeting()
