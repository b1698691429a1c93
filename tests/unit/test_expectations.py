"""The scenario expectations on a call's report: the post-call part, and when the meeting starts."""

from devtools.simcall.expectations import check

EXPECT = {"post_call": {"status": "processed", "crm_synced": True, "sms": 1, "lead_score_at_least": 60}}


def report(**post_call) -> dict:
    return {"errors": [], "transcript": [], "outcome": {},
            "post_call": {"status": "processed", "crm_synced": True, "sms": [{"to": "+1", "body": "b"}],
                          "lead_score": 90, **post_call}}


def test_a_processed_call_with_its_sms_meets_the_expectation():
    assert check(report(), EXPECT) == []


def test_each_shortfall_is_named():
    failures = check(report(status="post_call_failed", crm_synced=False, sms=[], lead_score=20), EXPECT)
    assert failures == ["post_call.status is 'post_call_failed', expected 'processed'",
                        "post_call.crm_synced is False, expected True", "0 SMS sent, expected 1",
                        "lead score 20, expected at least 60"]


def test_a_report_without_post_call_work_fails_a_post_call_expectation():
    assert check({"errors": [], "transcript": [], "outcome": {}}, {"post_call": {"status": "processed"}}) == [
        "post_call.status is None, expected 'processed'"]


def meeting_report(start: str, status: str = "booked") -> dict:
    return {"errors": [], "transcript": [],
            "outcome": {"meeting": {"start": start, "timezone": "America/New_York", "status": status}}}


def test_when_the_meeting_starts_is_checked_in_the_zone_named():
    booked = meeting_report("2026-12-08T20:00:00+00:00")  # Tuesday 15:00 in New York
    assert check(booked, {"outcome": {"meeting_at": "Tuesday 15:00 America/New_York"}}) == []
    assert check(booked, {"outcome": {"meeting_at": "14:00 America/Chicago"}}) == []
    assert check(booked, {"outcome": {"meeting_at": "Wednesday 15:00 America/New_York"}}) == [
        "meeting starts Tuesday 15:00 America/New_York, expected Wednesday 15:00 America/New_York"]
    assert check(meeting_report("2026-12-08T20:00:00+00:00", "cancelled"),
                 {"outcome": {"meeting_at": "15:00 America/New_York"}}) == [
        "no meeting, expected one at 15:00 America/New_York"]


def moved_report(known_caller: bool) -> dict:
    report = meeting_report("2026-12-09T19:00:00+00:00")  # Wednesday 14:00 in New York
    report["outcome"]["meeting"]["moved_from"] = "2026-12-09T15:00:00+00:00"  # from Wednesday 10:00
    report["outcome"]["known_caller"] = {"first_name": "Sam"} if known_caller else None
    return report


def test_a_meeting_moved_is_one_the_caller_had_before_the_call():
    assert check(moved_report(known_caller=True), {"outcome": {"meeting": "moved"}}) == []
    # a new caller's meeting, booked on this call and moved during it, is booked
    assert check(moved_report(known_caller=False), {"outcome": {"meeting": "booked"}}) == []
    assert check(moved_report(known_caller=False), {"outcome": {"meeting": "moved"}}) == [
        "meeting is booked, expected moved"]


def test_a_move_to_the_same_day_is_checked_against_the_day_it_was_moved_from():
    moved = moved_report(known_caller=True)
    assert check(moved, {"outcome": {"meeting_at": "same-day 14:00 America/New_York"}}) == []
    moved["outcome"]["meeting"]["moved_from"] = "2026-12-08T15:00:00+00:00"  # it was on Tuesday
    assert check(moved, {"outcome": {"meeting_at": "same-day 14:00 America/New_York"}}) == [
        "meeting starts Wednesday 14:00 America/New_York, expected same-day 14:00 America/New_York"]
    assert check(meeting_report("2026-12-09T19:00:00+00:00"), {"outcome": {"meeting_at": "same-day 14:00 America/New_York"}}) == [
        "meeting starts Wednesday 14:00 America/New_York and was not moved, expected same-day 14:00 America/New_York"]
