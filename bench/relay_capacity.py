"""Relay capacity benchmark: N concurrent real-time calls into one relay process.

    .venv/bin/python -m bench.relay_capacity [--calls 1,10,50] [--seconds 60] [--keep-logs DIR]

Starts a local stack (emulators, agent_turn, relay; scripted STT, tone TTS, silence timers long
enough that no reprompt fires) in a temporary folder, then for each N runs N simulated calls
concurrently in this one asyncio process: each streams real-time 20 ms frames, waits for every bot
reply to play out, and hangs up after about --seconds. Calls start 100 ms apart (at most 5 s of
ramp; their frame clocks spread over the 20 ms grid), after one unmeasured warm-up call. Per round it measures, for the relay process (the uvicorn process itself, children excluded):
CPU seconds per call-minute, RSS, p50/p99 inbound frame lag (written by the relay on each call
document); as the simulated phone saw it: outbound pacing jitter and underruns, per-turn latency;
and the CPU of the simulator and of the other processes, because they share the machine's cores.
The stack is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from bench import proc_stats
from bench.call_metrics import build_scenario, pacing
from bench.load_stack import STACK_SETTINGS, Sampler, Snapshot, place_call, relay_process, running_stack
from bench.stats import fmt, percentile, table, write_results
from callbot.settings import RelaySettings
from devtools import stack

LAG_LIMIT_MS = 20
IDLE_S = 5.0
WARMUP_CALL_S = 8.0  # one call before the rounds: imports, connections and caches, not measured
STAGGER_S, MAX_RAMP_S = 0.1, 5.0


async def _one_call(info: stack.StackInfo, store, index: int, seconds: float, delay_s: float) -> dict:
    await asyncio.sleep(delay_s)
    placed = await place_call(info, store, build_scenario(seconds, offset=index))
    call, doc, phone = placed.call, placed.doc, placed.call.phone
    if placed.report is None:
        return {"call_sid": call.call_sid, "ok": False, "errors": placed.errors}
    return {"call_sid": call.call_sid, "ok": not placed.errors, "errors": placed.errors,
            "seconds": phone.media_out * 0.02 if phone else 0.0,
            "lag_p50_ms": doc.inbound_lag_p50_ms, "lag_p99_ms": doc.inbound_lag_p99_ms,
            "inbound_frames": doc.inbound_frames,
            "turn_latency_ms": [t["latency_ms"] for t in placed.report.turns if t["latency_ms"] is not None],
            "bot_frames_at": phone.bot_frames_at if phone else [],
            "segment_starts": [s.first_frame_at for s in phone.segments] if phone else []}


async def run_round(info: stack.StackInfo, store, calls: int, seconds: float, lead_frames: int,
                    idle_cpu_per_s: float) -> dict:
    relay_pid = info.processes["relay"]["pid"]
    rss_before = proc_stats.rss_mb(relay_pid)
    sampler = Sampler(relay_pid)
    sampling = asyncio.create_task(sampler.run())
    # 100 ms apart, plus a fraction of a frame each: the calls' 20 ms uplink ticks spread over the
    # frame grid, as real callers' do, instead of all arriving at the relay in the same instant
    stagger = min(STAGGER_S, MAX_RAMP_S / max(1, calls)) + 0.020 / max(1, calls)
    before = Snapshot.take(info)
    results = await asyncio.gather(*(_one_call(info, store, i, seconds, i * stagger) for i in range(calls)))
    after = Snapshot.take(info)
    sampling.cancel()
    await asyncio.gather(sampling, return_exceptions=True)
    await asyncio.sleep(2.0)  # let the relay drop the calls' state before the "after" reading
    rss_after = proc_stats.rss_mb(relay_pid)
    return summarize_round(calls, results, before, after, rss_before, sampler, rss_after, lead_frames,
                           idle_cpu_per_s)


def summarize_round(calls: int, results: list[dict], before: Snapshot, after: Snapshot, rss_before: float,
                    sampler: Sampler, rss_after: float, lead_frames: int, idle_cpu_per_s: float) -> dict:
    wall = after.wall - before.wall
    relay_cpu = after.relay_cpu - before.relay_cpu
    call_minutes = sum(r.get("seconds", 0.0) for r in results) / 60
    p99s = [r["lag_p99_ms"] for r in results if r.get("lag_p99_ms") is not None]
    p50s = [r["lag_p50_ms"] for r in results if r.get("lag_p50_ms") is not None]
    turns = [ms for r in results for ms in r.get("turn_latency_ms", [])]
    cores = os.cpu_count() or 1
    rss_peak = max(rss_before, sampler.rss_peak_mb)
    per_call_minute = relay_cpu / call_minutes if call_minutes else None
    return {
        "calls": calls, "completed": sum(r["ok"] for r in results), "wall_s": round(wall, 1),
        "call_minutes": round(call_minutes, 2),
        "relay_cpu_s": round(relay_cpu, 2), "relay_cpu_pct_of_core": round(100 * relay_cpu / wall, 1),
        "relay_cpu_s_per_call_minute": _r(per_call_minute, 3),
        "relay_cpu_s_per_call_minute_net_of_idle": _r(
            (relay_cpu - idle_cpu_per_s * wall) / call_minutes if call_minutes else None, 3),
        "relay_rss_before_mb": round(rss_before, 1), "relay_rss_peak_mb": round(rss_peak, 1),
        "relay_rss_after_mb": round(rss_after, 1),
        "relay_rss_per_call_mb": round((rss_peak - rss_before) / calls, 2),
        "lag_p50_ms_median": statistics.median(p50s) if p50s else None,
        "lag_p99_ms_median": statistics.median(p99s) if p99s else None,
        "lag_p99_ms_max": max(p99s, default=None),
        "inbound_frames": sum(r.get("inbound_frames") or 0 for r in results),
        "pacing": pacing([(r["bot_frames_at"], r["segment_starts"]) for r in results if "bot_frames_at" in r],
                         lead_frames),
        "turns": len(turns), "turn_latency_p50_ms": percentile(turns, 50),
        "turn_latency_p95_ms": percentile(turns, 95),
        "simulator_cpu_pct_of_core": round(100 * (after.sim_cpu - before.sim_cpu) / wall, 1),
        "stack_cpu_pct_of_core": {name: round(100 * (after.groups[name] - before.groups.get(name, 0.0)) / wall, 1)
                                  for name in after.groups},
        "machine_busy_pct": round(100 * (after.machine_busy - before.machine_busy) / (wall * cores), 1),
        "simulator_loop_lag_p99_ms": _r(percentile(sampler.loop_lag_ms, 99), 1),
        "errors": [f"{r['call_sid']}: {e}" for r in results for e in r["errors"]],
        "per_call": [{k: v for k, v in r.items() if k not in ("bot_frames_at", "segment_starts")} for r in results],
    }


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def pin(info: stack.StackInfo) -> dict[str, list[int]]:
    """Give the relay a core of its own: the relay on the first CPU this process may use, the
    simulator and the rest of the stack on the others."""
    cpus = sorted(os.sched_getaffinity(0))
    relay_cpus, other_cpus = {cpus[0]}, set(cpus[1:])
    proc_stats.pin_process(info.processes["relay"]["pid"], relay_cpus)
    for name, process in info.processes.items():
        if name != "relay":
            proc_stats.pin_group(process["pid"], other_cpus)
    proc_stats.pin_process(os.getpid(), other_cpus)
    return {"relay": sorted(relay_cpus), "simulator_and_stack": sorted(other_cpus)}


async def measure(info: stack.StackInfo, counts: list[int], seconds: float, pinned: bool) -> dict:
    from callbot.store.firestore import FirestoreCallStore

    relay = relay_process(info)
    pid = relay["pid"]
    print(f"relay: pid {pid} `{relay['cmdline']}`, process group leader: {relay['group_leader']}, "
          f"{relay['threads']} threads, children: {relay['children'] or 'none'}", flush=True)
    cpus = pin(info) if pinned else {}
    print(f"CPUs: relay on {cpus['relay']}, simulator and the rest of the stack on {cpus['simulator_and_stack']}"
          if cpus else f"CPUs: all {os.cpu_count()} shared by the relay, the simulator and the stack", flush=True)
    store = FirestoreCallStore(info.project_id, retention_days=1)
    print(f"warm-up call (~{WARMUP_CALL_S:g} s, not measured)...", flush=True)
    warmup = await _one_call(info, store, 0, WARMUP_CALL_S, 0.0)
    if not warmup["ok"]:
        raise RuntimeError(f"the warm-up call failed: {warmup['errors']}")
    idle_before = proc_stats.process_stat(pid).cpu_s
    await asyncio.sleep(IDLE_S)
    idle_cpu_per_s = (proc_stats.process_stat(pid).cpu_s - idle_before) / IDLE_S
    print(f"relay idle: {100 * idle_cpu_per_s:.1f} % of a core, RSS {proc_stats.rss_mb(pid):.0f} MiB", flush=True)
    lead_frames = RelaySettings.model_fields["playback_lead_ms"].default // 20
    rounds = []
    for calls in counts:
        print(f"round: {calls} concurrent call(s) x ~{seconds:g} s ...", flush=True)
        rounds.append(await run_round(info, store, calls, seconds, lead_frames, idle_cpu_per_s))
        print(f"  done in {rounds[-1]['wall_s']} s, {rounds[-1]['completed']}/{calls} completed", flush=True)
    return {"relay": relay, "cpus": cpus or "shared", "idle_cpu_pct_of_core": round(100 * idle_cpu_per_s, 2),
            "rounds": rounds}


def render(result: dict, seconds: float) -> str:
    rounds = result["rounds"]
    relay = table(
        ["calls", "ok", "call-min", "relay CPU %", "CPU s/call-min", "net of idle", "RSS before", "peak",
         "after", "MiB/call", "lag p50", "lag p99 (median call)", "(worst call)"],
        [[r["calls"], f"{r['completed']}/{r['calls']}", fmt(r["call_minutes"], 1), fmt(r["relay_cpu_pct_of_core"], 1),
          fmt(r["relay_cpu_s_per_call_minute"], 3), fmt(r["relay_cpu_s_per_call_minute_net_of_idle"], 3),
          fmt(r["relay_rss_before_mb"], 0), fmt(r["relay_rss_peak_mb"], 0), fmt(r["relay_rss_after_mb"], 0),
          fmt(r["relay_rss_per_call_mb"], 2), r["lag_p50_ms_median"], r["lag_p99_ms_median"], r["lag_p99_ms_max"]]
         for r in rounds])
    phone = table(
        ["calls", "bot gaps", "jitter p50", "p99", "max", "underruns", "underrun ms", "turns", "turn p50",
         "turn p95", "sim CPU %", "sim loop lag p99", "agent_turn %", "emulators %", "machine busy %"],
        [[r["calls"], r["pacing"]["gaps"], fmt(r["pacing"]["jitter_p50_ms"], 1), fmt(r["pacing"]["jitter_p99_ms"], 1),
          fmt(r["pacing"]["jitter_max_ms"], 1), r["pacing"]["underruns"], fmt(r["pacing"]["underrun_ms"], 0),
          r["turns"], r["turn_latency_p50_ms"], r["turn_latency_p95_ms"], fmt(r["simulator_cpu_pct_of_core"], 1),
          fmt(r["simulator_loop_lag_p99_ms"], 1), fmt(r["stack_cpu_pct_of_core"].get("agent_turn"), 1),
          fmt(sum(v for k, v in r["stack_cpu_pct_of_core"].items() if "emulator" in k), 1),
          fmt(r["machine_busy_pct"], 1)]
         for r in rounds])
    lines = [f"\nRelay process (ms; CPU % of one core; RSS MiB), calls of ~{seconds:g} s", relay,
             ("\nAs the simulated phones saw it (ms), and who else used the CPU (% of one core; machine: % of all "
             f"{os.cpu_count()} cores)"), phone, "", capacity(result)]
    errors = [e for r in rounds for e in r["errors"]]
    if errors:
        lines += [f"\nerrors ({len(errors)}):"] + [f"  - {e}" for e in errors[:20]]
    return "\n".join(lines)


def capacity(result: dict) -> str:
    rounds = result["rounds"]
    passed = next((r for r in rounds if (r["lag_p99_ms_median"] or 0) > LAG_LIMIT_MS), None)
    busiest = max(rounds, key=lambda r: r["calls"])
    per_call = busiest["relay_cpu_s_per_call_minute_net_of_idle"]
    estimate = (f"A CPU-only estimate from the {busiest['calls']}-call round: one core / {per_call:.3f} s per "
                f"call-minute = ~{60 / per_call:.0f} calls (ignores latency)." if per_call else "")
    where = ("the relay has a CPU of its own; the simulator, agent_turn and the emulators share the others"
             if isinstance(result.get("cpus"), dict) else
             f"the relay shares the machine's {os.cpu_count()} CPUs with the simulator, agent_turn and the emulators")
    if passed is None:
        return (f"Capacity: the median call's p99 inbound lag stayed within {LAG_LIMIT_MS} ms up to "
                f"{busiest['calls']} concurrent calls, the most run: the relay's capacity per core is at least that. "
                f"{estimate} ({where}.)")
    below = [r["calls"] for r in rounds if r["calls"] < passed["calls"]]
    lines = [(f"Capacity: the median call's p99 inbound lag passes {LAG_LIMIT_MS} ms at {passed['calls']} concurrent "
             f"calls ({passed['lag_p99_ms_median']} ms; within it at {max(below) if below else 'no smaller N run'}): "
             f"the relay's capacity per core (one event-loop thread) by this measure. {estimate}"),
             (f"  ({where}; the machine was {passed['machine_busy_pct']} % busy, the relay used "
             f"{passed['relay_cpu_pct_of_core']} % of a core, the simulator {passed['simulator_cpu_pct_of_core']} % "
             f"and its own event loop woke up to {passed['simulator_loop_lag_p99_ms']} ms late, p99.)")]
    if passed["relay_cpu_pct_of_core"] < 80 and (passed["simulator_loop_lag_p99_ms"] or 0) >= LAG_LIMIT_MS / 2:
        lines.append("  The relay was not CPU-bound and the load generator was itself lagging: the lag at this N "
                     "is at least partly the machine's, so read the figure as a lower bound for the relay.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relay_capacity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", default="1,10,50,100,200", help="concurrent calls per round, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="about how long each call lasts")
    parser.add_argument("--keep-logs", type=Path, help="copy the stack's logs here before removing it")
    parser.add_argument("--pin-relay", action="store_true",
                        help="give the relay a CPU of its own, the simulator and the rest of the stack the others")
    args = parser.parse_args(argv)
    pinned = args.pin_relay and len(os.sched_getaffinity(0)) >= 2
    counts = [int(c) for c in args.calls.split(",") if c.strip()]
    began = time.monotonic()
    with running_stack(args.keep_logs) as info:
        result = asyncio.run(measure(info, counts, args.seconds, pinned))
    print(render(result, args.seconds))
    elapsed = time.monotonic() - began
    path = write_results("relay_capacity", {"calls": counts, "seconds": args.seconds, "cores": os.cpu_count(),
                                            "stack_settings": STACK_SETTINGS, "lag_limit_ms": LAG_LIMIT_MS,
                                            **result, "runtime_s": round(elapsed, 1)})
    print(f"\n{elapsed:.0f} s in all; results: {path}")
    return 0 if all(r["completed"] == r["calls"] for r in result["rounds"]) else 1


if __name__ == "__main__":
    sys.exit(main())
