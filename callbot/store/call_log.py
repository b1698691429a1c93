"""Adapters of the `CallLog` port: Firestore (sync client) and an in-memory fake for unit tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from callbot.call_document import CallDocument
from callbot.store.field_paths import apply, field_paths
from callbot.store.firestore import CALLS, EVENTS, merge_set


class FirestoreCallLog:
    def __init__(self, client: Any, retention_days: int) -> None:
        self._client = client
        self._retention = timedelta(days=retention_days)

    def update_call(self, call_id: str, changes: CallDocument) -> None:
        data, paths = merge_set(field_paths(changes))
        self._client.collection(CALLS).document(call_id).set(data, merge=paths)

    def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None:
        ref = self._client.collection(CALLS).document(call_id).collection(EVENTS).document(event_id)
        ref.set({"expire_at": datetime.now(UTC) + self._retention, **fields})


class MemoryCallLog:
    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, dict[str, Any]]] = {}

    def update_call(self, call_id: str, changes: CallDocument) -> None:
        apply(self.calls.setdefault(call_id, {}), field_paths(changes))

    def document(self, call_id: str) -> CallDocument | None:
        """The call as stored, for a test to look at."""
        call = self.calls.get(call_id)
        return CallDocument.stored(copy.deepcopy(call)) if call is not None else None

    def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None:
        self.events.setdefault(call_id, {})[event_id] = {"id": event_id, **fields}
