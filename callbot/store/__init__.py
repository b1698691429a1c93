"""Call state: the `CallStore` port and its adapters (`firestore.py`, `memory.py`)."""

from __future__ import annotations

from typing import Any, Protocol


class CallStore(Protocol):
    """The call document `calls/{call_id}` and its `events` subcollection.

    Event ids are deterministic, so a repeated write (a redelivery, a retry) overwrites instead of
    adding a duplicate.
    """

    async def create_call(self, call_id: str, fields: dict[str, Any]) -> None: ...

    async def update_call(self, call_id: str, fields: dict[str, Any]) -> None: ...

    async def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None: ...

    async def get_call(self, call_id: str) -> dict[str, Any] | None: ...

    async def list_events(self, call_id: str) -> list[dict[str, Any]]: ...


class CallLog(Protocol):
    """The synchronous writes of a function to the call document (functions are not asyncio).

    Same documents and deterministic event ids as `CallStore`; one writer per call at a time, since
    turns of one call reach `agent_turn` in order."""

    def update_call(self, call_id: str, fields: dict[str, Any]) -> None: ...

    def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None: ...
