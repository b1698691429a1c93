"""The call report pairs what the caller said with what the relay heard by time, not by turn number."""

from devtools.simcall.report import heard_per_line


def turn(at_ms: int, text: str) -> dict:
    return {"speaker": "caller", "at_ms": at_ms, "text": text}


def test_each_line_gets_the_turn_that_began_with_it():
    starts = [10_000, 20_000, 30_000]
    events = [turn(20_080, "Two."), turn(10_060, "One."), turn(30_100, "Three.")]
    assert heard_per_line(starts, events) == ["One.", "Two.", "Three."]


def test_a_line_split_in_two_turns_keeps_the_lines_after_it_in_step():
    starts = [10_000, 20_000]
    events = [turn(10_060, "Hi, this is Jordan."), turn(12_500, "How much is it?"), turn(19_700, "Okay.")]
    assert heard_per_line(starts, events) == ["Hi, this is Jordan. How much is it?", "Okay."]


def test_a_line_without_a_turn_of_its_own_heard_nothing():
    starts = [10_000, 11_000, 20_000]  # the second merged into the first turn, or a backchannel let pass
    events = [turn(10_050, "Yes, and next month."), turn(20_040, "Bye.")]
    assert heard_per_line(starts, events) == ["Yes, and next month.", None, "Bye."]
    assert heard_per_line([10_000], [turn(8_000, "line noise before the caller spoke")]) == [None]
