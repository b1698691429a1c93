"""Memory reports on demand, to find what a load leaves in the relay (development only: tracing
every allocation slows the relay down).

With `CALLBOT_MEMORY_REPORT_DIR` set, on SIGUSR1 the relay writes `<dir>/relay-<pid>-<n>.json`: its
RSS, live call sessions and tasks, then the RSS again after glibc's `malloc_trim(0)` has given the
free pages of its heaps back to the system. With `CALLBOT_MEMORY_REPORT_TRACE` too, it traces Python
allocations (tracemalloc) from start-up, and the report adds what tracemalloc holds and the source
lines holding the most more than at the first report.
Python objects still referenced show as lines; memory freed by Python but kept by the allocator
shows as the drop at the trim (`bench.soak --memory-report DIR` asks at idle and after each drain).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import os
import signal
import time
import tracemalloc
from pathlib import Path

from stream_relay.heap_trim import glibc_malloc_trim

log = logging.getLogger(__name__)
FRAMES = 6
TOP_LINES = 25


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class MemoryReport:
    def __init__(self, folder: str, trace: bool = False) -> None:
        self._folder, self._trace = Path(folder), trace
        self._folder.mkdir(parents=True, exist_ok=True)
        self._first: tracemalloc.Snapshot | None = None
        self._numbers = itertools.count(1)

    def install(self) -> None:
        """Write a report on every SIGUSR1; start tracing if asked."""
        if self._trace:
            tracemalloc.start(FRAMES)
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, self.write)
        log.warning("memory reports on SIGUSR1 into %s%s", self._folder,
                    " (allocations traced: slower)" if self._trace else "")

    def write(self) -> Path:
        gc.collect()
        report = {"rss_mib": round(rss_mib(), 1),
                  "call_sessions": sum(type(o).__name__ == "CallSession" for o in gc.get_objects()),
                  "tasks": len(asyncio.all_tasks())}
        if tracemalloc.is_tracing():
            report |= self._traced()
        trim = glibc_malloc_trim()
        started = time.perf_counter()
        if trim is not None:
            trim(0)
        report["malloc_trim_ms"] = round((time.perf_counter() - started) * 1000, 1)
        report["rss_after_malloc_trim_mib"] = round(rss_mib(), 1)
        path = self._folder / f"relay-{os.getpid()}-{next(self._numbers)}.json"
        path.with_suffix(".partial").write_text(json.dumps(report, indent=1))
        os.replace(path.with_suffix(".partial"), path)  # a reader never sees half a report
        log.warning("memory report written: %s", path)
        return path

    def _traced(self) -> dict:
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        first, self._first = self._first or snapshot, self._first or snapshot
        traced, peak = tracemalloc.get_traced_memory()
        return {
            "traced_mib": round(traced / 2**20, 2), "traced_peak_mib": round(peak / 2**20, 2),
            "top_lines_since_first": [{"where": str(s.traceback[0]), "kib": round(s.size / 1024, 1),
                                       "kib_diff": round(s.size_diff / 1024, 1), "count_diff": s.count_diff}
                                      for s in snapshot.compare_to(first, "lineno")[:TOP_LINES]],
            "top_tracebacks_since_first": [{"kib_diff": round(s.size_diff / 1024, 1), "traceback": s.traceback.format()}
                                           for s in snapshot.compare_to(first, "traceback")[:5]],
        }
