"""Starting the post-call workflow for a call: once per call from `CallEnded`, again on demand.

`post_call.run` on the call document is the guard: `post_call_trigger` claims it before it starts
an execution, so a second `CallEnded` for the same call (a redelivery, or the relay and Twilio's
status callback both reporting the end) starts nothing. A claim whose execution never started (a
crash between the claim and the start) is started again by a redelivery once it is older than
`restart_after_s`. `rerun` starts a new run whatever the state: every step is idempotent, so a
re-run completes what is missing and repeats nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from callbot.errors import PermanentError
from callbot.post_call.records import CallRecords
from callbot.workflows import WorkflowRunner

log = logging.getLogger(__name__)
RUN = "post_call.run"


def _now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


def start_once(records: CallRecords, runner: WorkflowRunner, call_id: str, *, restart_after_s: float,
               clock: Callable[[], float] = time.time) -> str | None:
    """Start the workflow for `call_id` unless a run was started already; the execution name, or
    None when nothing was started."""
    now = _now_ms(clock)
    existing = records.claim(call_id, RUN, {"number": 1, "state": "starting", "claimed_at_ms": now})
    number = 1
    if existing is not None:
        stale = (existing.get("state") == "starting"
                 and now - int(existing.get("claimed_at_ms") or 0) > restart_after_s * 1000)
        if not stale:
            log.info("post-call run %s already %s; nothing started", existing.get("number"), existing.get("state"))
            return None
        number = int(existing.get("number") or 1)
        log.warning("post-call run %s was claimed but never started; starting it", number)
    return _start(records, runner, call_id, number, now)


def rerun(records: CallRecords, runner: WorkflowRunner, call_id: str,
          clock: Callable[[], float] = time.time) -> str:
    """Start a new run for a call whatever happened before (`callbot post-call rerun`)."""
    call = records.get_call(call_id)
    if call is None:
        raise PermanentError(f"no call {call_id}")
    previous = (call.get("post_call") or {}).get("run") or {}
    return _start(records, runner, call_id, int(previous.get("number") or 0) + 1, _now_ms(clock))


def _start(records: CallRecords, runner: WorkflowRunner, call_id: str, number: int, now_ms: int) -> str:
    execution = runner.start({"call_id": call_id, "run": number})
    run: dict[str, Any] = {"number": number, "state": "started", "claimed_at_ms": now_ms, "execution": execution,
                           "started_at_ms": now_ms}
    records.update_call(call_id, {RUN: run, "post_call.status": "running"})
    log.info("post-call run %s started: %s", number, execution)
    return execution
