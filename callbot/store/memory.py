"""An in-memory `CallStore` for unit tests."""

from __future__ import annotations

from typing import Any


class MemoryCallStore:
    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, dict[str, Any]]] = {}

    async def create_call(self, call_id: str, fields: dict[str, Any]) -> None:
        self.calls.setdefault(call_id, {}).update(fields)

    async def update_call(self, call_id: str, fields: dict[str, Any]) -> None:
        self.calls.setdefault(call_id, {}).update(fields)

    async def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None:
        self.events.setdefault(call_id, {})[event_id] = {"id": event_id, **fields}

    async def get_call(self, call_id: str) -> dict[str, Any] | None:
        return self.calls.get(call_id)

    async def list_events(self, call_id: str) -> list[dict[str, Any]]:
        return sorted(self.events.get(call_id, {}).values(), key=lambda e: e.get("at_ms", 0))
