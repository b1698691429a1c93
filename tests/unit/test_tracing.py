"""A caller turn is one trace across processes: the context a span publishes with travels in the
Pub/Sub message's attributes and is continued by the function that receives it."""

from __future__ import annotations

import base64
import json
from concurrent.futures import Future
from types import SimpleNamespace

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from callbot import tracing
from callbot.bus.entry import deliver
from callbot.bus.pubsub import PubSubPublisher
from callbot.messages import ActionRequested, UserUtterance

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def spans():
    """The spans this process records (the SDK's provider: set here unless a test set it before)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


class FakePubSubClient:
    """Records what the publisher hands to Pub/Sub's client."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, dict[str, str]]] = []

    def publish(self, topic, data, ordering_key="", **attributes) -> Future:
        self.sent.append((data, attributes))
        future: Future = Future()
        future.set_result(str(len(self.sent)))
        return future


def pushed(data: bytes, attributes: dict[str, str]) -> SimpleNamespace:
    """The CloudEvent functions-framework makes of a Pub/Sub push."""
    return SimpleNamespace(data={"message": {"data": base64.b64encode(data).decode(), "attributes": attributes,
                                             "messageId": "m1", "publishTime": "2026-12-06T10:00:00+00:00"}})


class PublishingHandler:
    """A function that publishes an action request while it handles a turn, as agent_turn does."""

    def __init__(self, publisher: PubSubPublisher) -> None:
        self._publisher = publisher

    def handle(self, delivery) -> None:
        message = delivery.message
        self._publisher.publish(ActionRequested(call_id=message.call_id, turn_seq=message.turn_seq,
                                                relay_instance="r1", request_id="q1", port="knowledge",
                                                action="search_knowledge")).result()

    def dead_letter(self, call_id, turn_seq, reason, payload) -> None:
        raise AssertionError(reason)


def test_a_turn_published_inside_its_span_is_continued_by_the_function_and_what_it_publishes(spans):
    relay_client, function_client = FakePubSubClient(), FakePubSubClient()
    with trace.get_tracer("test").start_as_current_span("WS /twilio/stream") as call:
        turn = tracing.start("caller turn", 1_800_000_000_000, call_id="CA1", turn_seq=1)
    assert tracing.trace_id(turn) != tracing.trace_id(call)  # a turn is a trace of its own
    with tracing.current(turn):
        PubSubPublisher("p", relay_client).publish(
            UserUtterance(call_id="CA1", turn_seq=1, relay_instance="r1", text="hello")).result()
    [(data, attributes)] = relay_client.sent
    assert attributes[tracing.TRACEPARENT].split("-")[1] == tracing.trace_id(turn)

    deliver(pushed(data, attributes), PublishingHandler(PubSubPublisher("p", function_client)))
    tracing.end(turn, 1_800_000_001_000, total_ms=1000)
    [(_, onward)] = function_client.sent
    assert onward[tracing.TRACEPARENT].split("-")[1] == tracing.trace_id(turn)  # the action joins the trace
    recorded = {span.name: span for span in spans.get_finished_spans()
                if f"{span.context.trace_id:032x}" == tracing.trace_id(turn)}
    handled = recorded["handle UserUtterance"]
    assert handled.parent.span_id == turn.get_span_context().span_id
    assert dict(handled.attributes) == {"call_id": "CA1", "turn_seq": 1}
    assert recorded["caller turn"].attributes["total_ms"] == 1000


def test_a_message_without_a_trace_starts_one_and_nothing_outside_a_span_carries_one(spans):
    client = FakePubSubClient()
    PubSubPublisher("p", client).publish(UserUtterance(call_id="CA2", turn_seq=1, relay_instance="r1", text="hi"))
    [(data, attributes)] = client.sent
    assert tracing.TRACEPARENT not in attributes
    deliver(pushed(data, attributes), PublishingHandler(PubSubPublisher("p", client)))
    handled = [span for span in spans.get_finished_spans() if span.attributes.get("call_id") == "CA2"]
    assert len(handled) == 1 and handled[0].parent is None


def test_the_file_exporter_keeps_spans_the_console_reads_back(tmp_path):
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracing.JsonLinesExporter(tmp_path, "relay")))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("caller turn") as parent, tracer.start_as_current_span("publish"):
        pass
    wanted = tracing.trace_id(parent)
    with tracer.start_as_current_span("another turn"):
        pass
    read = tracing.read_trace(tmp_path, wanted)
    assert [span["name"] for span in read] == ["caller turn", "publish"]
    assert read[1]["parent_id"] == read[0]["span_id"] and read[0]["service"] == "relay"
    assert all(json.dumps(span) for span in read) and tracing.read_trace(tmp_path / "none", wanted) == []


def test_an_unknown_exporter_or_a_file_exporter_without_a_folder_is_refused(monkeypatch):
    monkeypatch.setattr(tracing, "_state", {})
    monkeypatch.setattr(trace, "set_tracer_provider", lambda provider: None)  # keep the process's own
    with pytest.raises(ValueError, match="CALLBOT_TRACE_DIR"):
        tracing.configure("file", "relay", "p", "")
    with pytest.raises(ValueError, match="unknown trace exporter"):
        tracing.configure("jaeger", "relay", "p", "")
