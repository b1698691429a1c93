"""The agent scenarios (`tests/scenarios/*.yaml`) end to end on the offline dialogue engine: each
call goes through the relay, Pub/Sub, agent_turn, the action functions and Firestore, and its
report must meet the scenario's `expect` section (outcome and transcript).

The calls are placed concurrently, on the session's stack, as `callbot eval` places them. Calls
through the stack run in real time, so a handful go this way (FULL_STACK); the whole corpus runs at
the text level in `tests/unit/test_conversations.py`."""

import asyncio
import re
from pathlib import Path

import pytest

from devtools import stack
from devtools.processes import patched_environ
from devtools.simcall import scenario as scenarios
from devtools.simcall.expectations import check
from devtools.simcall.place import place_call

pytestmark = pytest.mark.e2e
FULL_STACK = ("apostrophe_and_plus_email", "asks_for_human", "new_prospect_books", "product_question",
              "prompt_injection", "returning_caller_reschedules", "unknown_question")
SCENARIOS = [Path(__file__).parents[1] / "scenarios" / f"{name}.yaml" for name in FULL_STACK]


@pytest.fixture(scope="module")
def reports(local_stack):
    async def all_calls():
        loaded = [scenarios.load(path) for path in SCENARIOS]
        done = await asyncio.gather(*(place_call(local_stack, s, "tone") for s in loaded))
        return {path.stem: (s, r.to_dict()) for path, s, r in zip(SCENARIOS, loaded, done, strict=True)}

    with patched_environ(local_stack.emulator_env()):
        return asyncio.run(all_calls())


def bot_lines(report):
    return [e["text"] for e in report["transcript"] if e["speaker"] == "bot"]


@pytest.mark.parametrize("name", [p.stem for p in SCENARIOS])
def test_scenario_meets_its_expectations(reports, name):
    scenario, report = reports[name]
    assert scenario.expect, "every agent scenario says what it expects"
    failures = check(report, scenario.expect)
    assert failures == [], "\n".join([*failures, "transcript:", *bot_lines(report)])


def test_every_caller_turn_is_answered_and_timed(reports):
    for name, (_, report) in reports.items():
        for turn in report["turns"]:
            assert turn["latency_ms"] is not None, f"{name}: turn {turn['turn_seq']} was not answered"


def test_actions_ran_as_functions_and_their_round_trips_were_recorded(reports):
    _, report = reports["new_prospect_books"]
    actions = [a for t in report["turns"] for a in (t.get("agent") or {}).get("actions", [])]
    assert {"save_lead", "find_slots", "book_meeting"} <= {a["action"] for a in actions}
    assert all(a["ok"] and a["round_trip_ms"] > 0 for a in actions)


def test_the_booked_meeting_is_confirmed_with_day_time_and_zone(reports):
    _, report = reports["new_prospect_books"]
    meeting = report["outcome"]["meeting"]
    confirmation = next(line for line in bot_lines(report) if "booked" in line.lower())
    assert meeting["status"] == "booked" and "Eastern Time" in confirmation
    assert meeting["attendee_email"] == "dana@acme-logistics.com"


def test_the_new_prospect_is_one_lead_and_one_event_in_the_local_salesforce_and_calendar(reports):
    _, report = reports["new_prospect_books"]
    salesforce, calendar = report["systems"]["salesforce"], report["systems"]["calendar"]
    lead = salesforce["record"]
    assert lead["Id"] == report["outcome"]["lead"] and lead["LeadSource"] == "Inbound Call"
    assert (lead["FirstName"], lead["LastName"], lead["Company"]) == ("Dana", "Whitfield", "Acme Logistics")
    assert salesforce["leads_with_email"] == 1
    [event] = calendar["events"]
    assert report["outcome"]["meeting"]["id"].endswith(event["id"])


def test_the_returning_caller_is_found_by_phone_and_the_same_event_is_moved(reports):
    _, report = reports["returning_caller_reschedules"]
    assert report["systems"]["salesforce"]["record"]["LastName"] == "Rivera"  # a Contact, found by phone
    meeting = report["outcome"]["meeting"]
    [event] = report["systems"]["calendar"]["events"]  # still one event, now at the new time
    assert meeting["id"].endswith(event["id"]) and event["start"] == meeting["start"] != meeting["moved_from"]


def test_the_name_with_an_apostrophe_reaches_salesforce_verbatim(reports):
    _, report = reports["apostrophe_and_plus_email"]
    lead = report["systems"]["salesforce"]["record"]
    assert (lead["LastName"], lead["Email"], lead["Company"]) == ("O'Brien", "liam+calls@harbor-vine.com",
                                                                  "Harbor and Vine")


def test_after_the_call_the_lead_has_one_task_and_the_caller_one_confirmation(reports):
    _, report = reports["new_prospect_books"]
    post_call = report["post_call"]
    [task] = report["systems"]["salesforce"]["tasks"]
    assert task["Id"] == post_call["crm"]["task_id"] and task["CallType"] == "Inbound"
    [sms] = post_call["sms"]
    assert sms["to"] == "+14155550123" and "Eastern Time" in sms["body"]
    assert post_call["lead_score"] >= 60 and post_call["after_hang_up_ms"] > 0


# an E.164 number or an email address, whole: what the logs must never hold (masked: ***23, d***@x.io)
PERSONAL_DATA = re.compile(r"\+\d{10,15}|[\w.%+-]+@[\w-]+\.[\w.]+")


def test_no_log_line_of_ours_holds_a_full_phone_number_or_email(reports, local_stack):
    """After the scenarios' calls (names, numbers, emails said and stored), the relay's and every
    function's logs: the local servers and emulators stand in for other companies' systems."""
    found = []
    for name in ("relay", *stack.FUNCTIONS):
        for line in (Path(local_stack.log_dir) / f"{name}.log").read_text(errors="replace").splitlines():
            if PERSONAL_DATA.search(line):
                found.append(f"{name}.log: {line[:300]}")
    assert found == []
