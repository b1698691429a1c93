"""FirestoreCallReader (the call console's reads) on the Firestore emulator: calls of a period newest
first, events in time order, and the latency events of a period across calls (a collection-group
query)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.cloud import firestore

from callbot.store.firestore import CALLS, EVENTS
from callbot.store.reader import FirestoreCallReader

PROJECT = "callbot-it-reader"


def test_calls_of_a_period_come_newest_first_with_their_events(firestore_emulator, unique):
    client = firestore.Client(project=PROJECT)
    base = datetime(2031, 3, 1, 12, 0, tzinfo=UTC) + timedelta(days=int(unique[-4:], 16) % 1000)
    ids = [f"CA{unique}{n}" for n in range(4)]
    for n, call_id in enumerate(ids):  # one a day, the last two days after the period
        client.collection(CALLS).document(call_id).set({"created_at": base + timedelta(days=n), "language": "en-US"})
    events = client.collection(CALLS).document(ids[0]).collection(EVENTS)
    events.document("caller-0001").set({"speaker": "caller", "text": "hi", "at_ms": 2000})
    events.document("sys-greeting-0000").set({"speaker": "bot", "text": "Hello", "at_ms": 1000})
    reader = FirestoreCallReader(client)

    found = reader.recent_calls(base, base + timedelta(days=2), limit=10)
    assert [call_id for call_id, _ in found] == [ids[1], ids[0]]
    assert found[0][1].language == "en-US"
    assert [call_id for call_id, _ in reader.recent_calls(base, None, limit=2)] == [ids[3], ids[2]]
    assert [e["id"] for e in reader.list_events(ids[0])] == ["sys-greeting-0000", "caller-0001"]
    assert reader.get_call(f"CA{unique}none") is None


def test_turn_latencies_of_a_period_are_read_across_calls(firestore_emulator, unique):
    client = firestore.Client(project=PROJECT)
    start = 4_000_000_000_000 + int(unique[-6:], 16) * 100_000
    for n, at_ms in enumerate((start, start + 10, start + 5_000)):
        call = client.collection(CALLS).document(f"CA{unique}{n}")
        call.collection(EVENTS).document("latency-0001").set({"kind": "turn_latency", "at_ms": at_ms, "total_ms": 900})
        call.collection(EVENTS).document("caller-0001").set({"speaker": "caller", "at_ms": at_ms})
    found = FirestoreCallReader(client).turn_latencies(start, start + 1_000)
    assert sorted(call_id for call_id, _ in found) == [f"CA{unique}0", f"CA{unique}1"]
    assert {event["total_ms"] for _, event in found} == {900}
