"""Pure parts of the load benchmarks: the generated call scenarios, and what the simulated phone
line saw of the relay's outbound pacing.

A scenario is a loop of `say` / `wait_bot` / `pause` cycles. `build_scenario` sizes it to last
about the requested time: its length is estimated from the audio durations (the tone voice and the
tone TTS take `speech_duration_ms` to say a line; the offline agent answers "You said: <line>" then
"Tell me more.") plus an assumed turn overhead; a slower stack makes the call longer, never shorter.
`scenario_until` instead goes on until a deadline, however slow the stack (the soak's calls).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench.stats import percentile
from callbot.phrases import Phrase, phrase
from devtools.simcall import scenario as sc
from stream_relay.speech.synthetic_voice import speech_duration_ms

CALLER_LINES = (
    "I'd like to know more about your product.",
    "We are a team of about forty sales reps.",
    "Do you integrate with Salesforce?",
    "What does it cost per seat?",
    "Could we book a demo next week?",
    "Our budget is around twenty thousand a year.",
    "Is there a free trial?",
    "How long does the onboarding take?",
)
TURN_OVERHEAD_MS = 700  # endpointing + bus + agent_turn + reply bus, roughly, on an idle stack
PAUSE_MS = 500  # the caller's breath between hearing the bot and answering
FRAME_S = 0.020


def agent_reply(line: str) -> list[str]:
    """What the offline dialogue engine says back (functions/agent_turn/graph.py)."""
    return [f"You said: {line}", "Tell me more."]


def cycle_ms(line: str) -> int:
    reply = sum(speech_duration_ms(s) for s in agent_reply(line))
    return speech_duration_ms(line) + TURN_OVERHEAD_MS + reply + PAUSE_MS


def build_scenario(seconds: float, offset: int = 0, wait_timeout_s: float = 30.0) -> sc.Scenario:
    """A call of about `seconds`: the greeting, then say / wait_bot / pause cycles, then hang up.
    `offset` rotates the caller's lines so concurrent calls do not say the same thing in step."""
    greeting_ms = sum(speech_duration_ms(phrase(k, "en-US")) for k in (Phrase.GREETING, Phrase.GREETING_QUESTION))
    steps: list[sc.Step] = [sc.WaitBot(timeout_s=wait_timeout_s)]
    elapsed = greeting_ms + TURN_OVERHEAD_MS
    index = offset
    while True:
        line = CALLER_LINES[index % len(CALLER_LINES)]
        if len(steps) > 1 and elapsed + cycle_ms(line) / 2 > seconds * 1000:
            break
        steps += [sc.Say(line), sc.WaitBot(timeout_s=wait_timeout_s), sc.Pause(ms=PAUSE_MS)]
        elapsed += cycle_ms(line)
        index += 1
    steps.append(sc.Hangup())
    return sc.Scenario(caller_number=f"+1415555{offset % 10000:04d}", called_number="+14155550100",
                       language="en-US", steps=steps)


@dataclass(frozen=True)
class StepsUntil:
    """The steps of a call that ends at a deadline: iterating them yields the wait for the
    greeting, then whole say / wait_bot / pause cycles while `clock()` is before `deadline`, then
    the hang-up. The simulated call iterates the steps as it plays them, so the check happens at
    the start of each cycle and the call ends within one cycle after the deadline. The cycles are
    bounded, so that the scripted STT can be given every line up front (`Scenario.spoken` iterates
    once, at the start, before the deadline)."""

    cycles: tuple[tuple[sc.Step, ...], ...]
    deadline: float
    wait_timeout_s: float = 30.0
    clock: Callable[[], float] = time.monotonic

    def __iter__(self) -> Iterator[sc.Step]:
        yield sc.WaitBot(timeout_s=self.wait_timeout_s)
        for cycle in self.cycles:
            if self.clock() >= self.deadline:
                break
            yield from cycle
        yield sc.Hangup()


def scenario_until(deadline: float, offset: int = 0, wait_timeout_s: float = 30.0,
                   clock: Callable[[], float] = time.monotonic) -> sc.Scenario:
    """A call that says a line, waits for the whole reply and pauses, again and again until
    `deadline` (on `clock`), then hangs up. `offset` rotates the lines as in `build_scenario`."""
    lines = [CALLER_LINES[(offset + i) % len(CALLER_LINES)] for i in range(len(CALLER_LINES))]
    shortest_ms = min(cycle_ms(line) - TURN_OVERHEAD_MS for line in lines)  # a stack with no overhead
    count = math.ceil(max(0.0, deadline - clock()) * 1000 / shortest_ms) + 1
    cycles = tuple((sc.Say(line), sc.WaitBot(timeout_s=wait_timeout_s), sc.Pause(ms=PAUSE_MS))
                   for line in (lines[i % len(lines)] for i in range(count)))
    steps = StepsUntil(cycles, deadline, wait_timeout_s, clock)
    return sc.Scenario(caller_number=f"+1415555{offset % 10000:04d}", called_number="+14155550100",
                       language="en-US", steps=steps)  # type: ignore[arg-type]  # iterated, as a list is


def pacing(lines: list[tuple[list[float], list[float]]], lead_frames: int) -> dict[str, object]:
    """Outbound pacing as the phone lines saw it, pooled over calls.

    Each line is (arrival time in s of every bot frame, arrival time of each segment's first frame);
    a segment is the audio between two marks. Within a segment the relay sends `lead_frames` ahead
    at once, then one frame per 20 ms: those first gaps, and the one after them (which depends on
    where the burst fell on the 20 ms grid), are skipped. Jitter is |gap - 20 ms| over
    the other gaps. Playback is simulated as the phone line does it (each frame plays after the
    previous one, or on arrival if the line is idle); an underrun is a frame, other than the first of
    its segment, that arrives after everything before it has finished playing: a gap the caller hears.
    """
    deviations: list[float] = []
    underruns, underrun_ms = 0, 0.0
    for frames_at, segment_starts in lines:
        play_end = 0.0  # when the audio received so far has finished playing, as on the phone line
        for frames in split_segments(frames_at, segment_starts):
            for index, arrived in enumerate(frames):
                if index > lead_frames + 1:
                    deviations.append(abs(arrived - frames[index - 1] - FRAME_S) * 1000)
                if index > 0 and arrived > play_end + 0.001:
                    underruns += 1
                    underrun_ms += (arrived - play_end) * 1000
                play_end = max(play_end, arrived) + FRAME_S
    return {"gaps": len(deviations), "jitter_p50_ms": _round(percentile(deviations, 50)),
            "jitter_p99_ms": _round(percentile(deviations, 99)),
            "jitter_max_ms": _round(max(deviations, default=None)),
            "underruns": underruns, "underrun_ms": round(underrun_ms, 1)}


def split_segments(frames_at: list[float], segment_starts: list[float]) -> list[list[float]]:
    """Group frame times by segment; a frame belongs to the last segment started at or before it."""
    groups: list[list[float]] = []
    starts = iter(segment_starts)
    next_start = next(starts, None)
    for t in frames_at:
        if next_start is not None and t >= next_start:
            groups.append([])
            next_start = next(starts, None)
        if groups:
            groups[-1].append(t)
    return [g for g in groups if g]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
