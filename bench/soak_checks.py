"""Pure parts of the soak benchmark: what each call did, the message flows compared end to end, the
relay's memory trend, the timeline, and the checks that decide the exit status. No I/O.

Memory model. `stream_relay.recording.CallRecorder` holds the part of a call's audio not yet written
out: two mu-law bytearrays, one byte per sample, the caller's (every frame it sent) and the bot's, a
time line up to its latest frame (the gaps silence), from the start of the current part; every
`PART_SECONDS` of call the settled part is stored and dropped. So a call holds at most about
2 x 30 s x 8000 bytes (~0.5 MiB) of recording, whatever its length; the soak subtracts that expected
size (from the frames each call sent and received, by time) before it looks for growth. What is
left growing is what the relay does not release or keeps accumulating: a leak.

Preemptive turns. The relay may send an utterance as soon as the STT's final comes (tentative), then
settle it (`TurnSettled`): kept, its reply plays; withdrawn (the caller went on), its reply is
published and, rightly, never played, and the whole utterance follows as a new turn. agent_turn
answers a tentative utterance that arrived while an action was pending only at its settling, as a run
of the `TurnSettled`. Which turns were withdrawn is read from the relay's records: a tentative turn
it settled and did not record as the caller's (`caller-<turn>` is written for kept and closed turns).
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bench.stats import percentile
from stream_relay.recording import PART_SECONDS

LAG_LIMIT_MS = 20  # the median call's p99 inbound lag past one frame: the relay is behind (as bench.relay_capacity)
WARMUP_FRACTION = 0.2  # the first part of the hold is left out of the memory trend
MIN_TREND_S = 60.0  # a shorter window after the warm-up is not judged: start-up steps dominate its slope
GROWTH_LIMIT_MIB_PER_CALL_MIN = 0.1  # net growth allowed, per call in progress, per minute
GROWTH_FLOOR_MIB_PER_MIN = 2.0  # ... but never less than this for the whole relay (RSS noise at small N)
MIB = 1024 * 1024
FRAMES_PER_S = 50
TURN_INPUTS = ("CallStarted", "DtmfReceived", "BotInterrupted", "ActionCompleted")  # and UserUtterance, below


CALLER_FRAME_BYTES = 160
SAMPLES_PER_S = 8000  # the bot's track: one byte per sample of the time line


class RssSample(Protocol):
    at: float
    rss_mb: float
    calls: int


@dataclass
class CallTally:
    """One soak call as the simulator and Firestore saw it. Times are `time.monotonic()` seconds."""

    call_sid: str
    slot: int
    started_at: float
    ended_at: float
    errors: list[str] = field(default_factory=list)
    said: int | None = None  # caller utterances sent; None when the call raised before its report
    unanswered: list[int] = field(default_factory=list)  # turns whose reply did not play to its end
    heard: int = 0  # caller turns the relay recorded
    handled: dict[str, int] = field(default_factory=dict)  # agent_turn's runs, by input type
    runs: dict[str, list[int]] = field(default_factory=dict)  # ... and the turns they ran for
    caller_turns: list[int] = field(default_factory=list)  # turns the relay recorded as the caller's
    played: int = 0  # reply segments the relay played to the caller (its own lines excluded)
    actions: int = 0  # action results agent_turn recorded
    status: str | None = None  # the call document's, after the drain
    post_call_started: bool = False
    lag_p50_ms: int | None = None
    lag_p99_ms: int | None = None
    turn_latency: list[tuple[float, int]] = field(default_factory=list)  # (caller's end, ms to the reply)
    caller_frames: int = 0
    bot_frames_at: list[float] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return (self.said or 0) - len(self.unanswered)


def answered_turns(mark_names: Iterable[str]) -> set[int]:
    """Turns whose last reply segment played to its end: echoed marks `<turn>.<segment>.end`."""
    turns = set()
    for name in mark_names:
        parts = name.split(".")
        if len(parts) == 3 and parts[0].isdigit() and parts[2] == "end":
            turns.add(int(parts[0]))
    return turns


def unanswered_says(said_turns: Iterable[int], answered: set[int]) -> list[int]:
    """The caller's lines (the simulator's turn numbers, in order) that no answered turn matches. A
    withdrawn tentative turn takes a number at the relay, so a line may be answered as a later turn
    than the simulator counted: each line takes the first answered turn from its own number on."""
    free, missing = sorted(answered), []
    for turn in sorted(said_turns):
        match = bisect.bisect_left(free, turn)
        if match == len(free):
            missing.append(turn)
        else:
            free.pop(match)
    return missing


def event_counts(events: Iterable[dict]) -> dict[str, object]:
    """What the relay and agent_turn recorded of one call (its `events` sub-collection)."""
    handled: dict[str, int] = {}
    runs: dict[str, list[int]] = {}
    caller_turns: list[int] = []
    heard = played = actions = 0
    for event in events:
        if event.get("kind") == "agent_run":
            handled[event.get("input", "?")] = handled.get(event.get("input", "?"), 0) + 1
            runs.setdefault(event.get("input", "?"), []).append(event.get("turn_seq"))
        elif event.get("kind") == "action":
            actions += 1
        elif event.get("speaker") == "caller" and "text" in event:
            heard += 1
            caller_turns.append(event.get("turn_seq"))
        elif event.get("speaker") == "bot" and not event.get("system"):
            played += 1
    return {"handled": handled, "runs": runs, "caller_turns": caller_turns, "heard": heard, "played": played,
            "actions": actions}


# --- message flows ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Flow:
    name: str
    published: int
    handled: int
    missing: list[str]  # "<call sid>: <what>", per call that lacks something


def key_turn(message_key: str) -> int:
    """The turn of a message key `<type>:<call id>:<turn>[:...]` (callbot.messages)."""
    return int(message_key.split(":")[2])


def withdrawn_turns(tally: CallTally, keys: dict[str, set[str]]) -> set[int]:
    """Tentative turns the relay settled and did not keep (see the module's docstring)."""
    return {key_turn(k) for k in keys.get("TurnSettled", ())} - set(tally.caller_turns)


def flows(tallies: Sequence[CallTally], published: dict[str, dict[str, set[str]]]) -> list[Flow]:
    """Published (the mirrors' message keys) against handled (the records of the consumer), per call.
    A UserUtterance is handled by its own run, by the run of its settling (a tentative utterance that
    waited for an action), or by being withdrawn; a withdrawn turn's replies are not expected to play.
    `TurnSettled` itself leaves no record unless it runs the agent: see `preemptive_turns`."""
    rows: dict[str, tuple[int, int, list[str]]] = {}

    def add(name: str, call_sid: str, sent: int, done: int, what: str) -> None:
        total_sent, total_done, missing = rows.get(name, (0, 0, []))
        if done < sent:
            missing.append(f"{call_sid}: {sent - done} of {sent} {what}")
        rows[name] = (total_sent + sent, total_done + min(done, sent), missing)

    for t in tallies:
        keys = published.get(t.call_sid, {})
        withdrawn = withdrawn_turns(t, keys)
        utterances = {key_turn(k) for k in keys.get("UserUtterance", ())}
        ran = set(t.runs.get("UserUtterance", ())) | set(t.runs.get("TurnSettled", ()))
        if utterances or ran:
            add("turns -> agent_turn", t.call_sid, len(utterances), len(utterances & (ran | withdrawn)),
                "UserUtterance without an agent_turn run (nor withdrawn)")
        for kind in TURN_INPUTS:
            if keys.get(kind) or t.handled.get(kind):
                add("turns -> agent_turn", t.call_sid, len(keys.get(kind, ())), t.handled.get(kind, 0),
                    f"{kind} without an agent_turn run")
        replies = [k for k in keys.get("BotSpeech", ()) if key_turn(k) not in withdrawn]
        add("replies -> relay (played)", t.call_sid, len(replies), t.played,
            "BotSpeech not played (withdrawn turns' replies excluded)")
        add("actions -> action functions", t.call_sid, len(keys.get("ActionRequested", ())), t.actions,
            "ActionRequested without a result")
        add("call events -> post_call_trigger", t.call_sid, len(keys.get("CallEnded", ())),
            int(t.post_call_started), "CallEnded without a post-call run")
    return [Flow(name, sent, done, missing) for name, (sent, done, missing) in rows.items()]


def preemptive_turns(tallies: Sequence[CallTally], published: dict[str, dict[str, set[str]]]) -> dict[str, int]:
    """Tentative turns over the soak: settled, withdrawn, answered at their settling (they waited for
    an action), and the reply segments of withdrawn turns (published, not played)."""
    counts = {"tentative": 0, "withdrawn": 0, "answered_at_settling": 0, "withdrawn_replies": 0}
    for t in tallies:
        keys = published.get(t.call_sid, {})
        withdrawn = withdrawn_turns(t, keys)
        counts["tentative"] += len(keys.get("TurnSettled", ()))
        counts["withdrawn"] += len(withdrawn)
        counts["answered_at_settling"] += len(t.runs.get("TurnSettled", ()))
        counts["withdrawn_replies"] += sum(key_turn(k) in withdrawn for k in keys.get("BotSpeech", ()))
    return counts


# --- memory --------------------------------------------------------------------------------------

def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares (slope, intercept); None for fewer than two distinct xs."""
    if len(xs) < 2 or len(set(xs)) < 2:
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, mean_y - slope * mean_x


def recordings_mb(tallies: Sequence[CallTally], at: float) -> float:
    """What the calls in progress at `at` hold in their recorders, MiB (see the module's docstring):
    both tracks from the start of the current part (the part before it was stored and dropped)."""
    window = PART_SECONDS * SAMPLES_PER_S
    total = 0
    for t in tallies:
        if t.started_at <= at < t.ended_at:
            caller = min(t.caller_frames, int((at - t.started_at) * FRAMES_PER_S)) * CALLER_FRAME_BYTES
            part_start = caller - caller % window
            sent = bisect.bisect_right(t.bot_frames_at, at)
            bot = (t.bot_frames_at[sent - 1] - t.started_at) * SAMPLES_PER_S + CALLER_FRAME_BYTES if sent else 0
            total += caller - part_start + max(0.0, bot - part_start)
    return total / MIB


def memory_trend(samples: Sequence[RssSample], tallies: Sequence[CallTally], baseline_mb: float,
                 hold: tuple[float, float]) -> dict[str, object]:
    """The relay's RSS over the hold after its warm-up part: slope (MiB/min) as measured, as the
    recordings explain it, and net of them; RSS per call in progress at the window's two ends."""
    start, end = hold
    window = [s for s in samples if start + WARMUP_FRACTION * (end - start) <= s.at <= end and s.calls]
    if len(window) < 3 or window[-1].at - window[0].at < MIN_TREND_S:
        return {"samples": len(window), "ok": None,
                "note": f"not judged: under {MIN_TREND_S:g} s of the hold after its warm-up part"}
    minutes = [s.at / 60 for s in window]
    recordings = [recordings_mb(tallies, s.at) for s in window]
    raw = linear_fit(minutes, [s.rss_mb for s in window])
    expected = linear_fit(minutes, recordings)
    net = linear_fit(minutes, [s.rss_mb - r for s, r in zip(window, recordings, strict=True)])
    calls = statistics.fmean(s.calls for s in window)
    limit = max(GROWTH_FLOOR_MIB_PER_MIN, GROWTH_LIMIT_MIB_PER_CALL_MIN * calls)
    first, last = window[0], window[-1]

    def per_call(sample: RssSample, recording: float) -> tuple[float, float]:
        return ((sample.rss_mb - baseline_mb) / sample.calls,
                (sample.rss_mb - baseline_mb - recording) / sample.calls)

    return {"samples": len(window), "window_s": [round(first.at - start, 1), round(last.at - start, 1)],
            "calls": round(calls, 1), "baseline_mb": round(baseline_mb, 1),
            "rss_first_mb": round(first.rss_mb, 1), "rss_last_mb": round(last.rss_mb, 1),
            "slope_mb_per_min": _r(raw[0]), "recordings_slope_mb_per_min": _r(expected[0]),
            "net_slope_mb_per_min": _r(net[0]), "limit_mb_per_min": round(limit, 2),
            "per_call_first_mb": [_r(v) for v in per_call(first, recordings[0])],
            "per_call_last_mb": [_r(v) for v in per_call(last, recordings[-1])],
            "ok": net[0] <= limit}


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# --- timeline and checks -------------------------------------------------------------------------

def timeline(samples: Sequence, tallies: Sequence[CallTally], loop_lag: Sequence[tuple[float, float]],
             baseline_mb: float, hold: tuple[float, float], buckets: int, cores: int) -> list[dict[str, object]]:
    """The hold cut in `buckets` equal parts: calls in progress, relay RSS (and per call, and net of
    the recordings), relay CPU, machine CPU, turns answered and their latency, the simulator's loop lag.
    `samples` carry `at`, `rss_mb`, `calls`, `relay_cpu_s`, `machine_busy_s`; `loop_lag` is (at, ms)."""
    start, end = hold
    width = (end - start) / buckets
    rows = []
    for i in range(buckets):
        lo, hi = start + i * width, start + (i + 1) * width
        inside = [s for s in samples if lo <= s.at <= hi]
        turns = [ms for t in tallies for at, ms in t.turn_latency if lo <= at < hi]
        lags = [ms for at, ms in loop_lag if lo <= at < hi]
        row: dict[str, object] = {"from_s": round(lo - start), "to_s": round(hi - start), "turns": len(turns),
                                  "turn_p50_ms": percentile(turns, 50), "turn_p95_ms": percentile(turns, 95),
                                  "turn_max_ms": max(turns, default=None),
                                  "sim_loop_lag_p99_ms": _r(percentile(lags, 99), 1)}
        if len(inside) >= 2:
            last, span = inside[-1], inside[-1].at - inside[0].at
            recording = recordings_mb(tallies, last.at)
            row.update(calls=last.calls, rss_mb=round(last.rss_mb, 1),
                       rss_per_call_mb=_r((last.rss_mb - baseline_mb) / last.calls, 2) if last.calls else None,
                       net_per_call_mb=(_r((last.rss_mb - baseline_mb - recording) / last.calls, 2)
                                        if last.calls else None),
                       relay_cpu_pct=round(100 * (last.relay_cpu_s - inside[0].relay_cpu_s) / span, 1),
                       machine_busy_pct=round(100 * (last.machine_busy_s - inside[0].machine_busy_s)
                                              / (span * cores), 1))
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not judged (says why), does not fail the soak
    detail: str
    load: bool = True  # fails when the machine is short of capacity (fewer calls may pass)


def checks(tallies: Sequence[CallTally], flow_rows: Sequence[Flow], dead_letters: Sequence[dict],
           memory: dict[str, object]) -> list[Check]:
    failed = [t for t in tallies if t.errors]
    said = sum(t.said or 0 for t in tallies)
    unanswered = [t for t in tallies if t.unanswered or t.said is None]
    not_heard = sum(max(0, (t.said or 0) - t.heard) for t in tallies)
    p99s = [t.lag_p99_ms for t in tallies if t.lag_p99_ms is not None]
    lag = statistics.median(p99s) if p99s else None
    processed = sum(t.status == "processed" for t in tallies)
    result = [
        Check("every call completed", not failed and bool(tallies),
              f"{len(tallies) - len(failed)}/{len(tallies)} calls without error"),
        Check("every utterance answered", not unanswered and not_heard == 0,
              f"{said - sum(len(t.unanswered) for t in tallies)}/{said} answered to the end; "
              f"{not_heard} not recorded by the relay; {sum(t.said is None for t in tallies)} calls cut short"),
    ]
    for flow in flow_rows:
        result.append(Check(f"no message left: {flow.name}", not flow.missing,
                            f"{flow.handled}/{flow.published} handled"))
    result += [
        Check("nothing dead-lettered", not dead_letters, f"{len(dead_letters)} on the dead-letter topic"),
        Check("every call processed after hang-up", processed == len(tallies),
              f"{processed}/{len(tallies)} `processed`"),
        Check("relay keeps up (inbound lag)", lag is not None and lag <= LAG_LIMIT_MS,
              f"median call's p99 {lag} ms (limit {LAG_LIMIT_MS}), worst {max(p99s, default=None)} ms"),
        Check("no relay memory growth per call", memory.get("ok"),  # type: ignore[arg-type]
              f"net of recordings {memory.get('net_slope_mb_per_min')} MiB/min "
              f"(limit {memory.get('limit_mb_per_min')})" if memory.get("ok") is not None else str(memory.get("note")),
              load=False),
    ]
    return result
