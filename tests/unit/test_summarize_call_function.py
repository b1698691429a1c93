"""summarize_call: the summary stored on the call with the step's result, once, and the HTTP answers
the post-call workflow acts on."""

from __future__ import annotations

from functions_framework import create_app

from callbot.call_document import AgentOutcome, CallDocument, CallStatus, CallSummary
from callbot.errors import RetryableError
from callbot.post_call import Step
from callbot.post_call.http import serve
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.summarizer import OfflineSummarizer
from functions.summarize_call import bootstrap
from functions.summarize_call.step import SummarizeCall

NOW = 1_790_000_100.0
CALL = CallDocument(
    from_="+14155550123", status=CallStatus.COMPLETED, ended_by="caller", duration_s=42, meeting=None,
    agent=AgentOutcome(qualification={"first_name": "Ana", "company": "Acme", "need": "route support calls"},
                       unanswered_questions=["Do you support SAP?"])).stored_form()
EVENTS = [{"id": "caller-0001", "speaker": "caller", "text": "We need to route support calls, thanks.", "at_ms": 10},
          {"id": "bot-0001-00", "speaker": "bot", "text": "Happy to help.", "heard": "Happy to help.", "at_ms": 20}]


class Request:
    def __init__(self, body) -> None:
        self._body = body

    def get_json(self, silent=False):
        return self._body


class CountingSummarizer:
    def __init__(self, inner=None) -> None:
        self.inner = inner or OfflineSummarizer()
        self.calls = 0

    def summarize(self, call: CallDocument, events: list[dict]) -> CallSummary:
        self.calls += 1
        return self.inner.summarize(call, events)


def step(calls: dict, summarizer=None) -> tuple[SummarizeCall, MemoryCallRecords]:
    records = MemoryCallRecords(calls, {call_id: EVENTS for call_id in calls})
    return SummarizeCall(records, summarizer or OfflineSummarizer(), clock=lambda: NOW), records


def test_the_summary_and_the_step_result_are_stored_on_the_call():
    summarize, records = step({"CA1": CALL})
    result, status = serve(Request({"call_id": "CA1", "execution": "e1"}), Step.SUMMARIZE, summarize)
    assert status == 200
    stored = records.get_call("CA1")
    summary = stored.summary
    assert summary.engine == "rules-v1" and summary.unanswered_questions == ["Do you support SAP?"]
    assert summary.next_step == "A specialist follows up on: Do you support SAP?"
    assert stored.post_call.steps.summarize_call.stored_form() == result == {
        "lead_score": summary.lead_score, "sentiment": "positive", "engine": "rules-v1", "at_ms": int(NOW * 1000)}
    assert stored.status == CallStatus.COMPLETED


def test_the_answer_to_the_workflow_carries_no_personal_data():
    summarize, _ = step({"CA1": CALL})
    result, _ = serve(Request({"call_id": "CA1"}), Step.SUMMARIZE, summarize)
    assert set(result) == {"lead_score", "sentiment", "engine", "at_ms"}


def test_a_second_run_gives_the_same_summary_without_summarizing_again():
    counting = CountingSummarizer()
    summarize, records = step({"CA1": CALL}, counting)
    first = summarize("CA1", {"call_id": "CA1"})
    summary = records.get_call("CA1").summary
    assert summarize("CA1", {"call_id": "CA1"}) == first
    assert counting.calls == 1 and records.get_call("CA1").summary == summary


def test_the_offline_engine_gives_the_same_summary_on_a_fresh_run():
    first, _ = step({"CA1": CALL})
    second, _ = step({"CA1": CALL})
    assert first("CA1", {}) == second("CA1", {})


def test_a_stored_summary_of_an_older_shape_is_replaced():
    summarize, records = step({"CA1": {**CALL, "summary": {"text": "old"}}})
    assert summarize("CA1", {})["engine"] == "rules-v1"
    assert records.get_call("CA1").summary.engine == "rules-v1"


def test_a_missing_call_is_a_permanent_failure():
    summarize, records = step({})
    body, status = serve(Request({"call_id": "CA404"}), Step.SUMMARIZE, summarize)
    assert status == 422 and body == {"error": "no call CA404", "step": "summarize_call", "retryable": False}
    assert records.writes == []


def test_a_model_outage_is_retried_and_writes_nothing():
    class Down:
        def summarize(self, call, events):
            raise RetryableError("the summary model did not answer within 8 s")

    summarize, records = step({"CA1": CALL}, Down())
    body, status = serve(Request({"call_id": "CA1"}), Step.SUMMARIZE, summarize)
    assert status == 503 and body["retryable"] is True
    assert records.writes == []


def test_a_request_without_a_call_id_is_rejected():
    summarize, _ = step({"CA1": CALL})
    assert serve(Request({"execution": "e1"}), Step.SUMMARIZE, summarize)[1] == 400


def test_the_deployed_function_runs_through_its_composition_root(monkeypatch):
    records = MemoryCallRecords({"CA1": CALL}, {"CA1": EVENTS})
    monkeypatch.setenv("CALLBOT_LLM_PROVIDER", "offline")
    monkeypatch.setattr(bootstrap.FirestoreCallRecords, "from_project", classmethod(lambda cls, project_id: records))
    bootstrap.step.cache_clear()
    try:
        client = create_app(target="summarize_call", source="functions/summarize_call/main.py").test_client()
        response = client.post("/", json={"call_id": "CA1", "execution": "e1"})
        assert response.status_code == 200
        assert response.get_json() == records.get_call("CA1").post_call.steps.summarize_call.stored_form()
        assert client.post("/", json={"call_id": "CA404"}).status_code == 422
    finally:
        bootstrap.step.cache_clear()
