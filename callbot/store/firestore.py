"""Firestore adapter for the `CallStore` port (async client; the relay is an asyncio process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callbot.call_document import CallDocument
from callbot.store.field_paths import field_paths, nested

CALLS = "calls"
EVENTS = "events"


def merge_set(paths: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`DocumentReference.set(data, merge=fields)` arguments that write the field paths `paths` and
    `updated_at`, and nothing else; the document is created when missing."""
    paths = {**field_paths(CallDocument(updated_at=datetime.now(UTC))), **paths}
    return nested(paths), list(paths)


class FirestoreCallStore:
    """Writes `calls/{call_id}` and `calls/{call_id}/events/{event_id}`; every document gets an
    `expire_at` for the TTL policy that enforces retention."""

    def __init__(self, project_id: str, retention_days: int, client: Any | None = None) -> None:
        self._project_id = project_id
        self._retention = timedelta(days=retention_days)
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.cloud import firestore

            self._client = firestore.AsyncClient(project=self._project_id)
        return self._client

    def _expire_at(self) -> datetime:
        return datetime.now(UTC) + self._retention

    async def create_call(self, call_id: str, call: CallDocument) -> None:
        created = call.model_copy(update={"created_at": datetime.now(UTC), "expire_at": self._expire_at()})
        await self.update_call(call_id, created)

    async def update_call(self, call_id: str, changes: CallDocument) -> None:
        data, paths = merge_set(field_paths(changes))
        await self.client.collection(CALLS).document(call_id).set(data, merge=paths)

    async def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None:
        ref = self.client.collection(CALLS).document(call_id).collection(EVENTS).document(event_id)
        await ref.set({"expire_at": self._expire_at(), **fields})

    async def get_call(self, call_id: str) -> CallDocument | None:
        snapshot = await self.client.collection(CALLS).document(call_id).get()
        return CallDocument.stored(snapshot.to_dict()) if snapshot.exists else None

    async def list_events(self, call_id: str) -> list[dict[str, Any]]:
        query = self.client.collection(CALLS).document(call_id).collection(EVENTS).order_by("at_ms")
        return [{"id": doc.id, **doc.to_dict()} async for doc in query.stream()]
