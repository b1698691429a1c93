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

from callbot.call_document import RUNNING, CallDocument, PostCall, PostCallRun, run_claim
from callbot.errors import PermanentError
from callbot.messages import RerunPostCall
from callbot.post_call.records import CallRecords
from callbot.workflows import WorkflowRunner

log = logging.getLogger(__name__)
STARTING, STARTED = "starting", "started"


def _now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


def start_once(records: CallRecords, runner: WorkflowRunner, call_id: str, *, restart_after_s: float,
               clock: Callable[[], float] = time.time) -> str | None:
    """Start the workflow for `call_id` unless a run was started already; the execution name, or
    None when nothing was started."""
    now = _now_ms(clock)
    current = records.claim(call_id, run_claim(PostCallRun(number=1, state=STARTING, claimed_at_ms=now)))
    number = 1
    if current is not None:
        existing = (current.post_call or PostCall()).run or PostCallRun()
        stale = existing.state == STARTING and now - (existing.claimed_at_ms or 0) > restart_after_s * 1000
        if not stale:
            log.info("post-call run %s already %s; nothing started", existing.number, existing.state)
            return None
        number = existing.number
        log.warning("post-call run %s was claimed but never started; starting it", number)
    return _start(records, runner, call_id, number, now)


def rerun(records: CallRecords, runner: WorkflowRunner, call_id: str,
          clock: Callable[[], float] = time.time, request: RerunPostCall | None = None) -> str | None:
    """Start a new run for a call whatever happened before (`callbot post-call rerun`, or a
    `RerunPostCall` from the call console); None when `request` already started the latest run (a
    redelivery)."""
    call = records.get_call(call_id)
    if call is None:
        raise PermanentError(f"no call {call_id}")
    previous = call.post_call.run if call.post_call is not None else None
    if request is not None and previous is not None and previous.request_id == request.request_id:
        log.info("post-call run %s was started by this request already; nothing started", previous.number)
        return None
    number = (previous.number if previous is not None else 0) + 1
    return _start(records, runner, call_id, number, _now_ms(clock), request)


def _start(records: CallRecords, runner: WorkflowRunner, call_id: str, number: int, now_ms: int,
           request: RerunPostCall | None = None) -> str:
    execution = runner.start({"call_id": call_id, "run": number})
    run = PostCallRun(number=number, state=STARTED, claimed_at_ms=now_ms, execution=execution, started_at_ms=now_ms)
    if request is not None:
        run.request_id, run.requested_by = request.request_id, request.requested_by
    records.update_call(call_id, CallDocument(post_call=PostCall(run=run, status=RUNNING)))
    log.info("post-call run %s started: %s", number, execution)
    return execution
