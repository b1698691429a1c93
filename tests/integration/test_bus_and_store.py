"""The Pub/Sub and Firestore adapters against Google's emulators."""

import asyncio

import pytest

from callbot.bus.pubsub import PubSubPublisher
from callbot.call_document import CallDocument, CallStatus
from callbot.messages import BotSpeech, Topic, UserUtterance
from callbot.store.firestore import FirestoreCallStore
from stream_relay.replies import PubSubReplySource

pytestmark = pytest.mark.integration


def test_publisher_keeps_the_order_of_one_call(emulators, tap, unique):
    turns = tap(Topic.TURNS)
    publisher = PubSubPublisher(emulators)
    futures = [publisher.publish(UserUtterance(call_id=f"CA{unique}", turn_seq=i, relay_instance="r", text=str(i)))
               for i in range(1, 21)]
    for future in futures:
        future.result(timeout=10)
    received = [m for m in turns.drain(expect=20) if m.call_id == f"CA{unique}"]
    assert [m.turn_seq for m in received] == list(range(1, 21))


async def test_reply_source_delivers_replies_on_the_event_loop_and_cleans_up(emulators, unique):
    source = PubSubReplySource(emulators, f"it-{unique}")
    got: list[BotSpeech] = []
    arrived = asyncio.Event()

    def dispatch(speech: BotSpeech) -> None:
        asyncio.get_running_loop()  # raises unless called on the loop
        got.append(speech)
        arrived.set()

    await source.start(dispatch)
    try:
        PubSubPublisher(emulators).publish(BotSpeech(call_id=f"CA{unique}", turn_seq=1, segment=0, text="hi",
                                                     relay_instance=f"it-{unique}")).result(timeout=10)
        await asyncio.wait_for(arrived.wait(), 10)
    finally:
        await source.stop()
    assert [s.text for s in got] == ["hi"]
    from google.api_core.exceptions import NotFound
    from google.cloud import pubsub_v1

    with pytest.raises(NotFound):
        pubsub_v1.SubscriberClient().get_subscription(request={"subscription": source.subscription_path})


async def test_call_store_writes_the_call_and_its_events_with_expiry(emulators, unique):
    store = FirestoreCallStore(emulators, retention_days=30)
    call_id = f"CA{unique}"
    await store.create_call(call_id, CallDocument(from_="+14155550123", status=CallStatus.RINGING))
    await store.update_call(call_id, CallDocument(status=CallStatus.COMPLETED))
    await store.record_event(call_id, "bot-0001-00", {"speaker": "bot", "text": "b", "at_ms": 2})
    await store.record_event(call_id, "caller-0001", {"speaker": "caller", "text": "a", "at_ms": 1})
    await store.record_event(call_id, "caller-0001", {"speaker": "caller", "text": "a", "at_ms": 1})  # a retry
    call = await store.get_call(call_id)
    assert call.status == CallStatus.COMPLETED and call.from_ == "+14155550123"
    assert call.expire_at > call.created_at and call.updated_at >= call.created_at
    events = await store.list_events(call_id)
    assert [e["id"] for e in events] == ["caller-0001", "bot-0001-00"]
    assert all("expire_at" in e for e in events)
