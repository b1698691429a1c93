"""FirestoreCallRecords on the Firestore emulator: nested updates leave siblings, `claim` sets a
field once even when several workers race for it, events come back in time order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from callbot.post_call.records import FirestoreCallRecords
from callbot.store.firestore import CALLS, EVENTS

PROJECT = "callbot-it"


def records() -> FirestoreCallRecords:
    return FirestoreCallRecords.from_project(PROJECT)


def test_dotted_updates_set_one_nested_field_and_keep_the_rest(firestore_emulator, unique):
    store = records()
    call_id = f"CA{unique}"
    store.update_call(call_id, {"status": "completed", "post_call": {"status": "running", "steps": {}}})
    store.update_call(call_id, {"post_call.steps.summarize_call": {"lead_score": 80}})
    store.update_call(call_id, {"post_call.steps.sync_crm": {"task_id": "00T1"}, "status": "processed"})
    call = store.get_call(call_id)
    assert call["status"] == "processed"
    assert call["post_call"] == {"status": "running", "steps": {"summarize_call": {"lead_score": 80},
                                                                "sync_crm": {"task_id": "00T1"}}}
    assert store.get_call(f"{call_id}-none") is None


def test_claim_sets_a_field_once_and_reports_the_holder(firestore_emulator, unique):
    store = records()
    call_id = f"CA{unique}"
    store.update_call(call_id, {"status": "completed"})
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda n: store.claim(call_id, "confirmation_sms", {"by": n}), range(4)))
    winners = [n for n, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1
    assert all(outcome == {"by": winners[0]} for outcome in outcomes if outcome is not None)
    assert store.get_call(call_id)["status"] == "completed"
    assert store.claim(f"{call_id}-new", "post_call.run", {"number": 1}) is None  # creates the document
    assert store.get_call(f"{call_id}-new") == {"post_call": {"run": {"number": 1}}}


def test_events_in_time_order(firestore_emulator, unique):
    store = records()
    call_id = f"CA{unique}"
    events = store._client.collection(CALLS).document(call_id).collection(EVENTS)
    events.document("bot-0001-00").set({"speaker": "bot", "text": "Hello", "at_ms": 20})
    events.document("caller-0001").set({"speaker": "caller", "text": "Hi", "at_ms": 10})
    assert [e["id"] for e in store.list_events(call_id)] == ["caller-0001", "bot-0001-00"]
