"""Traces: each caller turn is one OpenTelemetry trace across processes.

    relay       "caller turn"      from the end of the caller's speech to the first bot audio
    agent_turn  "handle UserUtterance" (or DtmfReceived)   the turn's graph run, a child of the relay's
    crm_action, calendar_action,   "handle ActionRequested": each action the turn asked for, a child
    knowledge_action               of agent_turn's
    agent_turn  "handle ActionCompleted"   the run resumed with the result
    relay       "reply received"   each sentence of the reply, back at the relay

The context travels in the W3C `traceparent` attribute of every Pub/Sub message published while a
span is current (`callbot.bus.pubsub` injects it, `callbot.bus.entry` continues it). Which exporter
runs is a setting (`CALLBOT_TRACE_EXPORTER`): `none` (the API's no-op: nothing is recorded), `cloud`
(Cloud Trace, production) or `file` (JSON lines under `CALLBOT_TRACE_DIR`, one file per process:
the local stack, whose call console shows them). The relay records each turn's trace id on the
turn's latency event, so the console links a turn to its trace.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
_propagator = TraceContextTextMapPropagator()
_configured = threading.Lock()
_state: dict[str, Any] = {}


def configure(exporter: str, service: str, project_id: str, folder: str = "") -> None:
    """Set this process's tracer provider once (later calls do nothing): `none`, `cloud` or `file`."""
    with _configured:
        if _state or exporter == "none":
            _state.setdefault("exporter", exporter)
            return
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        match exporter:
            case "cloud":
                from opentelemetry.exporter.cloud_trace import CloudTraceSpanExporter

                provider.add_span_processor(BatchSpanProcessor(CloudTraceSpanExporter(project_id=project_id)))
            case "file":
                if not folder:
                    raise ValueError("the file trace exporter needs CALLBOT_TRACE_DIR")
                provider.add_span_processor(BatchSpanProcessor(JsonLinesExporter(Path(folder), service),
                                                               schedule_delay_millis=500))
            case other:
                raise ValueError(f"unknown trace exporter {other!r}: none, cloud or file")
        trace.set_tracer_provider(provider)
        _state["exporter"] = exporter


def configure_from(settings: Any, service: str) -> None:
    """`configure` from a deployable's settings (`trace_exporter`, `project_id`, `trace_dir`)."""
    configure(settings.trace_exporter, service, settings.project_id, settings.trace_dir)


def tracer() -> trace.Tracer:
    return trace.get_tracer("callbot")


def inject(attributes: dict[str, str]) -> None:
    """Add the current span's context (`traceparent`) to a message's attributes, if a span is current."""
    if trace.get_current_span().get_span_context().is_valid:
        _propagator.inject(attributes)


@contextmanager
def continued(attributes: Mapping[str, str], name: str, **span_attributes: Any) -> Iterator[trace.Span]:
    """A span `name` that continues the trace a message's attributes carry (a new trace without)."""
    parent = _propagator.extract(dict(attributes)) if TRACEPARENT in attributes else None
    token = otel_context.attach(parent) if parent is not None else None
    try:
        with tracer().start_as_current_span(name, attributes=span_attributes) as span:
            yield span
    finally:
        if token is not None:
            otel_context.detach(token)


def start(name: str, start_ms: int, **span_attributes: Any) -> trace.Span:
    """A new trace's root span begun at `start_ms` (epoch ms), ended by `end`; `current(span)` makes
    it the parent of what is published meanwhile. A root whatever is current: a turn is its own
    trace, not a part of the call's WebSocket request."""
    return tracer().start_span(name, context=otel_context.Context(), start_time=start_ms * 1_000_000,
                               attributes=span_attributes)


def current(span: trace.Span) -> Any:
    """A context manager in which `span` is current (and stays open)."""
    return trace.use_span(span, end_on_exit=False)


def end(span: trace.Span, end_ms: int, **span_attributes: Any) -> None:
    span.set_attributes({key: value for key, value in span_attributes.items() if value is not None})
    span.end(end_time=end_ms * 1_000_000)


def trace_id(span: trace.Span) -> str | None:
    """The span's trace id as 32 hex digits, None when nothing is recorded."""
    context = span.get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


# --- the local exporter and its reader ----------------------------------------------------------

def _span_record(span: Any, service: str) -> dict[str, Any]:
    context = span.get_span_context()
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}",
            "parent_id": f"{span.parent.span_id:016x}" if span.parent is not None else None,
            "name": span.name, "service": service, "start_ns": span.start_time, "end_ns": span.end_time,
            "attributes": {key: value for key, value in (span.attributes or {}).items()}}


class JsonLinesExporter:
    """Spans as JSON lines in `folder/<service>-<pid>.jsonl` (one writer per file)."""

    def __init__(self, folder: Path, service: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._path = folder / f"{service}-{os.getpid()}.jsonl"
        self._service = service

    def export(self, spans: Sequence[Any]) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        with self._path.open("a", encoding="utf-8") as out:
            for span in spans:
                out.write(json.dumps(_span_record(span, self._service), default=str) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def read_trace(folder: Path, wanted: str) -> list[dict[str, Any]]:
    """The spans of trace `wanted` the file exporters of `folder` wrote, by start time."""
    spans = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if wanted in line:
                    record = json.loads(line)
                    if record.get("trace_id") == wanted:
                        spans.append(record)
    return sorted(spans, key=lambda span: span["start_ns"])
