"""`CallEnded` -> one execution of the post-call workflow (see `callbot.post_call.runs`);
`RerunPostCall` (from the call console) -> one more.

Other call-lifecycle messages on the topic are acknowledged and ignored; a message too old to act
on, or one that is not a call event, is dead-lettered. A failure to start the execution that may
pass (`RetryableError`) is raised, so Pub/Sub delivers the `CallEnded` again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from callbot.bus import Delivery, Publisher, entry
from callbot.errors import BadMessage
from callbot.logs import bind_call
from callbot.messages import CallEnded, RerunPostCall
from callbot.post_call import runs
from callbot.post_call.records import CallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.workflows import WorkflowRunner

log = logging.getLogger(__name__)
SOURCE = "post_call_trigger"


class PostCallTrigger:
    def __init__(self, records: CallRecords, runner: WorkflowRunner, publisher: Publisher,
                 settings: PostCallSettings, clock: Callable[[], float] = time.time) -> None:
        self._records = records
        self._runner = runner
        self._publisher = publisher
        self._settings = settings
        self._clock = clock

    def handle(self, delivery: Delivery) -> None:
        message = delivery.message
        if not isinstance(message, CallEnded | RerunPostCall):
            raise BadMessage(f"{message.type} is not a call event")
        with bind_call(message.call_id):
            if delivery.older_than(self._settings.max_message_age_s, self._clock):
                self.dead_letter(message.call_id, message.turn_seq, "older than max_message_age_s",
                                 message.model_dump_json())
                return
            if isinstance(message, RerunPostCall):
                log.info("post-call run asked for again by %s", message.requested_by)
                runs.rerun(self._records, self._runner, message.call_id, self._clock, message)
                return
            log.info("call ended (%s: %s)", message.ended_by, message.reason)
            runs.start_once(self._records, self._runner, message.call_id,
                            restart_after_s=self._settings.restart_unstarted_after_s, clock=self._clock)

    def dead_letter(self, call_id: str, turn_seq: int, reason: str, payload: str) -> None:
        entry.dead_letter(self._publisher, SOURCE, call_id, turn_seq, reason, payload, int(self._clock() * 1000))
