"""The benchmarks' pure parts: statistics, ground truth, endpointing judgement, pacing, /proc parsing.
No espeak-ng, no stack: the benchmarks themselves are run with `make bench`."""

from __future__ import annotations

import pytest

from bench import proc_stats
from bench.call_metrics import build_scenario, pacing, split_segments
from bench.endpointing import ReplayVad, endpoint, judge, stt_finals
from bench.endpointing_report import smallest_silence
from bench.side_by_side.stages import summary, turn_stages
from bench.speech import normalized
from bench.stats import percentile, table
from bench.utterances import LEAD_MS, build
from devtools.simcall import scenario as sc
from stream_relay import mulaw
from stream_relay.speech.endpointer import EnergyVad
from stream_relay.speech.synthetic_voice import synthesize_mulaw


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2
    assert percentile(range(1, 101), 99) == 99
    assert percentile([5], 99) == 5


def test_table_aligns_columns():
    lines = table(["vad", "p95"], [["webrtc-2", 620], ["energy-45", None]]).splitlines()
    assert lines[0].startswith("vad") and lines[2].endswith("620") and lines[3].endswith("-")


def utterance(text: str = "Do you integrate with Salesforce?"):
    return build("test/sentence/00", "en-US", "sentence", text, "tone", synthesize_mulaw(text))


def test_ground_truth_from_the_padded_audio():
    u = utterance()
    speech_ms = mulaw.duration_ms(synthesize_mulaw("Do you integrate with Salesforce?"))
    assert u.true_start_ms == LEAD_MS
    assert abs(u.true_end_ms - (LEAD_MS + speech_ms)) <= 20
    assert u.longest_pause_ms < 100
    assert not u.several_sentences and build("k", "en-US", "sentence", "Yes. Next Tuesday works.", "tone",
                                             synthesize_mulaw("Yes.")).several_sentences


def test_energy_endpointing_delay_is_the_silence_threshold():
    u = utterance()
    frames = list(mulaw.frames(u.clean))
    vad = EnergyVad(-45.0)
    decisions = [vad.is_speech(mulaw.decode(f)) for f in frames]
    outcome = judge(u, endpoint(frames, decisions, min_speech_ms=60, silence_ms=500))
    assert not outcome.missed and not outcome.premature and not outcome.false_start and outcome.ended == 1
    assert 480 <= outcome.delay_ms <= 520


def test_a_final_result_closes_the_turn_sooner():
    u = utterance()
    frames = list(mulaw.frames(u.clean))
    decisions = [EnergyVad(-45.0).is_speech(mulaw.decode(f)) for f in frames]
    finals = stt_finals(u, 150, at_pauses=False)
    assert not any(finals[: u.true_end_ms // 20]) and finals[(u.true_end_ms + 160) // 20]
    outcome = judge(u, endpoint(frames, decisions, 60, 500, after_final_ms=200, finals=finals))
    assert outcome.delay_ms is not None and outcome.delay_ms < 300


def test_replay_vad_replays_in_order():
    vad = ReplayVad([True, False])
    assert vad.is_speech(None) is True and vad.is_speech(None) is False


def test_smallest_silence_reads_the_split_utterances():
    details = [{"path": "silence", "vad": "v", "silence_ms": 300, "premature": True, "longest_pause_ms": 340},
               {"path": "silence", "vad": "v", "silence_ms": 400, "premature": True, "longest_pause_ms": 600}]
    result = {"silence": [{"silence_ms": 300}, {"silence_ms": 400}], "details": details}
    assert smallest_silence(result, "v", 500) == 400
    assert smallest_silence(result, "v", 300) == 300


def test_scenario_is_a_loop_of_turns_ending_in_a_hangup():
    scenario = build_scenario(30, offset=3)
    assert isinstance(scenario.steps[0], sc.WaitBot) and isinstance(scenario.steps[-1], sc.Hangup)
    says = [s for s in scenario.steps if isinstance(s, sc.Say)]
    assert 2 <= len(says) <= 6 and scenario.spoken == [s.text for s in says]
    assert len(build_scenario(120).spoken) > len(says)


def test_pacing_counts_jitter_and_underruns():
    steady = [i * 0.02 for i in range(50)]
    assert pacing([(steady, [0.0])], lead_frames=0)["jitter_p99_ms"] == pytest.approx(0.0, abs=1e-6)
    assert pacing([(steady, [0.0, steady[25]])], lead_frames=0)["underruns"] == 0  # buffer carries over
    late = steady[:20] + [t + 0.05 for t in steady[20:]]
    figures = pacing([(late, [0.0])], lead_frames=0)
    assert figures["underruns"] == 1 and figures["underrun_ms"] == pytest.approx(50.0, abs=0.5)
    assert split_segments([0.0, 0.02, 5.0, 5.02], [0.0, 5.0]) == [[0.0, 0.02], [5.0, 5.02]]


def test_proc_stat_parsing_survives_odd_command_names():
    fields = ["S", "1", "4242", "4242"] + ["0"] * 7 + ["250", "50"] + ["0"] * 4 + ["7"] + ["0"] * 30
    stat = proc_stats.parse_stat("4243 (py (thon) x) " + " ".join(fields))
    assert stat.pid == 4243 and stat.pgrp == 4242 and stat.threads == 7
    assert stat.cpu_s == pytest.approx(300 / proc_stats.TICKS_PER_S)
    busy, total = proc_stats.parse_machine("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4")
    assert busy == pytest.approx(150 / proc_stats.TICKS_PER_S) and total == pytest.approx(1000 / proc_stats.TICKS_PER_S)


# --- bench.soak's pure parts -------------------------------------------------------------------

from collections import namedtuple

from bench.bus_audit import push_failures
from bench.call_metrics import scenario_until
from bench.soak_checks import (
    CALLER_FRAME_BYTES,
    MIB,
    SAMPLES_PER_S,
    CallTally,
    answered_turns,
    event_counts,
    flows,
    linear_fit,
    memory_trend,
    preemptive_turns,
    recordings_mb,
    unanswered_says,
)
from stream_relay.recording import PART_SECONDS

RssSample = namedtuple("RssSample", "at rss_mb calls")


def test_a_soak_call_goes_on_until_its_deadline():
    now = [0.0]
    scenario = scenario_until(60.0, offset=1, clock=lambda: now[0])
    script = scenario.spoken  # read by the simulated call at the start, for the scripted STT
    assert len(script) >= 12  # enough lines for a stack with no overhead at all
    steps = []
    for step in scenario.steps:  # played: each cycle takes 25 s here
        steps.append(step)
        if isinstance(step, sc.Say):
            now[0] += 25.0
    assert isinstance(steps[0], sc.WaitBot) and isinstance(steps[-1], sc.Hangup)
    assert [s.text for s in steps if isinstance(s, sc.Say)] == script[:3]  # at 0, 25 and 50 s


def test_linear_fit():
    slope, intercept = linear_fit([0, 1, 2, 3], [1, 3, 5, 7])
    assert slope == pytest.approx(2.0) and intercept == pytest.approx(1.0)
    assert linear_fit([1.0], [2.0]) is None and linear_fit([1, 1], [2, 3]) is None


def test_answered_turns_and_event_counts():
    assert answered_turns(["0.1.end", "1.0", "1.1.end", "sys-greeting.0.end", "3.0.end", "x.y"]) == {0, 1, 3}
    events = [{"kind": "agent_run", "input": "UserUtterance", "turn_seq": 1},
              {"kind": "agent_run", "input": "CallStarted", "turn_seq": 0},
              {"speaker": "caller", "text": "hi", "turn_seq": 1}, {"speaker": "caller", "dtmf": "1"},
              {"speaker": "bot", "system": None}, {"speaker": "bot", "system": "greeting"}, {"kind": "action"},
              {"kind": "turn_latency"}]
    assert event_counts(events) == {"handled": {"UserUtterance": 1, "CallStarted": 1},
                                    "runs": {"UserUtterance": [1], "CallStarted": [0]}, "caller_turns": [1],
                                    "heard": 1, "played": 1, "actions": 1}


def test_flows_name_what_was_published_and_not_handled():
    tally = CallTally("CA1", 0, 0.0, 1.0, handled={"CallStarted": 1, "UserUtterance": 2},
                      runs={"CallStarted": [0], "UserUtterance": [1, 2]}, caller_turns=[1, 2, 3], played=3,
                      post_call_started=True)
    published = {"CA1": {"CallStarted": {"CallStarted:CA1:0"}, "UserUtterance": keys("UserUtterance", 1, 2, 3),
                         "BotSpeech": keys("BotSpeech", "1:0", "2:0", "2:1"), "CallEnded": {"CallEnded:CA1:4"}},
                 "CA-other": {"CallEnded": {"CallEnded:CA-other:1"}}}
    rows = {f.name: f for f in flows([tally], published)}
    assert rows["turns -> agent_turn"].published == 4 and rows["turns -> agent_turn"].handled == 3
    assert rows["turns -> agent_turn"].missing == ["CA1: 1 of 3 UserUtterance without an agent_turn run (nor withdrawn)"]
    assert not rows["replies -> relay (played)"].missing and not rows["call events -> post_call_trigger"].missing


def keys(kind: str, *turns) -> set[str]:
    return {f"{kind}:CA1:{turn}" for turn in turns}


def test_flows_know_withdrawn_and_deferred_tentative_turns():
    """Turn 2 was tentative and withdrawn (the caller went on; its reply published, never played),
    the whole utterance followed as turn 3; turn 5 was tentative while an action was pending: agent_turn
    answered it when the relay kept it, as a run of its TurnSettled."""
    tally = CallTally("CA1", 0, 0.0, 1.0, handled={"UserUtterance": 3, "TurnSettled": 1, "ActionCompleted": 1},
                      runs={"UserUtterance": [1, 2, 3, 4], "TurnSettled": [5], "ActionCompleted": [4]},
                      caller_turns=[1, 3, 4, 5], played=5, actions=1)
    published = {"CA1": {"UserUtterance": keys("UserUtterance", 1, 2, 3, 4, 5),
                         "TurnSettled": keys("TurnSettled", 2, 5), "ActionRequested": {"ActionRequested:CA1:r1"},
                         "ActionCompleted": {"ActionCompleted:CA1:r1"},
                         "BotSpeech": keys("BotSpeech", "1:0", "2:0", "2:1", "3:0", "4:0", "4:1", "5:0")}}
    rows = {f.name: f for f in flows([tally], published)}
    assert {name: f.missing for name, f in rows.items() if f.missing} == {}
    assert (rows["turns -> agent_turn"].published, rows["replies -> relay (played)"].published) == (6, 5)
    assert preemptive_turns([tally], published) == {"tentative": 2, "withdrawn": 1, "answered_at_settling": 1,
                                                    "withdrawn_replies": 2}
    tally.played = 4  # a kept turn's segment not played is still missing
    assert flows([tally], published)[1].missing == ["CA1: 1 of 5 BotSpeech not played (withdrawn turns' replies excluded)"]


def test_a_line_answered_as_a_later_turn_after_a_withdrawal_is_answered():
    assert unanswered_says([1, 2, 3], {1, 3, 4}) == []  # line 2 became turn 3 (turn 2 withdrawn), line 3 turn 4
    assert unanswered_says([1, 2, 3], {1, 3}) == [3]
    assert unanswered_says([1, 2], set()) == [1, 2]


def _held_calls(count: int, seconds: float) -> list[CallTally]:
    bot = [i / 25 for i in range(int(seconds * 25))]  # the bot speaks half the time
    return [CallTally(f"CA{i}", i, 0.0, seconds, caller_frames=int(seconds * 50), bot_frames_at=bot)
            for i in range(count)]


def test_recordings_hold_the_current_part_of_the_calls_in_progress():
    calls = _held_calls(2, 3 * PART_SECONDS)
    into_part = PART_SECONDS / 2  # seconds into the call's second part
    # the caller's frames and the bot's time line up to its latest frame, since the part began
    expected = 2 * (50 * into_part * CALLER_FRAME_BYTES + into_part * SAMPLES_PER_S + CALLER_FRAME_BYTES) / MIB
    assert recordings_mb(calls, PART_SECONDS + into_part) == pytest.approx(expected, rel=0.01)
    assert recordings_mb(calls, 2 * PART_SECONDS + into_part) == pytest.approx(expected, rel=0.01)  # not more
    assert recordings_mb(calls, 3 * PART_SECONDS) == 0.0  # ended: released


@pytest.mark.parametrize(("leak_mb_per_min", "ok"), [(0.0, True), (5.0, False)])
def test_memory_trend_is_net_of_the_recordings(leak_mb_per_min, ok):
    calls = _held_calls(10, 400.0)
    samples = [RssSample(t, 100 + recordings_mb(calls, t) + leak_mb_per_min * t / 60, 10)
               for t in range(10, 310, 2)]
    trend = memory_trend(samples, calls, baseline_mb=100.0, hold=(10.0, 310.0))
    assert trend["recordings_slope_mb_per_min"] == pytest.approx(trend["slope_mb_per_min"] - leak_mb_per_min, abs=0.01)
    assert trend["net_slope_mb_per_min"] == pytest.approx(leak_mb_per_min, abs=0.01)
    assert trend["ok"] is ok and trend["limit_mb_per_min"] == 2.0
    assert memory_trend(samples[:10], calls, 100.0, (10.0, 30.0))["ok"] is None  # too short to judge


def test_push_failures_read_from_the_emulator_log(tmp_path):
    log = tmp_path / "pubsub.log"
    log.write_text("[pubsub] INFO: Failed to push to endpoint 'http://127.0.0.1:9/': refused\n")
    since = log.stat().st_size
    with log.open("a") as out:
        out.write("[pubsub] INFO: Failed to push to endpoint 'http://127.0.0.1:8001/': Connection refused\n" * 2)
    assert push_failures(log, since, {"agent_turn": "http://127.0.0.1:8001/"}) == {"agent_turn": 2}


@pytest.mark.parametrize(("said", "written"), [
    ("It's j o r d a n dot e l l i s at northwind dot io.", "It's J-O-R-D-A-N dot E-L-L-I-S at northwind.io"),
    ("dana dot whitfield at acme dash logistics dot com", "dana.whitfield@acme-logistics.com"),
    ("We have about forty five sales reps.", "we have about 45 sales reps"),
    ("call me at four one five, five five five, zero one nine nine", "Call me at 415-555-0199."),
])
def test_the_speech_benchmark_compares_words_as_said_not_as_written(said, written):
    assert normalized(said) == normalized(written)


def test_the_speech_benchmark_still_tells_different_words_apart():
    assert normalized("Dana Whitfield") != normalized("Donna Whitfield")
    assert normalized("forty five") != normalized("fifty four")


def test_side_by_side_splits_the_bus_and_agent_stage_at_agent_turns_receipt():
    latency = {"kind": "turn_latency", "turn_seq": 1, "at_ms": 10_000, "total_ms": 900, "endpointing_ms": 60,
               "stt_ms": 0, "publish_ms": 10, "bus_and_agent_ms": 600, "reply_bus_ms": 50,
               "tts_and_playback_ms": 180, "preemptive": True}
    run = {"kind": "agent_run", "input": "UserUtterance", "turn_seq": 1, "received_at_ms": 9_170 + 40}
    [row] = turn_stages([latency, run, {"kind": "agent_run", "input": "ActionCompleted", "turn_seq": 1}])
    assert (row["push_ms"], row["agent_ms"], row["preemptive"]) == (40, 560, True)  # published at 9170
    later = {**row, "turn_seq": 2, "push_ms": 5}
    groups = summary([[row, later], [row]])
    assert groups["first turns"]["turns"] == 2 and groups["first turns"]["push_ms"] == (40, 40)
    assert groups["later turns"]["push_ms"] == (5, 5)
