"""The call as the post-call steps see it: the `CallRecords` port (synchronous; functions are not
asyncio) with a Firestore adapter and an in-memory fake.

`claim` is the guard of the steps' side effects that have no idempotency of their own (starting a
workflow execution, sending an SMS): it sets a field only if it is not set yet, in a transaction,
and returns what was there before.
"""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime
from typing import Any, Protocol

from callbot.store.firestore import CALLS, EVENTS


class CallRecords(Protocol):
    def get_call(self, call_id: str) -> dict[str, Any] | None: ...

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        """The call's events in time order (`at_ms`)."""
        ...

    def update_call(self, call_id: str, fields: dict[str, Any]) -> None:
        """Merge `fields` into the call document; dotted keys (`post_call.steps.sync_crm`) set one
        nested field and leave its siblings."""
        ...

    def claim(self, call_id: str, field: str, value: Any) -> Any | None:
        """Set `field` (dotted path) to `value` unless it is already set: None when this call claimed
        it, else the value that was there."""
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

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        snapshot = self._ref(call_id).get()
        return snapshot.to_dict() if snapshot.exists else None

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        query = self._ref(call_id).collection(EVENTS).order_by("at_ms")
        return [{"id": doc.id, **doc.to_dict()} for doc in query.stream()]

    def update_call(self, call_id: str, fields: dict[str, Any]) -> None:
        # update() reads dotted keys as field paths; it needs the document to exist, and set(merge)
        # makes sure it does without touching what is there
        ref = self._ref(call_id)
        ref.set({"updated_at": datetime.now(UTC)}, merge=True)
        ref.update(fields)

    def claim(self, call_id: str, field: str, value: Any) -> Any | None:
        from google.cloud import firestore

        ref = self._ref(call_id)

        @firestore.transactional
        def attempt(transaction: Any) -> Any | None:
            snapshot = ref.get(transaction=transaction)
            current = _lookup(snapshot.to_dict() or {}, field)
            if current is not None:
                return current
            if snapshot.exists:
                transaction.update(ref, {field: value, "updated_at": datetime.now(UTC)})
            else:
                transaction.set(ref, _nest(field, value))
            return None

        return attempt(self._client.transaction())


class MemoryCallRecords:
    """The fake for unit tests: documents in a dict, every write recorded in `writes`."""

    def __init__(self, calls: dict[str, dict[str, Any]] | None = None,
                 events: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.calls: dict[str, dict[str, Any]] = copy.deepcopy(calls or {})
        self.events: dict[str, list[dict[str, Any]]] = copy.deepcopy(events or {})
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        with self._lock:
            call = self.calls.get(call_id)
            return copy.deepcopy(call) if call is not None else None

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        return sorted(copy.deepcopy(self.events.get(call_id, [])), key=lambda e: e.get("at_ms") or 0)

    def update_call(self, call_id: str, fields: dict[str, Any]) -> None:
        with self._lock:
            self.writes.append((call_id, copy.deepcopy(fields)))
            document = self.calls.setdefault(call_id, {})
            for path, value in fields.items():
                _assign(document, path, copy.deepcopy(value))

    def claim(self, call_id: str, field: str, value: Any) -> Any | None:
        with self._lock:
            document = self.calls.setdefault(call_id, {})
            current = _lookup(document, field)
            if current is not None:
                return current
            _assign(document, field, copy.deepcopy(value))
            self.writes.append((call_id, {field: copy.deepcopy(value)}))
            return None


def _lookup(document: dict[str, Any], path: str) -> Any | None:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _assign(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        child = document.get(part)
        if not isinstance(child, dict):
            child = document[part] = {}
        document = child
    document[leaf] = value


def _nest(path: str, value: Any) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    _assign(nested, path, value)
    return nested
