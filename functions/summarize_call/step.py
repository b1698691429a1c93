"""The call summarized for the sales rep (`callbot.post_call.summarizer`), stored on the call document
under `summary`, with the lead score and sentiment under `post_call.steps.summarize_call` (also the
step's answer to the workflow).

Idempotent: a call that already has a summary keeps it, so a retry or a re-run of the workflow
neither asks the LLM again nor gives sync_crm a different note from the one it may have written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from callbot.call_document import CallDocument, PostCall, PostCallSteps, SummarizeResult
from callbot.errors import PermanentError
from callbot.post_call.records import CallRecords
from callbot.post_call.summarizer import Summarizer

log = logging.getLogger(__name__)


class SummarizeCall:
    def __init__(self, records: CallRecords, summarizer: Summarizer, clock: Callable[[], float] = time.time) -> None:
        self._records = records
        self._summarizer = summarizer
        self._clock = clock

    def __call__(self, call_id: str, body: dict[str, Any]) -> dict[str, Any]:
        call = self._records.get_call(call_id)
        if call is None:
            raise PermanentError(f"no call {call_id}")
        # a stored summary that does not fit the current schema was read as missing: summarized again
        summary = call.summary or self._summarizer.summarize(call, self._records.list_events(call_id))
        result = SummarizeResult(lead_score=summary.lead_score, sentiment=summary.sentiment, engine=summary.engine,
                                 at_ms=int(self._clock() * 1000))
        self._records.update_call(call_id, CallDocument(
            summary=summary, post_call=PostCall(steps=PostCallSteps(summarize_call=result))))
        log.info("call summarized by %s: lead score %d, %s", summary.engine, summary.lead_score, summary.sentiment)
        # the summary itself (names, email, what was said) stays in Firestore: the answer travels
        # through the workflow's execution history
        return result.stored_form()
