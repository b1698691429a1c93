"""Faults, each proven by an automated test: what the caller hears, and what is kept.

Tests here are marked (here); the others are named by path::name.

a. Salesforce or Google Calendar answering 5xx/429, or timing out
   proven by  (here) test_a_crm_that_hangs_then_recovers_is_retried_behind_the_holding_line: while
                the lead is saved, Salesforce answers save_lead's first request after the client's
                timeout; Pub/Sub delivers the request to crm_action again, which goes through
              (here) test_a_calendar_that_fails_then_recovers_is_retried_behind_the_holding_line:
                503, then 429, on the availability lookup
              (here) test_a_crm_down_for_the_call_loses_no_lead: 403 REQUEST_LIMIT_EXCEEDED on every
                request about the caller from the greeting to the hang-up, and once more after it
              tests/e2e/test_post_call.py::test_a_step_that_fails_twice_is_retried_and_the_call_processed,
                ::test_a_permanent_failure_is_recorded_and_rerun_completes_it_without_duplicates
              tests/unit/test_action_functions.py::test_a_retryable_failure_fails_the_delivery_so_pubsub_redelivers,
                ::test_a_failure_that_outlasts_the_retry_budget_is_reported_so_the_caller_is_answered
              tests/integration/test_salesforce_crm.py::test_unavailable_and_over_the_limit_are_retryable,
                ::test_a_hung_request_times_out_as_retryable_and_only_the_matching_call_is_affected
              tests/integration/test_google_calendar.py::test_server_errors_are_retryable_and_bad_requests_permanent,
                ::test_a_hung_request_times_out_as_retryable
   hears      "One moment, let me check.", then the answer (the confirmation, the slots) once a
              redelivery goes through. A system still failing `action_retry_s` (8 s) after the
              request: the holding line, then "Sorry, I couldn't do that just now. I can connect you
              with a colleague, or have someone call you back. Which would you prefer?"
   kept       the lead, once: saved during the call when a retry goes through, else written after
              the call by sync_crm from the call document (the workflow retries it; after a longer
              outage `callbot post-call rerun` does)

b. the LLM timing out or erroring
   proven by  (here) test_a_hung_llm_is_covered_by_the_filler_then_an_apology: an
                agent_turn whose offline model waits 30 s for its first token (LLM timeout 3 s)
              tests/unit/test_agent_turn.py::test_llm_failure_and_timeout_are_answered_with_an_apology_and_an_offer
                (an error, a timeout, a late first sentence)
   hears      "One moment, let me check." (how soon is a latency figure, for bench.voice_latency),
              then "Sorry, I'm having trouble right now." and the offer to be
              connected or called back; never silence
   kept       the call, which goes on; the utterance in the transcript

c. the STT stream failing mid-utterance
   proven by  tests/unit/test_google_stt.py::test_a_stream_error_mid_call_is_logged_and_the_stream_reopened
                (the real gRPC adapter against a fake Speech server aborting the stream mid-call,
                for each retryable status), ::test_audio_waits_while_the_stream_is_down_and_only_the_oldest_is_dropped_past_the_cap,
                ::test_a_permanent_error_is_not_retried_and_transcripts_come_back_empty
              tests/e2e/test_stt_restart.py (through the relay, across planned stream restarts)
              Not end to end for a failure: the e2e fake Speech server aborts streams only for
              their age, and the relay restarts them before that.
   hears      the answer to the utterance, as usual
   kept       the audio (replayed into the reopened stream), the call

d. the relay losing the Twilio socket
   proven by  (here) test_a_dropped_line_is_closed_and_its_post_call_work_runs
              tests/unit/test_relay.py::test_a_status_callback_closes_a_call_whose_stream_never_stopped
   hears      nothing more: the line is gone
   kept       the call document, closed by the relay (status completed, ended_at_ms, ended_by
              error, end_reason "socket closed without a stop message"); one CallEnded; the
              post-call work processed

e. a function crashing after its side effect and before its ack
   proven by  tests/integration/test_exactly_once.py::test_a_lead_task_and_event_are_created_once
              tests/unit/test_agent_turn.py::test_output_lost_before_publishing_is_published_on_redelivery
              tests/unit/test_post_call_trigger.py::test_a_run_claimed_but_never_started_is_started_by_a_late_redelivery
   hears      each reply once
   kept       one Lead, one Task, one Event, one invitation

f. a Pub/Sub message delivered twice or late
   proven by  tests/e2e/test_simulated_call.py::test_a_duplicate_pubsub_delivery_is_ignored
              tests/integration/test_agent_turn.py::test_a_duplicate_delivery_changes_nothing_and_publishes_nothing
              tests/unit/test_agent_turn.py::test_a_message_older_than_the_limit_is_dead_lettered_not_answered,
                ::test_a_redelivered_or_unexpected_action_result_does_nothing,
                ::test_an_action_without_result_is_given_up_when_the_caller_speaks_again
              tests/unit/test_action_functions.py::test_a_request_older_than_the_limit_is_dead_lettered_not_run
              tests/unit/test_post_call_trigger.py::test_a_second_call_ended_for_the_same_call_starts_nothing
   hears      one answer per utterance
   kept       the state changed once; a late message dead-lettered, a late action result ignored

g. a relay instance restarting while calls are on it
   proven by  (here) test_calls_on_a_relay_stopped_gracefully_are_closed_by_it: SIGTERM, as Cloud
                Run stops an instance, with two calls on it
              (here) test_calls_on_a_killed_relay_are_closed_by_the_status_callback: SIGKILL;
                Twilio's status callback reaches the surviving instance
              tests/unit/test_relay.py::test_a_call_no_relay_closed_is_closed_out_by_the_status_callback
   hears      the line goes dead (Twilio then fetches the `<Connect action>` and hangs up)
   kept       each call document closed (status, ended_at_ms, ended_by error, end_reason); one
              CallEnded per call; the post-call work processed, once

The calls here are placed at once, each fault injected for its own call only (by call id, caller
number or request): on the session's stack, on two more relay instances of it (g), and on an
agent_turn with a hanging LLM that serves a project of its own on the same emulators, with a relay
and a crm_action of that project (b).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from callbot.action_functions.settings import ActionSettings
from callbot.bus import topology
from callbot.messages import CallEnded, Topic
from callbot.phrases import Phrase, phrase
from callbot.store.firestore import FirestoreCallStore
from devtools import stack
from devtools.processes import Child, patched_environ
from devtools.simcall import scenario as scenarios
from devtools.simcall.caller import CallTarget, SimulatedCall
from devtools.simcall.expectations import check
from devtools.simcall.place import place_call
from devtools.simcall.post_call import wait_post_call
from tests.support.pubsub_tap import TopicTap

pytestmark = pytest.mark.e2e
SCENARIOS = Path(__file__).parent / "scenarios"
FILLER, APOLOGY, OFFER = (phrase(p, "en-US") for p in (Phrase.FILLER, Phrase.APOLOGY, Phrase.OFFER_HELP))
COULD_NOT = phrase(Phrase.ACTION_FAILED, "en-US")  # the offline engine's answer to a failed action
DELAY_S = ActionSettings().request_timeout_s + 1  # an answer too late for the action functions' client
SLOW_LLM = {"CALLBOT_OFFLINE_FIRST_TOKEN_S": "30", "CALLBOT_LLM_TIMEOUT_S": "3"}
SLOW_LLM_PROJECT = "callbot-faults-slow-llm"
HOLDING_RELAY = {"CALLBOT_SILENCE_REPROMPT_S": "30", "CALLBOT_SILENCE_HANGUP_S": "30"}
RELAY_CALLS = {"term": ("+14155550184", "+14155550185"), "kill": ("+14155550186",)}


def _scenario(name: str, **changes: Any) -> scenarios.Scenario:
    return dataclasses.replace(scenarios.load(SCENARIOS / f"{name}.yaml"), **changes)


def _admin(url: str, path: str, body: dict) -> None:
    httpx.post(f"{url}/__admin/{path}", json=body, timeout=5).raise_for_status()


class Injector:
    """The cues of the scenarios: faults queued on the local servers for one call."""

    def __init__(self, info: stack.StackInfo) -> None:
        self.salesforce, self.calendar = info.salesforce_url, info.calendar_url

    async def crm_hangs(self, call_sid: str) -> None:
        # save_lead's first request, the lookup of its request id, is answered after the client's
        # timeout: the attempt fails; the redelivery goes through
        await asyncio.to_thread(_admin, self.salesforce, "fail-next", {"delay_s": DELAY_S, "match": call_sid})

    def crm_down(self, number: str):
        async def down(call_sid: str) -> None:
            await asyncio.to_thread(_admin, self.salesforce, "fail-next", {
                "errorCode": "REQUEST_LIMIT_EXCEEDED", "count": "all", "match": number})
        return down

    def crm_back(self, number: str):
        async def back(call_sid: str) -> None:  # back, but the post-call sync is refused once more
            await asyncio.to_thread(_admin, self.salesforce, "clear-failures", {"match": number})
            await asyncio.to_thread(_admin, self.salesforce, "fail-next", {
                "errorCode": "REQUEST_LIMIT_EXCEEDED", "match": number})
        return back

    async def calendar_fails(self, call_sid: str) -> None:
        # the only availability lookup meanwhile: the other calls here look up no slots
        await asyncio.to_thread(_admin, self.calendar, "fail-next", {"status": 503, "match": "freeBusy"})
        await asyncio.to_thread(_admin, self.calendar, "fail-next", {"status": 429, "match": "freeBusy"})


async def _on_shared_relay(info: stack.StackInfo, name: str, cues: dict) -> tuple[str, dict]:
    report = await place_call(info, _scenario(name), "tone", cues=cues)
    return name, report.to_dict()


async def _on_stopped_relay(info: stack.StackInfo, stack_dir: Path, how: str, processes: list[Child]) -> list:
    """Calls held on a relay instance of their own, which is then stopped (`term`: SIGTERM, the way
    Cloud Run stops an instance; `kill`: SIGKILL, a crash). Twilio's callbacks after the stream go
    to the session's relay, as the load balancer would route them to a surviving instance."""
    relay, url = await asyncio.to_thread(stack.spawn_relay, info, stack_dir, f"relay-{how}", HOLDING_RELAY,
                                         processes)
    async with httpx.AsyncClient(timeout=5) as client:
        instance = (await client.get(f"{url}/healthz")).json()["relay_instance"]
    numbers = RELAY_CALLS[how]
    held, all_held = [], asyncio.Event()

    async def on_hold(call_sid: str) -> None:
        held.append(call_sid)
        if len(held) == len(numbers):
            all_held.set()

    async def stop_when_all_held() -> None:
        try:
            await asyncio.wait_for(all_held.wait(), 30)
        finally:  # stopped in any case; a call that was never held fails its test
            if how == "term":
                await asyncio.to_thread(relay.stop, 20)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(relay.pid, signal.SIGKILL)

    async def one(number: str) -> tuple[str, dict]:
        call = SimulatedCall(CallTarget(url, info.twilio_auth_token, callback_url=info.relay_public_url),
                             _scenario("fault_relay_restart", caller_number=number),
                             FirestoreCallStore(info.project_id, retention_days=1), cues={"held": on_hold})
        report = await call.run()
        report.post_call = await wait_post_call(call.calls, call.call_sid, info.twilio_url, number)
        return f"{how}:{number}", {**report.to_dict(), "stopped_relay": instance}

    stopping = asyncio.create_task(stop_when_all_held())
    placed = await asyncio.gather(*(one(number) for number in numbers))
    await stopping
    return list(placed)


async def _with_a_hanging_llm(info: stack.StackInfo, stack_dir: Path, processes: list[Child]) -> tuple[str, dict]:
    """b: an agent_turn whose LLM hangs, on a project of its own on the same emulators (so its own
    topics), with a crm_action for the greeting's lookup and a relay of that project."""
    project = {"CALLBOT_PROJECT_ID": SLOW_LLM_PROJECT, "GOOGLE_CLOUD_PROJECT": SLOW_LLM_PROJECT}
    (_, agent_turn), (_, crm_action) = await asyncio.gather(
        asyncio.to_thread(stack.spawn_function, info, "agent_turn", "agent_turn-slow-llm", {**project, **SLOW_LLM},
                          processes),
        asyncio.to_thread(stack.spawn_function, info, "crm_action", "crm_action-slow-llm", project, processes))
    await asyncio.to_thread(topology.apply, SLOW_LLM_PROJECT, {"agent_turn": agent_turn, "crm_action": crm_action})
    _, url = await asyncio.to_thread(stack.spawn_relay, info, stack_dir, "relay-slow-llm", project, processes)
    call = SimulatedCall(CallTarget(url, info.twilio_auth_token), _scenario("fault_llm_hangs"),
                         FirestoreCallStore(SLOW_LLM_PROJECT, retention_days=1))
    return "fault_llm_hangs", (await call.run()).to_dict()


async def _place_all(info: stack.StackInfo, stack_dir: Path, processes: list[Child]) -> dict[str, Any]:
    """Every fault group's calls at once; by group, its reports (name -> report) or the exception
    that ended it, so that one group's hiccup fails its own tests only."""
    inject = Injector(info)
    groups = {
        "fault_crm_retried": _on_shared_relay(info, "fault_crm_retried", {"crm_hangs": inject.crm_hangs}),
        "fault_crm_down": _on_shared_relay(info, "fault_crm_down", {"crm_down": inject.crm_down("4155550182"),
                                                                    "crm_back": inject.crm_back("4155550182")}),
        "fault_calendar_retried": _on_shared_relay(info, "fault_calendar_retried",
                                                   {"calendar_fails": inject.calendar_fails}),
        "fault_line_drops": _on_shared_relay(info, "fault_line_drops", {}),
        "term": _on_stopped_relay(info, stack_dir, "term", processes),
        "kill": _on_stopped_relay(info, stack_dir, "kill", processes),
        "fault_llm_hangs": _with_a_hanging_llm(info, stack_dir, processes),
    }
    done = await asyncio.gather(*groups.values(), return_exceptions=True)
    return {group: item if isinstance(item, BaseException) else dict(item if isinstance(item, list) else [item])
            for group, item in zip(groups, done, strict=True)}


def _call_ended_counts(tap: TopicTap, call_ids: set[str], timeout_s: float = 20) -> dict[str, int]:
    counts = dict.fromkeys(call_ids, 0)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not all(counts.values()):
        for message in tap.drain(expect=1, timeout_s=1):
            if isinstance(message, CallEnded) and message.call_id in counts:
                counts[message.call_id] += 1
    for message in tap.drain(expect=0, timeout_s=1):  # and any copy published late
        if isinstance(message, CallEnded) and message.call_id in counts:
            counts[message.call_id] += 1
    return counts


@dataclasses.dataclass
class Placed:
    """What the fault calls left: each group's reports or its exception, the CallEnded messages
    published per call id, and the local Salesforce's ledger and Leads afterwards."""

    groups: dict[str, Any]
    call_ended: dict[str, int]
    salesforce: dict[str, Any]  # its /__admin/failures: the failures served and every request answered
    leads: list[dict[str, Any]]


@pytest.fixture(scope="module")
def placed(local_stack, stack_dir) -> Placed:
    processes: list[Child] = []  # the extra relays and functions, stopped whatever happens
    try:
        with patched_environ(local_stack.emulator_env()):
            tap = TopicTap(local_stack.project_id, Topic.CALL_EVENTS)
            try:
                groups = asyncio.run(_place_all(local_stack, stack_dir, processes))
                shared = {report["call_sid"] for group, reports in groups.items()
                          if group != "fault_llm_hangs" and isinstance(reports, dict) for report in reports.values()}
                call_ended = _call_ended_counts(tap, shared)
            finally:
                tap.close()
        salesforce = httpx.get(f"{local_stack.salesforce_url}/__admin/failures", timeout=5).json()
        leads = httpx.get(f"{local_stack.salesforce_url}/__admin/records/Lead", timeout=5).json()
        return Placed(groups, call_ended, salesforce, leads)
    finally:
        for child in processes:
            child.stop()
        assert not any(child.alive() for child in processes)


def reports_of(placed: Placed, group: str) -> dict[str, dict]:
    """The group's reports by name; the group's own failure (not another's) if its calls failed."""
    reports = placed.groups[group]
    if isinstance(reports, BaseException):
        pytest.fail(f"the {group} calls could not be placed: {reports!r}")
    return reports


def bot_lines(report: dict) -> list[str]:
    return [e["text"] for e in report["transcript"] if e["speaker"] == "bot" and not e.get("system")]


def after(lines: list[str], first: str) -> list[str]:
    """The lines from the first occurrence of `first` on."""
    return lines[lines.index(first):]


def call_document(local_stack, call_id: str) -> dict:
    """The call document as Firestore holds it (its stored form), {} when there is none."""
    from callbot.post_call.records import FirestoreCallRecords

    with patched_environ(local_stack.emulator_env()):
        call = FirestoreCallRecords.from_project(local_stack.project_id).get_call(call_id)
    return call.stored_form() if call is not None else {}


def meets_expectations(name: str, report: dict) -> None:
    failures = check(report, _scenario(name).expect)
    assert failures == [], "\n".join([*failures, "transcript:", *bot_lines(report)])


# -- a. Salesforce and Google Calendar failing

def actions(report: dict, name: str) -> list[dict]:
    return [a for t in report["turns"] for a in (t.get("agent") or {}).get("actions", []) if a["action"] == name]


def deliveries(local_stack, function: str, call_id: str, action: str) -> list[dict]:
    """The structured log records `function` wrote of the deliveries of the call's `action`
    request, each with its `outcome` (callbot.action_functions.handler.Outcome)."""
    records = []
    for text in (Path(local_stack.log_dir) / f"{function}.log").read_text(errors="replace").splitlines():
        record = json.loads(text) if text.startswith("{") else {}
        if record.get("call_id") == call_id and record.get("action") == action and "outcome" in record:
            records.append(record)
    return records


def outcomes(records: list[dict]) -> set[str]:
    return {record["outcome"] for record in records}


def failed_then_answered(answered: list[dict]) -> bool:
    """A ledger of one system's requests holds an injected failure and, after it, a real answer."""
    first_failure = next((i for i, r in enumerate(answered) if r["injected"]), None)
    return first_failure is not None and any(
        not r["injected"] and 200 <= r["status"] < 300 for r in answered[first_failure + 1:])


def test_a_crm_that_hangs_then_recovers_is_retried_behind_the_holding_line(placed, local_stack):
    report = reports_of(placed, "fault_crm_retried")["fault_crm_retried"]
    meets_expectations("fault_crm_retried", report)
    assert "Thanks, Rosa, you're all set." in after(bot_lines(report), FILLER)  # the holding line, then this
    [save] = actions(report, "save_lead")
    assert save["ok"]
    # Salesforce answered one request of save_lead too late for the client, then answered a retry
    assert failed_then_answered([r for r in placed.salesforce["answered"] if report["call_sid"] in r["url"]])
    logged = deliveries(local_stack, "crm_action", report["call_sid"], "save_lead")
    assert {"retry", "reported"} <= outcomes(logged)
    assert [r["ok"] for r in logged if r["outcome"] == "reported"] == [True]
    lead = report["systems"]["salesforce"]["record"]
    assert lead["Id"] == report["outcome"]["lead"] == report["post_call"]["crm"]["record_id"]
    assert report["systems"]["salesforce"]["leads_with_email"] == 1  # one Lead, however often it was tried


def test_a_calendar_that_fails_then_recovers_is_retried_behind_the_holding_line(placed, local_stack):
    report = reports_of(placed, "fault_calendar_retried")["fault_calendar_retried"]
    meets_expectations("fault_calendar_retried", report)
    heard = after(bot_lines(report), FILLER)[1:]  # after the holding line, the slots
    assert any(line.startswith("I can offer") and "Eastern Time" in line for line in heard), heard
    [find] = actions(report, "find_slots")
    assert find["ok"]
    answered = httpx.get(f"{local_stack.calendar_url}/__admin/requests", timeout=5).json()["requests"]
    free_busy = [{**r, "url": r["path"]} for r in answered if r["path"].endswith("/freeBusy")]
    assert {r["status"] for r in free_busy if r["injected"]} == {503, 429}
    assert failed_then_answered(free_busy)
    logged = deliveries(local_stack, "calendar_action", report["call_sid"], "find_slots")
    assert {"retry", "reported"} <= outcomes(logged)
    assert [r["ok"] for r in logged if r["outcome"] == "reported"] == [True]


def test_a_crm_down_for_the_call_loses_no_lead(placed, local_stack):
    report = reports_of(placed, "fault_crm_down")["fault_crm_down"]
    meets_expectations("fault_crm_down", report)
    assert COULD_NOT in " ".join(after(bot_lines(report), FILLER)[1:])  # the holding line, then this
    [save] = actions(report, "save_lead")
    assert not save["ok"]
    # retried while within action_retry_s of the request, then reported as failed, once
    logged = deliveries(local_stack, "crm_action", report["call_sid"], "save_lead")
    assert {"retry", "gave_up", "reported"} <= outcomes(logged)
    assert [r["ok"] for r in logged if r["outcome"] == "reported"] == [False]
    refused = [f for f in placed.salesforce["served"] if "4155550182" in f["url"]]
    assert refused and {f["errorCode"] for f in refused} == {"REQUEST_LIMIT_EXCEEDED"}
    # written after the call by the post-call sync (its request id), once, with what the call collected
    [lead] = [lead for lead in placed.leads if lead.get("Email") == "mia@fjord.com"]
    assert lead["Callbot_Request_Id__c"] == f"{report['call_sid']}/post-call-lead"
    assert (lead["FirstName"], lead["LastName"], lead["Company"], lead["Phone"], lead["Callbot_Consent__c"]) == (
        "Mia", "Lund", "Fjord", "+14155550182", True)
    assert lead["Id"] == report["post_call"]["crm"]["record_id"]


# -- b. the LLM hanging (how soon the filler plays is a latency figure: bench.voice_latency)

def test_a_hung_llm_is_covered_by_the_filler_then_an_apology(placed):
    report = reports_of(placed, "fault_llm_hangs")["fault_llm_hangs"]
    meets_expectations("fault_llm_hangs", report)
    [turn] = report["turns"]
    assert turn["latency_ms"] is not None  # the caller heard the bot answer this turn
    answer = [e["text"] for e in report["transcript"] if e["speaker"] == "bot" and e["turn_seq"] == 1]
    assert answer == [FILLER, APOLOGY, OFFER]


# -- d. the line dropping

def test_a_dropped_line_is_closed_and_its_post_call_work_runs(placed, local_stack):
    report = reports_of(placed, "fault_line_drops")["fault_line_drops"]
    assert report["errors"] == [] and report["post_call"]["status"] == "processed"
    call = call_document(local_stack, report["call_sid"])
    assert (call["ended_by"], call["end_reason"]) == ("error", "socket closed without a stop message")
    assert call["ended_at_ms"] > 0 and call["status"] == "processed"
    assert placed.call_ended[report["call_sid"]] == 1


# -- g. a relay instance stopped with calls on it

def relay_calls(placed, local_stack, how: str) -> list[tuple[dict, dict]]:
    reports = reports_of(placed, how)
    return [(reports[f"{how}:{number}"], call_document(local_stack, reports[f"{how}:{number}"]["call_sid"]))
            for number in RELAY_CALLS[how]]


def test_calls_on_a_relay_stopped_gracefully_are_closed_by_it(placed, local_stack):
    for report, call in relay_calls(placed, local_stack, "term"):
        assert report["errors"] == [] and bot_lines(report)[:1] == [phrase(Phrase.GREETING, "en-US")]
        # the relay closed them itself as it stopped (uvicorn closes the sockets with 1012, then the
        # lifespan closes any session left), not Twilio's status callback; a dropped line reads otherwise
        assert call["ended_by"] == "error" and call["ended_at_ms"] > 0
        assert call["relay_instance"] == report["stopped_relay"]
        assert call["end_reason"] == "relay shutting down"
        assert placed.call_ended[report["call_sid"]] == 1
        assert report["post_call"]["status"] == "processed" and report["post_call"]["run"] == 1


def test_calls_on_a_killed_relay_are_closed_by_the_status_callback(placed, local_stack):
    for report, call in relay_calls(placed, local_stack, "kill"):
        assert report["errors"] == [] and bot_lines(report)[:1] == [phrase(Phrase.GREETING, "en-US")]
        assert (call["ended_by"], call["end_reason"]) == ("error", "Twilio reported the call completed")
        assert call["ended_at_ms"] > 0 and call["relay_instance"] == report["stopped_relay"]
        assert placed.call_ended[report["call_sid"]] == 1
        assert report["post_call"]["status"] == "processed" and report["post_call"]["run"] == 1
