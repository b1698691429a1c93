"""What the load benchmarks (`bench.relay_capacity`, `bench.soak`) share: the local stack they run
against, the relay process they measure, CPU snapshots of every process, a sampler of the relay's
memory and of this process's event loop, and one simulated call checked against its call document.

The stack runs in a temporary folder with the scripted STT, the tone TTS and silence timers of an
hour, so that silence never changes a call; it is stopped on the way out, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import proc_stats
from callbot.call_document import CLOSED, CallDocument
from devtools import stack
from devtools.processes import patched_environ
from devtools.simcall import scenario as sc
from devtools.simcall.caller import CallTarget, SimulatedCall
from devtools.simcall.report import CallReport
from devtools.simcall.voices import tone_voice

STACK_SETTINGS = {"CALLBOT_SILENCE_REPROMPT_S": "3600", "CALLBOT_SILENCE_HANGUP_S": "3600",
                  "CALLBOT_MAX_CALL_S": "7200"}
# the relay closed the call; the post-call pipeline may already have moved it on


@contextmanager
def running_stack(keep_logs: Path | None = None) -> Iterator[stack.StackInfo]:
    """The local stack in a temporary folder, with the emulators' environment set; stopped (and its
    logs copied to `keep_logs`) on the way out."""
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="callbot-bench-") as tmp:
        state_dir = Path(tmp)
        print("starting the local stack (scripted STT, tone TTS)...", flush=True)
        try:
            info = stack.up(state_dir, stt="scripted", tts="tone", settings=STACK_SETTINGS)
            print(f"stack up in {time.monotonic() - began:.1f} s", flush=True)
            with patched_environ(info.emulator_env()):
                yield info
        finally:
            stopped = stack.down(state_dir)
            print(f"stack stopped: {', '.join(stopped) or 'nothing was running'}", flush=True)
            if keep_logs is not None and (state_dir / "logs").exists():
                shutil.copytree(state_dir / "logs", keep_logs, dirs_exist_ok=True)


def relay_process(info: stack.StackInfo) -> dict:
    """Check that the recorded pid is the uvicorn process itself (not a wrapper) and say so."""
    pid = info.processes["relay"]["pid"]
    argv = proc_stats.cmdline(pid)
    stat = proc_stats.process_stat(pid)
    if "uvicorn" not in argv:
        raise RuntimeError(f"relay pid {pid} is not uvicorn: {argv}")
    return {"pid": pid, "cmdline": " ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv)),
            "group_leader": stat.pgrp == pid, "threads": stat.threads, "children": proc_stats.children(pid)}


@dataclass
class Snapshot:
    """CPU seconds so far of the relay, this process, every process group of the stack and the
    machine. Reads all of /proc: for the start and end of a measurement, not every tick."""

    wall: float
    relay_cpu: float
    sim_cpu: float
    groups: dict[str, float]
    machine_busy: float

    @classmethod
    def take(cls, info: stack.StackInfo) -> Snapshot:
        relay = info.processes["relay"]["pid"]
        own = os.times()
        return cls(wall=time.monotonic(), relay_cpu=proc_stats.process_stat(relay).cpu_s,
                   sim_cpu=own.user + own.system,
                   groups={name: proc_stats.group_cpu_s(p["pid"]) for name, p in info.processes.items()},
                   machine_busy=proc_stats.machine_cpu_s()[0])


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    rss_mb: float
    relay_cpu_s: float
    machine_busy_s: float
    calls: int  # what the sampler's `gauge` said: the calls in progress


@dataclass
class Sampler:
    """While calls run: every `every_s`, the relay's RSS and CPU and the machine's CPU; every 20 ms,
    how late this process's event loop wakes up (if the simulator itself falls behind, its own
    figures are not to be trusted)."""

    pid: int
    every_s: float = 0.5
    gauge: Callable[[], int] = lambda: 0
    samples: list[Sample] = field(default_factory=list)
    loop_lag_ms: list[float] = field(default_factory=list)
    loop_lag_at: list[float] = field(default_factory=list)

    @property
    def rss_peak_mb(self) -> float:
        return max((s.rss_mb for s in self.samples), default=0.0)

    def sample(self) -> Sample:
        now = time.monotonic()
        self.samples.append(Sample(at=now, rss_mb=proc_stats.rss_mb(self.pid),
                                   relay_cpu_s=proc_stats.process_stat(self.pid).cpu_s,
                                   machine_busy_s=proc_stats.machine_cpu_s()[0], calls=self.gauge()))
        return self.samples[-1]

    async def run(self) -> None:
        sampled_at = 0.0
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.02)
            self.loop_lag_ms.append((time.monotonic() - started - 0.02) * 1000)
            self.loop_lag_at.append(started)
            if started - sampled_at >= self.every_s:
                self.sample()
                sampled_at = started


@dataclass
class PlacedCall:
    """One simulated call and what it left: the simulator's report (None if the call raised) and
    the call document."""

    call: SimulatedCall
    report: CallReport | None
    doc: CallDocument
    errors: list[str]
    started_at: float  # time.monotonic()
    ended_at: float


async def place_call(info: stack.StackInfo, store, scenario: sc.Scenario) -> PlacedCall:
    """Run `scenario` against the relay with the tone voice; errors: the scenario's, an exception,
    a call the relay did not close, no frame-lag figures on the call document."""
    call = SimulatedCall(CallTarget(info.relay_public_url, info.twilio_auth_token), scenario, store,
                         voice=tone_voice)
    started = time.monotonic()
    try:
        report = await call.run()
    except Exception as exc:  # noqa: BLE001 - a failed call is a result of the benchmark, reported
        return PlacedCall(call, None, {}, [f"{type(exc).__name__}: {exc}"], started, time.monotonic())
    ended = time.monotonic()
    errors = list(report.errors)
    doc = await call_document(store, call.call_sid)
    if report.call_status not in CLOSED and doc.status not in CLOSED:
        errors.append(f"call status {report.call_status!r}")
    if doc.inbound_frames is None:
        errors.append("no inbound lag on the call document")
    return PlacedCall(call, report, doc, errors, started, ended)


async def call_document(store, call_sid: str, timeout_s: float = 10.0) -> CallDocument:
    """The call document once the relay has closed it (lag fields written), or what is there."""
    deadline = time.monotonic() + timeout_s
    doc = CallDocument()
    while time.monotonic() < deadline:
        doc = await store.get_call(call_sid) or CallDocument()
        if doc.inbound_frames is not None:
            break
        await asyncio.sleep(0.25)
    return doc
