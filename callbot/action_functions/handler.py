"""Run one `ActionRequested` on a port and report it as `ActionCompleted` on the turns topic.

What happens to a failure decides whether the call goes on:

- retryable (`RetryableError`, `TimeoutError`, `ConnectionError`): raised, so Pub/Sub delivers the
  request again; nothing is reported yet. Once the request was published more than `action_retry_s`
  ago, the failure is reported as `ActionCompleted(ok=False)` instead: the caller has heard the
  holding line, and is answered rather than left waiting for a system that is down. (What the call
  collected is kept in its document and written to the CRM after the call by sync_crm.)
- permanent (`PermanentError`, bad arguments as `ValueError` or pydantic's `ValidationError`,
  `MeetingNotFound`, an unknown action): logged with the call id and reported as
  `ActionCompleted(ok=False, error=...)`, so the agent can apologise and carry on.
- a message that is not a request for this port, or too old to matter: dead-lettered.

Operations are idempotent by request id (the adapters see `<call id>/<request id>`), so a redelivery
after a lost publish does the work once and reports the same result again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from callbot.action_functions.settings import ActionSettings
from callbot.bus import Delivery, Publisher, entry
from callbot.calendar import MeetingNotFound
from callbot.errors import BadMessage, PermanentError, RetryableError
from callbot.logs import bind_call
from callbot.messages import ActionCompleted, ActionPort, ActionRequested

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 30
Operation = Callable[[ActionRequested], dict[str, Any]]
RETRYABLE = (RetryableError, TimeoutError, ConnectionError)
PERMANENT = (PermanentError, ValueError, MeetingNotFound)  # ValidationError is a ValueError


def request_key(request: ActionRequested) -> str:
    """The id an adapter deduplicates on: request ids are unique only within their call."""
    return f"{request.call_id}/{request.request_id}"


class ActionHandler:
    def __init__(self, port: ActionPort, operations: Mapping[str, Operation], publisher: Publisher,
                 settings: ActionSettings, clock: Callable[[], float] = time.time) -> None:
        self._port = port
        self._operations = dict(operations)
        self._publisher = publisher
        self._settings = settings
        self._clock = clock

    @property
    def source(self) -> str:
        """The function's name, as dead letters record it."""
        return f"{self._port}_action"

    def handle(self, delivery: Delivery) -> None:
        request = delivery.message
        if not isinstance(request, ActionRequested) or request.port is not self._port:
            raise BadMessage(f"{request.type} for {getattr(request, 'port', '-')} does not belong to {self.source}")
        with bind_call(request.call_id):
            if delivery.older_than(self._settings.max_message_age_s, self._clock):
                self.dead_letter(request.call_id, request.turn_seq, "older than max_message_age_s",
                                 request.model_dump_json())
                return
            started = time.monotonic()
            try:
                result, error = self._run(request), ""
            except RETRYABLE as exc:
                if not delivery.older_than(self._settings.action_retry_s, self._clock):
                    log.warning("action failed, to be retried", exc_info=True,
                                extra=_fields(request, Outcome.RETRY))
                    raise
                result, error = {}, _reason(exc)
                log.error("action still failing after %ss, reported as failed: %s", self._settings.action_retry_s,
                          error, extra=_fields(request, Outcome.GAVE_UP))
            except PERMANENT as exc:
                result, error = {}, _reason(exc)
                log.error("action failed: %s", error, extra=_fields(request, Outcome.FAILED))
            self._publisher.publish(ActionCompleted(
                call_id=request.call_id, turn_seq=request.turn_seq, relay_instance=request.relay_instance,
                request_id=request.request_id, port=request.port, action=request.action, ok=not error,
                result=result, error=error, duration_ms=int((time.monotonic() - started) * 1000),
                sent_at_ms=int(self._clock() * 1000), requested_at_ms=request.sent_at_ms,
            )).result(timeout=PUBLISH_TIMEOUT_S)
            log.info("action reported", extra={**_fields(request, Outcome.REPORTED), "ok": not error})

    def _run(self, request: ActionRequested) -> dict[str, Any]:
        operation = self._operations.get(request.action)
        if operation is None:
            raise PermanentError(f"unknown action {request.action!r}")
        return operation(request)

    def dead_letter(self, call_id: str, turn_seq: int, reason: str, payload: str) -> None:
        entry.dead_letter(self._publisher, self.source, call_id, turn_seq, reason, payload, int(self._clock() * 1000))


class Outcome(StrEnum):
    """What became of one delivery of a request: the `outcome` field of the handler's log lines."""

    RETRY = "retry"  # failed retryably; raised so that Pub/Sub delivers it again
    GAVE_UP = "gave_up"  # still failing action_retry_s after the request: reported as failed
    FAILED = "failed"  # failed permanently: reported as failed
    REPORTED = "reported"  # ActionCompleted published (its `ok` field says how it went)


def _fields(request: ActionRequested, outcome: Outcome) -> dict[str, str]:
    return {"action": request.action, "request_id": request.request_id, "outcome": outcome.value}


def _reason(exc: Exception) -> str:
    """A short reason the agent (and whoever reads the logs) can act on."""
    if isinstance(exc, ValidationError):
        fields = sorted({".".join(str(part) for part in e["loc"]) or "args" for e in exc.errors()})
        return f"invalid arguments: {', '.join(fields)}"[:200]
    if isinstance(exc, MeetingNotFound):
        return "meeting not found"
    return (str(exc) or type(exc).__name__)[:200]
