"""After the call: the post-call pipeline's shared contracts.

    stream_relay --CallEnded--> [call-events] --> post_call_trigger --starts--> workflows/post_call.yaml
    post_call.yaml --HTTP, in order--> summarize_call, sync_crm, send_confirmation, record_post_call

Every step is an HTTP function that takes `{"call_id": ...}`, reads the call from Firestore, does its
work idempotently (a re-run repeats nothing), writes its result under `post_call.steps.<step>` on the
call document and answers with that result. A retryable failure answers 503 (the workflow retries
with backoff); a permanent one answers 422 with the error (the workflow stops, and `record_post_call`
marks the call `post_call_failed` with the step and error). `callbot post-call rerun CALL_SID`
starts the workflow again.

The call document's (`callbot.call_document`) `status` goes `completed` (the relay, at hang-up) ->
`processed` or `post_call_failed` (this pipeline); `post_call` holds the execution, each step's
result and timings.
"""

from __future__ import annotations

from enum import StrEnum

from callbot.call_document import RUN_OUTCOMES, CallStatus


class Step(StrEnum):
    SUMMARIZE = "summarize_call"
    SYNC_CRM = "sync_crm"
    SEND_CONFIRMATION = "send_confirmation"
    RECORD = "record_post_call"


PIPELINE: tuple[Step, ...] = (Step.SUMMARIZE, Step.SYNC_CRM, Step.SEND_CONFIRMATION)

PROCESSED = CallStatus.PROCESSED
FAILED = CallStatus.POST_CALL_FAILED
FINAL = RUN_OUTCOMES  # a run's outcomes
