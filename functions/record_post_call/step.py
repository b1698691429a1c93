"""The post-call workflow's last step: the outcome of the run on the call document.

`{"status": "processed"}` -> the call's `status` is `processed`; `{"status": "post_call_failed",
"step": ..., "error": ...}` -> `post_call_failed`, with the step and the error kept under
`post_call` for whoever re-runs it. Each step's own result is already under `post_call.steps`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from callbot.call_document import CallDocument, PostCall
from callbot.errors import PermanentError
from callbot.post_call import FAILED, PROCESSED
from callbot.post_call.records import CallRecords

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2000


class RecordPostCall:
    def __init__(self, records: CallRecords, clock: Callable[[], float] = time.time) -> None:
        self._records = records
        self._clock = clock

    def __call__(self, call_id: str, body: dict[str, Any]) -> dict[str, Any]:
        status = body.get("status")
        if status not in (PROCESSED, FAILED):
            raise PermanentError(f"status must be {PROCESSED} or {FAILED}, not {status!r}")
        call = self._records.get_call(call_id)
        if call is None:
            raise PermanentError(f"no call {call_id}")
        now = int(self._clock() * 1000)
        outcome = PostCall(status=status, finished_at_ms=now)
        if call.ended_at_ms:
            outcome.after_hang_up_ms = now - call.ended_at_ms
        if status == FAILED:
            outcome.failed_step, outcome.error = str(body.get("step") or "unknown"), _error_text(body.get("error"))
            log.error("post-call work failed at %s: %s", outcome.failed_step, outcome.error)
        else:
            outcome.failed_step, outcome.error = None, None
        self._records.update_call(call_id, CallDocument(status=status, post_call=outcome))
        return {"status": status}


def _error_text(error: Any) -> str:
    """What the workflow caught, as text: the function's own error message when it sent one."""
    if isinstance(error, dict):
        body = error.get("body")
        if isinstance(body, dict) and body.get("error"):
            return str(body["error"])[:MAX_ERROR_CHARS]
        parts = [str(error[k]) for k in ("code", "message") if error.get(k)]
        return (" ".join(parts) or json.dumps(error, default=str))[:MAX_ERROR_CHARS]
    return str(error or "unknown error")[:MAX_ERROR_CHARS]
