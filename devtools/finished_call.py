"""A finished call as the relay and agent_turn leave one in Firestore, and its `CallEnded`: what the
post-call pipeline starts from, for tests and the post-call benchmark (no audio, no agent)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from callbot.bus import Publisher
from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus
from callbot.messages import CallEnded
from callbot.post_call.records import FirestoreCallRecords
from callbot.store.firestore import CALLS, EVENTS


def seed_finished_call(records: FirestoreCallRecords, caller: str, called: str = "+14155550100") -> str:
    """A qualified prospect who consented and booked a meeting three days from now; the call id."""
    call_id = f"CA{uuid.uuid4().hex}"
    tag = call_id[-6:]
    now = int(time.time() * 1000)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    records.update_call(call_id, CallDocument(
        from_=caller, to=called, language="en-US", status=CallStatus.COMPLETED,
        stream_started_at_ms=now - 95_000, ended_at_ms=now, ended_by="bot",
        meeting=CallMeeting(id=f"alex.kim@northwind.example/{call_id.lower()}", start=start.isoformat(),
                            end=(start + timedelta(minutes=30)).isoformat(), timezone="America/New_York",
                            rep="Alex Kim", status="booked"),
        agent=AgentOutcome(qualification={"first_name": "Rosa", "last_name": f"Lind-{tag}", "company": "Fjord Freight",
                                          "need": "answer inbound sales calls", "team_size": 25,
                                          "timeline": "next month", "email": f"rosa.{tag}@fjord.example",
                                          "consent": True})))
    events = records._client.collection(CALLS).document(call_id).collection(EVENTS)
    events.document("caller-0001").set({"speaker": "caller", "text": "We need help answering sales calls.",
                                        "turn_seq": 1, "at_ms": now - 90_000})
    events.document("bot-0001-00").set({"speaker": "bot", "text": "I can book you a demo.",
                                        "heard": "I can book you a demo.", "turn_seq": 1, "at_ms": now - 88_000})
    return call_id


def publish_call_ended(publisher: Publisher, call_id: str) -> None:
    publisher.publish(CallEnded(call_id=call_id, turn_seq=5, relay_instance="seeded", ended_by="bot",
                                reason="goodbye played", sent_at_ms=int(time.time() * 1000))).result(30)


def wait_outcome(records: FirestoreCallRecords, call_id: str, timeout_s: float = 60) -> CallDocument:
    """The call document once the latest post-call run marked it processed or failed (a run's start
    sets `post_call.status` back to running; an earlier run's outcome does not count)."""
    deadline = time.monotonic() + timeout_s
    call = CallDocument()
    while time.monotonic() < deadline:
        call = records.get_call(call_id) or CallDocument()
        if call.post_call is not None and call.post_call.finished:
            return call
        time.sleep(0.1)
    raise TimeoutError(f"{call_id}: no post-call outcome within {timeout_s}s: {call.post_call}")
