"""The call as the post-call steps see it: the `CallRecords` port (synchronous; functions are not
asyncio) with a Firestore adapter and an in-memory fake.

`claim` is the guard of the steps' side effects that have no idempotency of their own (starting a
workflow execution, sending an SMS): it sets a part of the document only if it is not set yet, in a
transaction (the claims are `callbot.call_document.Claim`s).
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Protocol

from callbot.call_document import CallDocument, Claim
from callbot.store.field_paths import apply, field_paths, lookup
from callbot.store.firestore import CALLS, EVENTS, merge_set


class CallRecords(Protocol):
    def get_call(self, call_id: str) -> CallDocument | None: ...

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        """The call's events in time order (`at_ms`)."""
        ...

    def update_call(self, call_id: str, changes: CallDocument) -> None:
        """Write the fields `changes` sets (a part of the document field by field, leaving its other
        fields as they are)."""
        ...

    def claim(self, call_id: str, claim: Claim) -> CallDocument | None:
        """Set `claim.path` to `claim.value` unless it is already set: None when this call claimed
        it, else the document as it is, with what was there."""
        ...


class FirestoreCallRecords:
    def __init__(self, client: Any) -> None:
        self._client = client

    @classmethod
    def from_project(cls, project_id: str) -> FirestoreCallRecords:
        from google.cloud import firestore

        return cls(firestore.Client(project=project_id))

    def _ref(self, call_id: str) -> Any:
        return self._client.collection(CALLS).document(call_id)

    def get_call(self, call_id: str) -> CallDocument | None:
        snapshot = self._ref(call_id).get()
        return CallDocument.stored(snapshot.to_dict()) if snapshot.exists else None

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        query = self._ref(call_id).collection(EVENTS).order_by("at_ms")
        return [{"id": doc.id, **doc.to_dict()} for doc in query.stream()]

    def update_call(self, call_id: str, changes: CallDocument) -> None:
        data, paths = merge_set(field_paths(changes))
        self._ref(call_id).set(data, merge=paths)

    def claim(self, call_id: str, claim: Claim) -> CallDocument | None:
        from google.cloud import firestore

        ref = self._ref(call_id)

        @firestore.transactional
        def attempt(transaction: Any) -> CallDocument | None:
            snapshot = ref.get(transaction=transaction)
            document = snapshot.to_dict() or {}
            if lookup(document, claim.path) is not None:
                return CallDocument.stored(document)
            data, paths = merge_set({claim.path: claim.value})
            transaction.set(ref, data, merge=paths)
            return None

        return attempt(self._client.transaction())


class MemoryCallRecords:
    """The fake for unit tests: documents held as Firestore holds them (plain dicts), every write
    recorded in `writes` as its field paths."""

    def __init__(self, calls: dict[str, dict[str, Any]] | None = None,
                 events: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.calls: dict[str, dict[str, Any]] = copy.deepcopy(calls or {})
        self.events: dict[str, list[dict[str, Any]]] = copy.deepcopy(events or {})
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def get_call(self, call_id: str) -> CallDocument | None:
        with self._lock:
            call = self.calls.get(call_id)
            return CallDocument.stored(copy.deepcopy(call)) if call is not None else None

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        return sorted(copy.deepcopy(self.events.get(call_id, [])), key=lambda e: e.get("at_ms") or 0)

    def update_call(self, call_id: str, changes: CallDocument) -> None:
        with self._lock:
            self._write(call_id, field_paths(changes))

    def claim(self, call_id: str, claim: Claim) -> CallDocument | None:
        with self._lock:
            document = self.calls.get(call_id, {})
            if lookup(document, claim.path) is not None:
                return CallDocument.stored(copy.deepcopy(document))
            self._write(call_id, {claim.path: claim.value})
            return None

    def _write(self, call_id: str, paths: dict[str, Any]) -> None:
        self.writes.append((call_id, copy.deepcopy(paths)))
        apply(self.calls.setdefault(call_id, {}), paths)
