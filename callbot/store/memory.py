"""An in-memory `CallStore` for unit tests: documents held as Firestore holds them (plain dicts)."""

from __future__ import annotations

import copy
from typing import Any

from callbot.call_document import CallDocument
from callbot.store.field_paths import apply, field_paths


class MemoryCallStore:
    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, dict[str, Any]]] = {}

    async def create_call(self, call_id: str, call: CallDocument) -> None:
        await self.update_call(call_id, call)

    async def update_call(self, call_id: str, changes: CallDocument) -> None:
        apply(self.calls.setdefault(call_id, {}), field_paths(changes))

    async def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None:
        self.events.setdefault(call_id, {})[event_id] = {"id": event_id, **fields}

    async def get_call(self, call_id: str) -> CallDocument | None:
        return self.document(call_id)

    def document(self, call_id: str) -> CallDocument | None:
        """The call as stored, for a test to look at."""
        call = self.calls.get(call_id)
        return CallDocument.stored(copy.deepcopy(call)) if call is not None else None

    async def list_events(self, call_id: str) -> list[dict[str, Any]]:
        return sorted(self.events.get(call_id, {}).values(), key=lambda e: e.get("at_ms", 0))
