"""Adapters of the `CallReader` port: Firestore (sync client) and an in-memory fake for unit tests.

The Firestore queries and the indexes they need (terraform/firestore.tf):
    calls, created_at in a range, newest first          the automatic single-field index
    events (collection group), kind == turn_latency,     a composite index, collection group scope
    at_ms in a range
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from callbot.call_document import CallDocument, as_datetime
from callbot.store.firestore import CALLS, EVENTS

TURN_LATENCY = "turn_latency"  # the `kind` of the relay's per-turn latency events


class FirestoreCallReader:
    def __init__(self, client: Any) -> None:
        self._client = client

    @classmethod
    def from_project(cls, project_id: str) -> FirestoreCallReader:
        from google.cloud import firestore

        return cls(firestore.Client(project=project_id))

    def recent_calls(self, since: datetime | None, until: datetime | None,
                     limit: int) -> list[tuple[str, CallDocument]]:
        from google.cloud.firestore import Query
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = self._client.collection(CALLS)
        if since is not None:
            query = query.where(filter=FieldFilter("created_at", ">=", since))
        if until is not None:
            query = query.where(filter=FieldFilter("created_at", "<", until))
        query = query.order_by("created_at", direction=Query.DESCENDING).limit(limit)
        return [(doc.id, CallDocument.stored(doc.to_dict())) for doc in query.stream()]

    def get_call(self, call_id: str) -> CallDocument | None:
        snapshot = self._client.collection(CALLS).document(call_id).get()
        return CallDocument.stored(snapshot.to_dict()) if snapshot.exists else None

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        query = self._client.collection(CALLS).document(call_id).collection(EVENTS).order_by("at_ms")
        return [{"id": doc.id, **doc.to_dict()} for doc in query.stream()]

    def turn_latencies(self, since_ms: int, until_ms: int) -> list[tuple[str, dict[str, Any]]]:
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (self._client.collection_group(EVENTS)
                 .where(filter=FieldFilter("kind", "==", TURN_LATENCY))
                 .where(filter=FieldFilter("at_ms", ">=", since_ms))
                 .where(filter=FieldFilter("at_ms", "<", until_ms)))
        return [(doc.reference.parent.parent.id, doc.to_dict()) for doc in query.stream()]


class MemoryCallReader:
    """Documents and events held as Firestore holds them (plain dicts); every read recorded in
    `reads`, so a test can see what a page asked for."""

    def __init__(self, calls: dict[str, dict[str, Any]] | None = None,
                 events: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.calls = copy.deepcopy(calls or {})
        self.events = copy.deepcopy(events or {})
        self.reads: list[tuple[str, Any]] = []

    def recent_calls(self, since: datetime | None, until: datetime | None,
                     limit: int) -> list[tuple[str, CallDocument]]:
        self.reads.append(("recent_calls", (since, until, limit)))
        found = []
        for call_id, raw in self.calls.items():
            created = as_datetime(raw.get("created_at"))
            if created is None or (since and created < since) or (until and created >= until):
                continue
            found.append((created, call_id, raw))
        found.sort(key=lambda item: item[0], reverse=True)
        return [(call_id, CallDocument.stored(copy.deepcopy(raw))) for _, call_id, raw in found[:limit]]

    def get_call(self, call_id: str) -> CallDocument | None:
        self.reads.append(("get_call", call_id))
        raw = self.calls.get(call_id)
        return CallDocument.stored(copy.deepcopy(raw)) if raw is not None else None

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        self.reads.append(("list_events", call_id))
        return sorted(copy.deepcopy(self.events.get(call_id, [])), key=lambda e: e.get("at_ms") or 0)

    def turn_latencies(self, since_ms: int, until_ms: int) -> list[tuple[str, dict[str, Any]]]:
        self.reads.append(("turn_latencies", (since_ms, until_ms)))
        return [(call_id, copy.deepcopy(event)) for call_id, events in self.events.items() for event in events
                if event.get("kind") == TURN_LATENCY and since_ms <= (event.get("at_ms") or 0) < until_ms]
