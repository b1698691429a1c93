"""Load and soak benchmark: N concurrent simulated calls on the local stack for M minutes.

    .venv/bin/python -m bench.soak [--calls 200] [--minutes 5] [--call-seconds S] [--drain-seconds 120]
                                   [--rounds N] [--memory-report DIR] [--keep-logs DIR]

Starts the local stack as bench.relay_capacity does (scripted STT, tone TTS, silence timers of an
hour), places one unmeasured warm-up call, measures the relay's idle memory, then ramps up --calls
calls 100 ms apart (30 s at most) and holds them for --minutes: each call says a line, waits for
the whole reply, pauses, and again, until the hold ends, then hangs up. With --call-seconds, each
call hangs up after that long and a new one takes its place (churn: the endings spread evenly, so
calls start and end throughout the hold). Afterwards it waits for the post-call pipeline to finish
(the drain), then checks: every call completed, every utterance answered, every message published
during the soak handled by its consumer (see bench/bus_audit.py for why the emulator is audited that
way), nothing dead-lettered, every call processed after hang-up, the relay kept up with real time,
and the relay's memory, net of the calls' in-memory recordings, did not grow over the hold. Prints a
timeline and the checks, writes bench/results/soak-*.json; exit status 1 when a check fails.
With --rounds N the soak runs N times on the same stack (the same relay process): memory the relay
keeps after the first and gives back or reuses in the next is retained, memory that climbs from round
to round is a leak. With --memory-report DIR the relay writes a report at idle and after each drain
(stream_relay/memory_report.py: its RSS before and after glibc's malloc_trim; with --trace-allocations
also the Python objects held, by source line), summarised here.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from bench import proc_stats
from bench.bus_audit import MIRROR_PREFIX, BusAudit, log_size, push_failures
from bench.call_metrics import build_scenario, scenario_until
from bench.load_stack import (
    STACK_SETTINGS,
    PlacedCall,
    Sampler,
    Snapshot,
    place_call,
    relay_process,
    running_stack,
)
from bench.soak_checks import (
    WARMUP_FRACTION,
    CallTally,
    answered_turns,
    checks,
    event_counts,
    flows,
    memory_trend,
    preemptive_turns,
    timeline,
    unanswered_says,
)
from bench.stats import fmt, percentile, table, write_results
from callbot.call_document import RUN_OUTCOMES, CallDocument
from devtools import stack

STAGGER_S, MAX_RAMP_S = 0.1, 30.0
WARMUP_CALL_S = 8.0  # imports, connections and caches, before anything is measured
IDLE_S = 5.0  # then the relay's idle memory: the baseline of "per call"
RSS_EVERY_S = 2.0
MIN_CALL_S = 15.0  # the shortest --call-seconds: a greeting and a turn or two
EVENT_READS = 16  # call event listings in flight at once, after the drain
MEMORY_REPORT_ENV = "CALLBOT_MEMORY_REPORT_DIR"  # the relay's memory_report_dir
TRACE_ENV = "CALLBOT_MEMORY_REPORT_TRACE"  # ... and memory_report_trace


@dataclass
class Soak:
    """The calls of one soak and when things happen (time.monotonic() seconds)."""

    info: stack.StackInfo
    store: object
    calls: int
    began: float
    hold_start: float
    hold_end: float
    stagger_s: float
    call_seconds: float | None = None
    placed: list[tuple[int, PlacedCall]] = field(default_factory=list)
    active: int = 0
    _numbers: itertools.count = field(default_factory=itertools.count)

    async def slot(self, index: int) -> None:
        """One line: a call for the whole hold, or (churn) calls back to back until it ends. The
        first churned calls end spread evenly over one call length, so the churn is steady."""
        await asyncio.sleep(index * self.stagger_s)
        if self.call_seconds is None:
            deadline = self.hold_end
        else:
            deadline = min(self.hold_end, self.hold_start + (index + 1) / self.calls * self.call_seconds)
        while True:
            self.active += 1
            try:
                placed = await place_call(self.info, self.store, scenario_until(deadline, next(self._numbers)))
            finally:
                self.active -= 1
            self.placed.append((index, placed))
            now = time.monotonic()
            if self.call_seconds is None or now >= self.hold_end:
                return
            deadline = min(self.hold_end, now + self.call_seconds)  # the line stays busy to the end


@dataclass
class Settled:
    """After the drain: the call documents, their events, what the bus carried, the relay's RSS."""

    docs: dict[str, CallDocument]
    drained_s: float
    events: dict[str, list[dict]]
    published: dict[str, dict[str, set[str]]]
    dead_letters: list[dict]
    rss_after_mb: float


async def run(info: stack.StackInfo, calls: int, minutes: float, call_seconds: float | None,
              drain_s: float, memory_reports: Path | None = None) -> dict:
    from callbot.store.firestore import FirestoreCallStore

    relay = relay_process(info)
    print(f"relay: pid {relay['pid']} `{relay['cmdline']}`", flush=True)
    store = FirestoreCallStore(info.project_id, retention_days=1)
    print(f"warm-up call (~{WARMUP_CALL_S:g} s, not measured)...", flush=True)
    warmup = await place_call(info, store, build_scenario(WARMUP_CALL_S))
    if warmup.errors:
        raise RuntimeError(f"the warm-up call failed: {warmup.errors}")
    await asyncio.sleep(IDLE_S)
    baseline_mb = proc_stats.rss_mb(relay["pid"])
    maps = {"idle": proc_stats.memory_map(relay["pid"])}
    reports = {"idle": await memory_report(relay["pid"], memory_reports)} if memory_reports else {}
    remove_mirrors(info.project_id)  # an earlier round's
    audit = BusAudit(info.project_id)
    audit.start()
    pubsub_log = info.processes["pubsub-push"]["log"]  # the local stack's push delivery logs failed pushes
    log_from = log_size(pubsub_log)
    soak, sampler, hold_cpu = await hold(info, store, calls, minutes, call_seconds, baseline_mb)
    ended = time.monotonic()
    print(f"all {len(soak.placed)} calls ended {ended - soak.hold_end:.0f} s after the hold; draining "
          f"(post-call pipeline, up to {drain_s:g} s)...", flush=True)
    settled = await settle(store, soak, audit, drain_s, relay["pid"])
    maps["after_drain"] = proc_stats.memory_map(relay["pid"])
    if memory_reports:
        reports["after_drain"] = await memory_report(relay["pid"], memory_reports)
    tallies = [tally(slot, placed, settled.events[placed.call.call_sid], settled.docs.get(placed.call.call_sid, CallDocument()))
               for slot, placed in soak.placed]
    span = (soak.hold_start, soak.hold_end)
    memory = memory_trend(sampler.samples, tallies, baseline_mb, span)
    flow_rows = flows(tallies, settled.published)
    hold_s = minutes * 60
    rows = timeline(sampler.samples, tallies, list(zip(sampler.loop_lag_at, sampler.loop_lag_ms, strict=True)),
                    baseline_mb, span, round(hold_s / 60) if hold_s >= 180 else 3, os.cpu_count() or 1)
    sids = {t.call_sid for t in tallies}
    return {
        "relay": relay, "ramp_s": round(soak.hold_start - soak.began, 1),
        "calls_ended_after_hold_s": round(ended - soak.hold_end, 1), "drain_s": round(settled.drained_s, 1),
        "baseline_rss_mb": round(baseline_mb, 1), "rss_after_drain_mb": round(settled.rss_after_mb, 1),
        "memory_reports": reports, "relay_memory_map": maps,
        "timeline": rows, "memory": memory, "cpu_over_hold": hold_cpu,
        "flows": [asdict(f) for f in flow_rows], "dead_letters": settled.dead_letters,
        "preemptive_turns": preemptive_turns(tallies, settled.published),
        "push_failures": dict(push_failures(pubsub_log, log_from, info.functions)),
        "other_calls_on_the_bus": sorted(set(settled.published) - sids),
        "checks": [asdict(c) for c in checks(tallies, flow_rows, settled.dead_letters, memory)],
        "rss_samples": [[round(s.at - soak.hold_start, 1), round(s.rss_mb, 1), s.calls] for s in sampler.samples],
        "calls_placed": len(tallies), "turns": summary_of_turns(tallies),
        "per_call": [{f.name: getattr(t, f.name) for f in fields(t) if f.name not in ("bot_frames_at", "turn_latency")}
                     | {"turn_latency_ms": [ms for _, ms in t.turn_latency]} for t in tallies],
    }


async def hold(info: stack.StackInfo, store, calls: int, minutes: float, call_seconds: float | None,
               baseline_mb: float) -> tuple[Soak, Sampler, dict[str, float]]:
    """Ramp the calls up and hold them; the relay sampled all along, every process's CPU over the hold."""
    stagger = min(STAGGER_S, MAX_RAMP_S / calls) + 0.020 / calls  # spread over the 20 ms frame grid too
    began = time.monotonic()
    hold_start = began + (calls - 1) * stagger
    soak = Soak(info, store, calls, began, hold_start, hold_start + minutes * 60, stagger, call_seconds)
    sampler = Sampler(info.processes["relay"]["pid"], every_s=RSS_EVERY_S, gauge=lambda: soak.active)
    sampling = asyncio.create_task(sampler.run())
    snapshots = asyncio.create_task(_snapshots(info, hold_start, soak.hold_end))
    shape = (f"{calls} calls held for {minutes:g} min" if call_seconds is None else
             f"{calls} concurrent calls for {minutes:g} min, each replaced after ~{call_seconds:g} s")
    print(f"soak: {shape}; ramp {hold_start - began:.0f} s; relay idle RSS {baseline_mb:.0f} MiB", flush=True)
    progress = asyncio.create_task(_progress(soak, sampler))
    try:
        await asyncio.gather(*(soak.slot(i) for i in range(calls)))
    finally:
        for task in (sampling, progress):
            task.cancel()
        await asyncio.gather(sampling, progress, return_exceptions=True)
    return soak, sampler, await snapshots


async def settle(store, soak: Soak, audit: BusAudit, drain_s: float, relay_pid: int) -> Settled:
    """The drain, then what the calls left in Firestore and on the bus."""
    sids = [p.call.call_sid for _, p in soak.placed]
    docs, drained_s = await _drain(store, sids, drain_s)
    rss_after_mb = proc_stats.rss_mb(relay_pid)
    reading = time.monotonic()
    events = await _events(store, sids)
    print(f"drained in {drained_s:.0f} s; read {sum(map(len, events.values()))} call events in "
          f"{time.monotonic() - reading:.1f} s; auditing the bus...", flush=True)
    published = await asyncio.to_thread(audit.published)
    dead = await asyncio.to_thread(audit.dead_letters)
    audit.close()
    return Settled(docs, drained_s, events, published, dead, rss_after_mb)


def tally(slot: int, placed: PlacedCall, events: list[dict], doc: CallDocument) -> CallTally:
    """What one call did, from the simulator's report and phone line and from Firestore."""
    report, phone = placed.report, placed.call.phone
    counts = event_counts(events)
    result = CallTally(call_sid=placed.call.call_sid, slot=slot, started_at=placed.started_at,
                       ended_at=placed.ended_at, errors=list(placed.errors), status=doc.status,
                       post_call_started=doc.post_call is not None and doc.post_call.run is not None,
                       lag_p50_ms=placed.doc.inbound_lag_p50_ms, lag_p99_ms=placed.doc.inbound_lag_p99_ms,
                       heard=counts["heard"], handled=counts["handled"], runs=counts["runs"],
                       caller_turns=counts["caller_turns"], played=counts["played"], actions=counts["actions"])
    if report is None:
        return result
    if report.ended_by != "caller" and not report.errors:
        result.errors.append(f"ended by {report.ended_by}")
    says = [e for e in report.transcript if e["speaker"] == "caller" and e.get("kind") == "say"]
    answered = answered_turns(name for _, name in phone.echoed) if phone else set()
    result.said = len(says)
    result.unanswered = unanswered_says([e["turn_seq"] for e in says], answered)
    if phone is not None:
        result.turn_latency = [(phone.t0 + t["caller_end_ms"] / 1000, t["latency_ms"]) for t in report.turns
                               if t["latency_ms"] is not None]
        result.caller_frames, result.bot_frames_at = phone.media_out, phone.bot_frames_at
    return result


def summary_of_turns(tallies: list[CallTally]) -> dict:
    latencies = [ms for t in tallies for _, ms in t.turn_latency]
    p99s = [t.lag_p99_ms for t in tallies if t.lag_p99_ms is not None]
    return {"said": sum(t.said or 0 for t in tallies), "answered": sum(t.answered for t in tallies),
            "latency_p50_ms": percentile(latencies, 50), "latency_p95_ms": percentile(latencies, 95),
            "latency_max_ms": max(latencies, default=None),
            "lag_p99_ms_median": statistics.median(p99s) if p99s else None, "lag_p99_ms_max": max(p99s, default=None)}


async def _snapshots(info: stack.StackInfo, start: float, end: float) -> dict[str, float]:
    """CPU of every process over the hold, % of one core."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    before = Snapshot.take(info)
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    after = Snapshot.take(info)
    wall = after.wall - before.wall
    cpu = {name: round(100 * (after.groups[name] - before.groups.get(name, 0.0)) / wall, 1) for name in after.groups}
    cpu["simulator"] = round(100 * (after.sim_cpu - before.sim_cpu) / wall, 1)
    cpu["machine_busy_pct_of_all_cores"] = round(
        100 * (after.machine_busy - before.machine_busy) / (wall * (os.cpu_count() or 1)), 1)
    return cpu


async def _progress(soak: Soak, sampler: Sampler, every_s: float = 30.0) -> None:
    while True:
        await asyncio.sleep(every_s)
        sample = sampler.samples[-1] if sampler.samples else None
        rss = f", relay RSS {sample.rss_mb:.0f} MiB" if sample else ""
        print(f"  {time.monotonic() - soak.hold_start:+.0f} s into the hold: {soak.active} calls in progress, "
              f"{len(soak.placed)} ended{rss}", flush=True)


async def _drain(store, sids: list[str], timeout_s: float) -> tuple[dict[str, CallDocument], float]:
    """Wait until every call's post-call run has finished (or `timeout_s`); the call documents."""
    started = time.monotonic()
    docs: dict[str, CallDocument] = {}
    pending = list(sids)
    while True:
        for chunk in range(0, len(pending), EVENT_READS):
            batch = pending[chunk:chunk + EVENT_READS]
            for sid, doc in zip(batch, await asyncio.gather(*(store.get_call(s) for s in batch)), strict=True):
                docs[sid] = doc or CallDocument()
        pending = [s for s in pending if docs[s].status not in RUN_OUTCOMES]
        if not pending or time.monotonic() - started > timeout_s:
            return docs, time.monotonic() - started
        await asyncio.sleep(2.0)


async def _events(store, sids: list[str]) -> dict[str, list[dict]]:
    limit = asyncio.Semaphore(EVENT_READS)

    async def one(sid: str) -> list[dict]:
        async with limit:
            return await store.list_events(sid)

    return dict(zip(sids, await asyncio.gather(*(one(s) for s in sids)), strict=True))


async def memory_report(pid: int, folder: Path, timeout_s: float = 60.0) -> dict:
    """Ask the relay for a memory report (SIGUSR1) and read it (see stream_relay/memory_report.py)."""
    before = set(folder.glob(f"relay-{pid}-*.json"))
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout_s
    while not (new := set(folder.glob(f"relay-{pid}-*.json")) - before):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay wrote no memory report into {folder} (is {MEMORY_REPORT_ENV} set?)")
        await asyncio.sleep(0.2)
    return json.loads(new.pop().read_text())  # written whole, then renamed into place


def remove_mirrors(project_id: str) -> None:
    """Delete the mirror subscriptions a previous round on this stack created."""
    from google.api_core.exceptions import NotFound
    from google.cloud import pubsub_v1

    from callbot.messages import Topic

    with pubsub_v1.SubscriberClient() as subscriber:
        for topic in Topic:
            try:
                subscriber.delete_subscription(request={
                    "subscription": subscriber.subscription_path(project_id, MIRROR_PREFIX + topic)})
            except NotFound:
                continue  # the first round: there is none


def render_report(name: str, report: dict) -> str:
    traced = f"Python objects traced {report['traced_mib']} MiB; " if "traced_mib" in report else ""
    lines = [(f"  {name}: RSS {report['rss_mib']} MiB, {report['rss_after_malloc_trim_mib']} after malloc_trim; "
              f"{traced}{report['call_sessions']} CallSession objects, {report['tasks']} tasks")]
    lines += [f"    {line['kib_diff']:+9.1f} KiB ({line['count_diff']:+d} blocks) {line['where']}"
              for line in report.get("top_lines_since_first", [])[:8]]
    return "\n".join(lines)


def render(result: dict, args: argparse.Namespace) -> str:
    rows = result["timeline"]
    lines = [(f"\nTimeline of the hold (relay RSS MiB; per call: above the idle {result['baseline_rss_mb']} MiB, "
              "and net of the recordings; CPU % of one core, machine % of all cores; latency ms)"),
             table(["hold s", "calls", "RSS", "MiB/call", "net", "relay CPU %", "machine %", "turns", "turn p50",
                    "p95", "max", "sim lag p99"],
                   [[f"{r['from_s']}-{r['to_s']}", r.get("calls"), fmt(r.get("rss_mb"), 0),
                     fmt(r.get("rss_per_call_mb"), 2), fmt(r.get("net_per_call_mb"), 2), fmt(r.get("relay_cpu_pct"), 1),
                     fmt(r.get("machine_busy_pct"), 1), r["turns"], r["turn_p50_ms"], r["turn_p95_ms"],
                     r["turn_max_ms"], fmt(r["sim_loop_lag_p99_ms"], 1)] for r in rows])]
    turns = result["turns"]
    lines.append(f"\n{result['calls_placed']} calls placed; {turns['answered']}/{turns['said']} utterances answered; "
                 f"turn latency p50 {turns['latency_p50_ms']} / p95 {turns['latency_p95_ms']} / max "
                 f"{turns['latency_max_ms']} ms; inbound lag p99 median call {turns['lag_p99_ms_median']} ms, worst "
                 f"{turns['lag_p99_ms_max']} ms. Ramp {result['ramp_s']} s; the last call ended "
                 f"{result['calls_ended_after_hold_s']} s after the hold; drain {result['drain_s']} s.")
    lines += ["\nMessages published during the soak (mirror subscriptions) and handled (the consumers' records)",
              table(["flow", "published", "handled", "calls missing some"],
                    [[f["name"], f["published"], f["handled"], len(f["missing"])] for f in result["flows"]])]
    lines.append(f"dead-lettered: {len(result['dead_letters'])}; failed pushes in the emulator's log: "
                 f"{result['push_failures'] or 'none'}")
    pre = result["preemptive_turns"]
    lines.append(f"Preemptive turns: {pre['tentative']} settled, {pre['withdrawn']} withdrawn (their "
                 f"{pre['withdrawn_replies']} reply segments published and not played, as they should be), "
                 f"{pre['answered_at_settling']} answered at their settling (they waited for an action)")
    memory = result["memory"]
    released = (f"After the drain, with no call in progress: {result['rss_after_drain_mb']} MiB "
                f"({result['rss_after_drain_mb'] - result['baseline_rss_mb']:+.1f} on the idle relay before the soak).")
    if memory.get("ok") is None:
        lines.append(f"\nRelay memory: {memory['note']}. {released}")
    else:
        lines.append(
            f"\nRelay memory over hold s {memory['window_s'][0]}-{memory['window_s'][1]} (after {100 * WARMUP_FRACTION:.0f} % "
            f"warm-up, {memory['samples']} samples, {memory['calls']} calls on average): RSS "
            f"{memory['rss_first_mb']} -> {memory['rss_last_mb']} MiB, slope {memory['slope_mb_per_min']:+.2f} MiB/min, "
            f"of which the recordings {memory['recordings_slope_mb_per_min']:+.2f}: net "
            f"{memory['net_slope_mb_per_min']:+.2f} MiB/min (limit {memory['limit_mb_per_min']}). Per call: "
            f"{memory['per_call_first_mb'][0]:.2f} -> {memory['per_call_last_mb'][0]:.2f} MiB, net of the recordings "
            f"{memory['per_call_first_mb'][1]:.2f} -> {memory['per_call_last_mb'][1]:.2f} MiB. {released}")
    cpu = result["cpu_over_hold"]
    functions = sum(v for k, v in cpu.items() if k in stack.FUNCTIONS and k != "agent_turn")
    lines.append(f"CPU over the hold (% of one core): relay {cpu.get('relay')}, simulator {cpu.get('simulator')}, "
                 f"agent_turn {cpu.get('agent_turn')}, other functions {functions:.1f}, "
                 f"emulators {sum(v for k, v in cpu.items() if 'emulator' in k):.1f}; machine "
                 f"{cpu.get('machine_busy_pct_of_all_cores')} % of all {os.cpu_count()} cores")
    per_call_minute = [f"relay CPU {cpu['relay'] / 100 * 60 / args.calls:.2f} s"] if cpu.get("relay") is not None else []
    if memory.get("ok") is not None:
        per_call_minute.append(f"relay RSS {memory['slope_mb_per_min'] / memory['calls']:+.3f} MiB "
                               f"({memory['net_slope_mb_per_min'] / memory['calls']:+.3f} net of the recordings)")
    lines.append(f"Per call-minute during the hold: {', '.join(per_call_minute) or 'not measured'}")
    lines.append("Relay's resident memory by kind (MiB; anon: thread arenas, large blocks, pymalloc, native "
                 "buffers): " + "; ".join(f"{when} " + ", ".join(f"{k} {v}" for k, v in m.items())
                                          for when, m in result["relay_memory_map"].items()))
    if result["memory_reports"]:
        lines += ["Memory reports of the relay (lines: allocations traced since its first report)"]
        lines += [render_report(name, report) for name, report in result["memory_reports"].items()]
    verdicts = {True: "PASS", False: "FAIL", None: "-"}
    lines += ["\nChecks", table(["check", "result", "detail"],
                                [[c["name"], verdicts[c["ok"]], c["detail"]] for c in result["checks"]])]
    problems = [f"{c['call_sid']}: {e}" for c in result["per_call"] for e in c["errors"]]
    problems += [f"{f['name']}: {m}" for f in result["flows"] for m in f["missing"]]
    problems += [f"dead-lettered: {d}" for d in result["dead_letters"]]
    if problems:
        lines += [f"\nproblems ({len(problems)}, first 20):"] + [f"  - {p}" for p in problems[:20]]
    lines.append("\n" + verdict(result["checks"], args))
    return "\n".join(lines)


def verdict(results: list[dict], args: argparse.Namespace) -> str:
    failed = [c for c in results if c["ok"] is False]
    shape = f"{args.calls} concurrent calls for {args.minutes:g} min"
    if not failed:
        return f"PASS: this machine held {shape}."
    line = f"FAIL ({', '.join(c['name'] for c in failed)}): "
    if any(c["load"] for c in failed):
        return line + f"this machine did not hold {shape}; run again with fewer --calls to find the most it holds."
    return line + "the relay's memory grew over the hold, whatever the load (see the memory line)."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200, help="concurrent calls")
    parser.add_argument("--minutes", type=float, default=5.0, help="how long they are held, after the ramp")
    parser.add_argument("--call-seconds", type=float,
                        help=f"churn: each call hangs up after about this long and a new one starts (>= {MIN_CALL_S:g})")
    parser.add_argument("--drain-seconds", type=float, default=120.0,
                        help="after the calls, how long to wait for the post-call pipeline before checking")
    parser.add_argument("--rounds", type=int, default=1,
                        help="soaks run back to back on the same stack and relay: retention or leak")
    parser.add_argument("--memory-report", type=Path, metavar="DIR",
                        help="the relay reports its memory into DIR at idle and after each drain")
    parser.add_argument("--trace-allocations", action="store_true",
                        help="with --memory-report: the relay traces Python allocations (slower)")
    parser.add_argument("--keep-logs", type=Path, help="copy the stack's logs here before removing it")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.minutes <= 0 or args.rounds < 1:
        parser.error("--calls, --minutes and --rounds must be positive")
    if args.call_seconds is not None and args.call_seconds < MIN_CALL_S:
        parser.error(f"--call-seconds must be at least {MIN_CALL_S:g}")
    if args.memory_report:
        args.memory_report = args.memory_report.resolve()
        os.environ[MEMORY_REPORT_ENV] = str(args.memory_report)  # the stack's processes inherit it
        if args.trace_allocations:
            os.environ[TRACE_ENV] = "true"
    began = time.monotonic()
    results = []
    with running_stack(args.keep_logs) as info:
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"\n=== round {number} of {args.rounds} (the same relay, pid "
                      f"{info.processes['relay']['pid']}) ===", flush=True)
            results.append(asyncio.run(run(info, args.calls, args.minutes, args.call_seconds, args.drain_seconds,
                                           args.memory_report)))
            print(render(results[-1], args))
    elapsed = time.monotonic() - began
    if args.rounds > 1:
        print("\nRounds on one relay (RSS MiB): " + "; ".join(
            f"{n}: idle {r['baseline_rss_mb']}, after the drain {r['rss_after_drain_mb']}"
            for n, r in enumerate(results, 1)))
    path = write_results("soak", {"calls": args.calls, "minutes": args.minutes, "call_seconds": args.call_seconds,
                                  "cores": os.cpu_count(), "stack_settings": STACK_SETTINGS, **results[-1],
                                  "rounds": [{k: r[k] for k in ("baseline_rss_mb", "rss_after_drain_mb", "memory",
                                                                "relay_memory_map", "memory_reports", "checks")}
                                             for r in results],
                                  "runtime_s": round(elapsed, 1)}, compact=True)
    print(f"\n{elapsed:.0f} s in all; results: {path}")
    return 1 if any(c["ok"] is False for r in results for c in r["checks"]) else 0


if __name__ == "__main__":
    sys.exit(main())
