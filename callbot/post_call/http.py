"""The shared body of the post-call HTTP functions the workflow calls.

Request: `{"call_id": "CA..."}`. Answers: 200 with the step's result; 503 for a retryable failure
(the workflow retries with backoff); 422 with the error for a permanent one (the workflow stops and
records it); 400 for a request without a call id. Anything unexpected propagates and becomes a 500,
which the workflow also retries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from callbot.errors import PermanentError, RetryableError
from callbot.logs import bind_call

log = logging.getLogger(__name__)
CALL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def serve(request: Any, step: str, run: Callable[[str, dict[str, Any]], dict[str, Any]]) -> tuple[dict, int]:
    """Run `run(call_id, body)` for the request and turn its outcome into the answer."""
    body = request.get_json(silent=True) if request is not None else None
    call_id = body.get("call_id") if isinstance(body, dict) else None
    if not isinstance(call_id, str) or not CALL_ID.match(call_id):
        log.error("%s: request without a valid call_id", step)
        return {"error": "the body must be JSON with a call_id", "step": step}, 400
    with bind_call(call_id):
        try:
            result = run(call_id, body)
        except RetryableError as exc:
            log.warning("%s failed, to be retried: %s", step, exc)
            return {"error": str(exc), "step": step, "retryable": True}, 503
        except PermanentError as exc:
            log.error("%s failed permanently: %s", step, exc)
            return {"error": str(exc), "step": step, "retryable": False}, 422
        log.info("%s done", step)
        return result, 200
