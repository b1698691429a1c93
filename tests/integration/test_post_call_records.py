"""FirestoreCallRecords on the Firestore emulator: a typed update writes only its fields (a part of
the document field by field, any other value whole), fields the model does not know survive it,
`claim` sets a part once even when several workers race for it, events come back in time order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from callbot.call_document import (
    CallDocument,
    CallMeeting,
    CallStatus,
    ConfirmationSms,
    PostCall,
    PostCallRun,
    PostCallSteps,
    SummarizeResult,
    SyncCrmResult,
    confirmation_claim,
    run_claim,
)
from callbot.post_call.records import FirestoreCallRecords
from callbot.store.firestore import CALLS, EVENTS

PROJECT = "callbot-it"


def records() -> FirestoreCallRecords:
    return FirestoreCallRecords.from_project(PROJECT)


def test_an_update_sets_its_fields_and_keeps_the_rest(firestore_emulator, unique):
    store = records()
    call_id = f"CA{unique}"
    store.update_call(call_id, CallDocument(status=CallStatus.COMPLETED,
                                            post_call=PostCall(status="running", steps=PostCallSteps())))
    store.update_call(call_id, CallDocument(post_call=PostCall(steps=PostCallSteps(
        summarize_call=SummarizeResult(lead_score=80)))))
    store.update_call(call_id, CallDocument(status=CallStatus.PROCESSED, post_call=PostCall(steps=PostCallSteps(
        sync_crm=SyncCrmResult(task_id="00T1")))))
    call = store.get_call(call_id)
    assert call.status == CallStatus.PROCESSED and call.updated_at is not None
    assert call.post_call.status == "running" and call.post_call.steps == PostCallSteps(
        summarize_call=SummarizeResult(lead_score=80), sync_crm=SyncCrmResult(task_id="00T1"))
    assert store.get_call(f"{call_id}-none") is None


def test_a_value_is_replaced_whole_and_unknown_fields_survive(firestore_emulator, unique):
    store = records()
    call_id = f"CA{unique}"
    store._client.collection(CALLS).document(call_id).set({  # as a newer writer might leave it
        "status": "completed", "sentiment_trend": [1, -1], "post_call": {"status": "running", "cost_usd": 0.02},
        "meeting": {"id": "m1", "start": "2026-12-01T15:00:00+00:00", "moved_from": "2026-11-30T15:00:00+00:00"}})
    store.update_call(call_id, CallDocument(meeting=CallMeeting(id="m2", start="2026-12-02T15:00:00+00:00"),
                                            post_call=PostCall(status=CallStatus.PROCESSED)))
    call = store.get_call(call_id)
    assert call.meeting.stored_form() == {"id": "m2", "start": "2026-12-02T15:00:00+00:00"}  # no stale moved_from
    assert call.post_call.status == CallStatus.PROCESSED and call.post_call.model_extra == {"cost_usd": 0.02}
    assert call.model_extra == {"sentiment_trend": [1, -1]} and call.status == CallStatus.COMPLETED


def test_claim_sets_a_part_once_and_reports_the_holder(firestore_emulator, unique):
    store = records()
    call_id = f"CA{unique}"
    store.update_call(call_id, CallDocument(status=CallStatus.COMPLETED))
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda n: store.claim(call_id, confirmation_claim(ConfirmationSms(attempt=n))),
                                 range(4)))
    winners = [n for n, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1
    assert all(outcome.confirmation_sms.attempt == winners[0] for outcome in outcomes if outcome is not None)
    assert store.get_call(call_id).status == CallStatus.COMPLETED
    assert store.claim(f"{call_id}-new", run_claim(PostCallRun(number=1))) is None  # creates the document
    assert store.get_call(f"{call_id}-new").post_call.stored_form() == {"run": {"number": 1}}


def test_events_in_time_order(firestore_emulator, unique):
    store = records()
    call_id = f"CA{unique}"
    events = store._client.collection(CALLS).document(call_id).collection(EVENTS)
    events.document("bot-0001-00").set({"speaker": "bot", "text": "Hello", "at_ms": 20})
    events.document("caller-0001").set({"speaker": "caller", "text": "Hi", "at_ms": 10})
    assert [e["id"] for e in store.list_events(call_id)] == ["caller-0001", "bot-0001-00"]
