"""free_port: never the same port twice, never one another process of ours holds, never one that
something listens on, and never in the kernel's ephemeral range that outgoing connections use."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from devtools import processes

# another process of ours that picks ports and holds them until told to end
SIBLING = """
import sys
from devtools.processes import free_port
print(*[free_port() for _ in range(300)], flush=True)
sys.stdin.read()
"""


def test_ports_are_never_handed_out_twice_and_stay_out_of_the_ephemeral_range():
    ports = [processes.free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    low, high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    assert not any(low <= port <= high for port in ports)


def test_a_port_picked_by_another_process_is_not_picked_here():
    other = subprocess.Popen(
        [sys.executable, "-c", SIBLING],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        theirs = set(map(int, other.stdout.readline().split()))
        ours = {processes.free_port() for _ in range(300)}
        assert len(theirs) == 300 and not ours & theirs
    finally:
        other.communicate("")


def test_a_port_something_listens_on_is_not_picked(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        picks, real = iter([busy, busy]), processes._random.randrange
        monkeypatch.setattr(processes._random, "randrange", lambda low, high: next(picks, None) or real(low, high))
        assert processes.free_port() != busy
        assert next(picks, None) is None  # it was offered, and passed over
