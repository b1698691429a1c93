"""Every agent scenario (`tests/scenarios/*.yaml`) as a conversation in one process: the graph on
the offline dialogue engine, the action functions' handlers on the demo company's in-memory data.
The end-to-end tests place the same calls through every process; these find a broken rule in a
second, and check the scenarios' expectations themselves (`devtools.simcall.expectations`).

Each scenario is held at a fixed "now", one of `CLOCKS` chosen by its name, so the suite's verdict does
not depend on the day it runs (the free times offered, the day a returning caller's meeting falls on,
what "next Tuesday" means); across the corpus the calls fall on every day of the week, in and out of
business hours. `callbot eval --level text --now ...` replays the corpus at any other instant."""

import zlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devtools.conversation import Conversation, text_level
from devtools.conversation import converse as text_level_call
from devtools.simcall import scenario as scenarios
from devtools.simcall.expectations import check

SCENARIOS = sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml"))
NEW_YORK = ZoneInfo("America/New_York")
CLOCKS = [datetime(2026, 12, day, hour, minute, tzinfo=NEW_YORK) for day, hour, minute in (
    (7, 13, 45), (8, 9, 0), (9, 16, 0), (10, 11, 0), (11, 15, 0), (12, 10, 0), (13, 20, 0), (14, 7, 0))]


def clock_of(path: Path) -> datetime:
    """The scenario's fixed "now": the same on every run, spread over the week across the corpus."""
    return CLOCKS[zlib.crc32(path.stem.encode()) % len(CLOCKS)]


def converse(path: Path) -> tuple[scenarios.Scenario, Conversation, list[str]]:
    """The scenario's caller, said to the bot until the call ends (`devtools.conversation.converse`)."""
    scenario = scenarios.load(path)
    at = clock_of(path)
    conversation = text_level_call(scenario, call_id=f"CA{path.stem}", clock=lambda: at)
    return scenario, conversation, conversation.said


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_conversation_meets_the_scenarios_expectations(path):
    scenario, conversation, _ = converse(path)
    assert check(conversation.report(), text_level(scenario.expect)) == [], "\n".join(conversation.transcript())


def test_the_returning_caller_is_welcomed_by_name_and_the_meeting_moved_not_duplicated():
    _, conversation, said = converse(next(p for p in SCENARIOS if p.stem == "returning_caller_reschedules"))
    assert said[:3] == ["Hello, and thanks for calling.", "Welcome back, Sam.", "How can I help you today?"]
    meeting = conversation.state["meeting"]
    assert meeting["moved_from"] and meeting["status"] == "booked"
    calls = [name for name, _ in conversation.calendar.calls]
    assert calls.count("reschedule") == 1 and "book" not in calls  # (the seeded meeting is not recorded)
    assert any("Done: your meeting is moved" in line for line in said)


def test_the_checker_reports_what_a_call_falls_short_of():
    report = {"errors": ["no reply"], "ended_by": "caller", "transcript": [{"speaker": "bot", "text": "It costs 49."}],
              "outcome": {"lead": None, "meeting": {"status": "cancelled"}, "lead_fields": {"last_name": "OBrien"},
                          "knowledge_sources": [], "unanswered_questions": ["q"]}}
    failures = check(report, {"ended_by": "bot", "bot_says": ["Pricing"], "bot_never_says": ["49"],
                              "outcome": {"lead": "present", "meeting": "booked", "knowledge_sources": ["pricing.md"],
                                          "lead_fields": {"last_name": "O'Brien"}, "unanswered_questions": 0}})
    assert len(failures) == 9


@pytest.mark.parametrize(("after_goodbye", "ended_by"), [(["hangup"], "caller"), (["wait_bot", "hangup"], "bot")])
def test_a_caller_who_hangs_up_as_they_say_goodbye_ends_the_call_before_the_bots_goodbye(after_goodbye, ended_by):
    steps = [{"wait_bot": {}}, {"say": "How much is it per user?"}, {"wait_bot": {}}, {"say": "Okay, that's all. Bye."},
             *({step: {}} for step in after_goodbye)]
    scenario = scenarios.parse({"steps": steps})
    at = CLOCKS[0]
    assert text_level_call(scenario, clock=lambda: at).report()["ended_by"] == ended_by
