"""post_call_trigger and the post-call runs: one workflow execution per ended call, again only on
request; record_post_call marks the outcome."""

from datetime import UTC, datetime

import pytest

from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.call_document import CallDocument, CallStatus
from callbot.errors import PermanentError, RetryableError
from callbot.messages import CallEnded, CallStarted, DeadLettered, RerunPostCall
from callbot.post_call import runs
from callbot.post_call.http import serve
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.workflows.memory import RecordingWorkflowRunner
from functions.post_call_trigger.trigger import PostCallTrigger
from functions.record_post_call.step import RecordPostCall

NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def parts():
    records = MemoryCallRecords({"CA1": ended_call(int(NOW * 1000) - 500)})
    runner, publisher, clock = RecordingWorkflowRunner(), RecordingPublisher(), Clock()
    trigger = PostCallTrigger(records, runner, publisher, PostCallSettings(), clock=clock)
    return trigger, records, runner, publisher, clock


def ended_call(ended_at_ms: int | None = None) -> dict:
    """A call the relay closed, as the store holds it."""
    return CallDocument(status=CallStatus.COMPLETED, ended_at_ms=ended_at_ms).stored_form()


def ended(call_id="CA1", **fields) -> Delivery:
    message = CallEnded(call_id=call_id, turn_seq=9, relay_instance="r1", ended_by="caller", reason="hung up",
                        sent_at_ms=int(NOW * 1000))
    return Delivery(message=message, message_id="m1", published_at=fields.get("published_at"))


def test_call_ended_starts_one_execution_and_records_it(parts):
    trigger, records, runner, _, _ = parts
    trigger.handle(ended())
    assert runner.started == [{"call_id": "CA1", "run": 1}]
    post_call = records.get_call("CA1").post_call
    assert post_call.status == "running"
    assert post_call.run.state == "started" and post_call.run.execution.endswith("/1")


def test_a_rerun_request_starts_the_next_run_once_and_says_who_asked(parts):
    trigger, records, runner, _, _ = parts
    trigger.handle(ended())
    request = RerunPostCall(call_id="CA1", turn_seq=0, requested_by="ada@northwind.example", request_id="r-1",
                            sent_at_ms=int(NOW * 1000))
    trigger.handle(Delivery(message=request, message_id="m2", published_at=None))
    trigger.handle(Delivery(message=request, message_id="m2", published_at=None))  # a redelivery
    assert runner.started == [{"call_id": "CA1", "run": 1}, {"call_id": "CA1", "run": 2}]
    run = records.get_call("CA1").post_call.run
    assert (run.number, run.request_id, run.requested_by) == (2, "r-1", "ada@northwind.example")
    again = request.model_copy(update={"request_id": "r-2"})
    trigger.handle(Delivery(message=again, message_id="m3", published_at=None))
    assert runner.started[-1] == {"call_id": "CA1", "run": 3}


def test_a_second_call_ended_for_the_same_call_starts_nothing(parts):
    trigger, _, runner, _, clock = parts
    trigger.handle(ended())
    clock.now += 3600
    trigger.handle(ended())
    assert len(runner.started) == 1


def test_a_run_claimed_but_never_started_is_started_by_a_late_redelivery(parts):
    trigger, records, runner, _, clock = parts
    runner.fail_with = RetryableError("workflows unavailable")
    with pytest.raises(RetryableError):  # raised: Pub/Sub delivers CallEnded again
        trigger.handle(ended())
    runner.fail_with = None
    trigger.handle(ended())  # redelivered at once: the claim is fresh, maybe another instance's
    assert runner.started == []
    clock.now += PostCallSettings().restart_unstarted_after_s + 1
    trigger.handle(ended())
    assert runner.started == [{"call_id": "CA1", "run": 1}]
    assert records.get_call("CA1").post_call.run.state == "started"


def test_rerun_starts_a_new_run_whatever_happened_before(parts):
    trigger, records, runner, _, clock = parts
    trigger.handle(ended())
    records.update_call("CA1", CallDocument(status=CallStatus.POST_CALL_FAILED))
    runs.rerun(records, runner, "CA1", clock=clock)
    assert runner.started[-1] == {"call_id": "CA1", "run": 2}
    assert records.get_call("CA1").post_call.run.number == 2
    with pytest.raises(PermanentError):
        runs.rerun(records, runner, "CA404", clock=clock)


def test_other_messages_and_stale_ones_are_dead_lettered_or_refused(parts):
    trigger, _, runner, publisher, _ = parts
    started = CallStarted(call_id="CA1", turn_seq=0, relay_instance="r1", from_number="+14155550123",
                          to_number="+14155550100", language="en-US", sent_at_ms=1)
    with pytest.raises(PermanentError):  # BadMessage: entry.deliver dead-letters it
        trigger.handle(Delivery(message=started, message_id="m0", published_at=None))
    trigger.handle(ended(published_at=datetime.fromtimestamp(NOW - 2 * 86400, UTC)))
    assert runner.started == []
    assert publisher.of_type(DeadLettered)[0].reason == "older than max_message_age_s"


class Request:
    def __init__(self, body):
        self._body = body

    def get_json(self, silent=False):
        return self._body


def test_record_post_call_marks_the_call_processed_with_the_time_since_hang_up():
    records = MemoryCallRecords({"CA1": ended_call(int(NOW * 1000) - 1500)})
    result, status = serve(Request({"call_id": "CA1", "status": "processed"}), "record_post_call",
                           RecordPostCall(records, clock=lambda: NOW))
    assert (status, result) == (200, {"status": "processed"})
    call = records.get_call("CA1")
    assert call.status == CallStatus.PROCESSED and call.post_call.after_hang_up_ms == 1500
    assert call.post_call.finished and call.post_call.failed_step is None


def test_record_post_call_keeps_the_failed_step_and_the_function_error():
    records = MemoryCallRecords({"CA1": ended_call()})
    error = {"code": 422, "message": "HTTP 422", "body": {"error": "Salesforce refused Email: invalid"}}
    serve(Request({"call_id": "CA1", "status": "post_call_failed", "step": "sync_crm", "error": error}),
          "record_post_call", RecordPostCall(records, clock=lambda: NOW))
    call = records.get_call("CA1")
    assert call.status == CallStatus.POST_CALL_FAILED
    assert (call.post_call.failed_step, call.post_call.error) == ("sync_crm", "Salesforce refused Email: invalid")


@pytest.mark.parametrize("body, expected", [
    ({"status": "processed"}, 400),  # no call id
    ({"call_id": "CA1", "status": "done"}, 422),
    ({"call_id": "CA404", "status": "processed"}, 422),
])
def test_record_post_call_refuses_what_it_cannot_record(body, expected):
    records = MemoryCallRecords({"CA1": {}})
    _, status = serve(Request(body), "record_post_call", RecordPostCall(records, clock=lambda: NOW))
    assert status == expected
