"""CPU and memory of processes, read from Linux's /proc (no dependency): what the capacity
benchmark charges to the relay, the other processes of the stack, and the simulator itself.

CPU is utime + stime of the process (all its threads), children excluded; clock ticks are
converted to seconds with SC_CLK_TCK. A process group's CPU is the sum over its live members.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessStat:
    pid: int
    pgrp: int
    cpu_s: float  # utime + stime, this process's threads only
    threads: int


def parse_stat(text: str) -> ProcessStat:
    """Parse /proc/<pid>/stat. The command name (field 2) may hold spaces and parentheses, so the
    fields are counted from the last ')'."""
    pid = int(text.split(" ", 1)[0])
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15, num_threads 20
    return ProcessStat(pid=pid, pgrp=int(fields[2]), cpu_s=(int(fields[11]) + int(fields[12])) / TICKS_PER_S,
                       threads=int(fields[17]))


def process_stat(pid: int) -> ProcessStat:
    return parse_stat((PROC / str(pid) / "stat").read_text())


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) in MiB."""
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for pid {pid}")


def cmdline(pid: int) -> list[str]:
    return [a for a in (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0") if a]


def children(pid: int) -> list[int]:
    """Direct children of `pid` (all its threads' children)."""
    found: list[int] = []
    for task in (PROC / str(pid) / "task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def group_cpu_s(pgrp: int) -> float:
    """CPU seconds of every live process in process group `pgrp`."""
    total = 0.0
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = parse_stat((entry / "stat").read_text())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        if stat.pgrp == pgrp:
            total += stat.cpu_s
    return total


def parse_machine(text: str) -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores from /proc/stat's first line."""
    values = [int(v) for v in text.splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / TICKS_PER_S, total / TICKS_PER_S


def machine_cpu_s() -> tuple[float, float]:
    return parse_machine((PROC / "stat").read_text())


def pin_process(pid: int, cpus: set[int]) -> None:
    """Restrict every thread of `pid` to `cpus` (threads it creates later inherit the mask)."""
    for task in (PROC / str(pid) / "task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
        except (ProcessLookupError, FileNotFoundError):
            continue


def pin_group(pgrp: int, cpus: set[int]) -> None:
    """Restrict every live process of process group `pgrp` to `cpus`."""
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if parse_stat((entry / "stat").read_text()).pgrp == pgrp:
                pin_process(int(entry.name), cpus)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue


def memory_map(pid: int) -> dict[str, float]:
    """Where a process's resident memory is, in MiB, from /proc/<pid>/smaps: the main heap (brk),
    anonymous mappings (glibc's per-thread arenas, blocks too large for a heap, Python's pymalloc
    arenas, native libraries' buffers), thread stacks, and file-backed pages (code, shared
    libraries); also the largest anonymous mapping and the thread count."""
    return parse_smaps((PROC / str(pid) / "smaps").read_text()) | {"threads": process_stat(pid).threads}


def parse_smaps(text: str) -> dict[str, float]:
    kib = {"heap": 0, "anon": 0, "stack": 0, "file": 0}
    largest_anon = anon_count = 0
    kind = "anon"
    for line in text.splitlines():
        first = line.split(maxsplit=6)
        if len(first) >= 5 and "-" in first[0] and ":" in first[3]:  # a mapping's header line
            name = first[5] if len(first) > 5 else ""
            kind = ("heap" if name == "[heap]" else "stack" if name.startswith("[stack") else
                    "file" if name.startswith("/") else "anon")
            if kind == "anon":
                anon_count += 1
        elif line.startswith("Rss:"):
            value = int(line.split()[1])
            kib[kind] += value
            if kind == "anon":
                largest_anon = max(largest_anon, value)
    return {**{k: round(v / 1024, 1) for k, v in kib.items()}, "largest_anon": round(largest_anon / 1024, 1),
            "anon_mappings": anon_count}
