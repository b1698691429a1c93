"""Call state: the `CallStore` port and its adapters (`firestore.py`, `memory.py`), the synchronous
`CallLog` (`call_log.py`) and the read-only `CallReader` (`reader.py`).

The call document is `callbot.call_document.CallDocument`: readers get one, writers hand one holding
only the fields they change (see `field_paths.py` for how it is written).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from callbot.call_document import CallDocument


class CallStore(Protocol):
    """The call document `calls/{call_id}` and its `events` subcollection.

    Event ids are deterministic, so a repeated write (a redelivery, a retry) overwrites instead of
    adding a duplicate.
    """

    async def create_call(self, call_id: str, call: CallDocument) -> None: ...

    async def update_call(self, call_id: str, changes: CallDocument) -> None: ...

    async def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None: ...

    async def get_call(self, call_id: str) -> CallDocument | None: ...

    async def list_events(self, call_id: str) -> list[dict[str, Any]]: ...


class CallLog(Protocol):
    """The synchronous writes of a function to the call document (functions are not asyncio).

    Same documents and deterministic event ids as `CallStore`; one writer per call at a time, since
    turns of one call reach `agent_turn` in order."""

    def update_call(self, call_id: str, changes: CallDocument) -> None: ...

    def record_event(self, call_id: str, event_id: str, fields: dict[str, Any]) -> None: ...


class CallReader(Protocol):
    """The calls as people look at them (the call console): reads only, so a process holding one
    cannot change call data. Adapters in `reader.py`."""

    def recent_calls(self, since: datetime | None, until: datetime | None,
                     limit: int) -> list[tuple[str, CallDocument]]:
        """Up to `limit` calls created in [since, until), newest first, with their ids."""
        ...

    def get_call(self, call_id: str) -> CallDocument | None: ...

    def list_events(self, call_id: str) -> list[dict[str, Any]]:
        """The call's events in time order (`at_ms`)."""
        ...

    def turn_latencies(self, since_ms: int, until_ms: int) -> list[tuple[str, dict[str, Any]]]:
        """Every call's per-turn latency events (`kind` turn_latency) recorded in [since_ms,
        until_ms), with the id of their call."""
        ...
