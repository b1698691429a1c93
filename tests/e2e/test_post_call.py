"""The post-call pipeline on the local stack: CallEnded on the call-events topic -> post_call_trigger
-> workflows-emulator running workflows/post_call.yaml -> summarize_call, sync_crm (the local
Salesforce), send_confirmation (the local Twilio server), record_post_call.

Each test seeds a finished call in Firestore the way the relay and agent_turn leave one, and
publishes its CallEnded as the relay does. The agent scenarios (test_agent_scenarios.py) run the
same pipeline after real simulated calls."""

from __future__ import annotations

import time

import httpx
import pytest

from callbot.bus.pubsub import PubSubPublisher
from callbot.call_document import CallDocument, CallStatus
from callbot.post_call.records import FirestoreCallRecords
from devtools import cli
from devtools.finished_call import publish_call_ended, seed_finished_call, wait_outcome
from devtools.processes import patched_environ
from devtools.simcall.post_call import messages_to

pytestmark = pytest.mark.e2e


class Pipeline:
    def __init__(self, info, stack_dir) -> None:
        self.info, self.stack_dir = info, stack_dir
        self.records = FirestoreCallRecords.from_project(info.project_id)
        self.publisher = PubSubPublisher(info.project_id)

    def seed_call(self, caller: str) -> str:
        return seed_finished_call(self.records, caller)

    def end(self, call_id: str) -> None:
        publish_call_ended(self.publisher, call_id)

    def wait(self, call_id: str) -> CallDocument:
        return wait_outcome(self.records, call_id)

    def tasks(self, call_id: str) -> list[dict]:
        tasks = httpx.get(f"{self.info.salesforce_url}/__admin/records/Task").json()
        return [t for t in tasks if t.get("CallObject") == call_id]

    def sms_to(self, number: str) -> list[dict]:
        return messages_to(self.info.twilio_url, number)

    def fail_salesforce(self, spec: dict) -> None:
        httpx.post(f"{self.info.salesforce_url}/__admin/fail-next", json=spec).raise_for_status()


@pytest.fixture(scope="module")
def pipeline(local_stack, stack_dir):
    with patched_environ(local_stack.emulator_env()):
        yield Pipeline(local_stack, stack_dir)


def test_an_ended_call_is_summarized_synced_and_confirmed_once(pipeline):
    caller = "+14155550171"
    call_id = pipeline.seed_call(caller)
    pipeline.end(call_id)
    call = pipeline.wait(call_id)
    assert call.status == CallStatus.PROCESSED, call.post_call
    summary = call.summary
    assert summary.lead_score >= 60 and summary.next_step.startswith("Meeting with Alex Kim")
    [task] = pipeline.tasks(call_id)
    assert task["Id"] == call.post_call.steps.sync_crm.task_id
    assert "Lead score" in task["Description"] and "We need help answering sales calls." in task["Description"]
    [sms] = pipeline.sms_to(caller)
    assert "Alex Kim" in sms["body"] and "+14155550100" in sms["body"]
    assert 0 < call.post_call.after_hang_up_ms < 30_000

    pipeline.end(call_id)  # the same call reported ended again (a redelivery, the status callback)
    time.sleep(3)
    again = pipeline.records.get_call(call_id)
    assert again.post_call.run.number == 1
    assert len(pipeline.tasks(call_id)) == 1 and len(pipeline.sms_to(caller)) == 1


def test_a_step_that_fails_twice_is_retried_and_the_call_processed(pipeline):
    caller = "+14155550172"
    call_id = pipeline.seed_call(caller)
    pipeline.fail_salesforce({"status": 503, "count": 2})
    pipeline.end(call_id)
    call = pipeline.wait(call_id)
    assert call.status == CallStatus.PROCESSED, call.post_call
    assert len(pipeline.tasks(call_id)) == 1 and len(pipeline.sms_to(caller)) == 1


def test_a_permanent_failure_is_recorded_and_rerun_completes_it_without_duplicates(pipeline, capsys):
    caller = "+14155550173"
    call_id = pipeline.seed_call(caller)
    pipeline.fail_salesforce({"errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "status": 400,
                              "message": "Email domain is blocked", "fields": ["Email"]})
    pipeline.end(call_id)
    call = pipeline.wait(call_id)
    assert call.status == CallStatus.POST_CALL_FAILED
    assert call.post_call.failed_step == "sync_crm" and "Email domain is blocked" in call.post_call.error
    assert pipeline.sms_to(caller) == []  # the workflow stopped before the confirmation

    assert cli.main(["--state-dir", str(pipeline.stack_dir), "post-call", "rerun", call_id, "--wait", "60"]) == 0
    assert f"{call_id}: processed" in capsys.readouterr().out
    assert cli.main(["--state-dir", str(pipeline.stack_dir), "post-call", "rerun", call_id, "--wait", "60"]) == 0
    call = pipeline.records.get_call(call_id)
    assert call.status == CallStatus.PROCESSED and call.post_call.run.number == 3
    assert len(pipeline.tasks(call_id)) == 1 and len(pipeline.sms_to(caller)) == 1
