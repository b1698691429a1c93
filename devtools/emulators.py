"""Google's Firestore and Pub/Sub emulators from the Cloud SDK, on free ports.

Starting is split in two, so that a caller can do other work while the JVMs boot: `spawn_emulators`
starts them, `settle_emulators` waits until each answers and starts again on another port one whose
port was taken meanwhile by a process that is not ours.
"""

from __future__ import annotations

from pathlib import Path

from devtools.processes import Child, PortTaken, free_port, signals_deferred, spawn, wait_http_ok

KINDS = ("firestore", "pubsub")
START_ATTEMPTS = 3


def spawn_emulator(kind: str, log_dir: Path) -> tuple[Child, str]:
    """Start the `firestore` or `pubsub` emulator; return the child and its host:port at once."""
    if kind not in KINDS:
        raise ValueError(f"unknown emulator {kind!r}")
    host_port = f"127.0.0.1:{free_port()}"
    argv = ["gcloud", "beta", "emulators", kind, "start", f"--host-port={host_port}", "--quiet"]
    return spawn(f"{kind}-emulator", argv, log_dir), host_port


def wait_emulator(child: Child, host_port: str, timeout_s: float = 60.0) -> None:
    """Block until the emulator answers; stop it and raise if it does not (`PortTaken` as soon as
    its log says the port was taken: the `gcloud` wrapper outlives the Java server it forks, so its
    process group alone does not tell)."""
    try:
        wait_http_ok(f"http://{host_port}/", timeout_s, child)
    except BaseException:
        child.stop()
        raise


def spawn_emulators(kinds: tuple[str, ...], log_dir: Path, started: list[Child]) -> dict[str, tuple[Child, str]]:
    """Start each emulator of `kinds`; every child is appended to `started` before an interruption
    can land, so that whoever keeps that list stops it."""
    spawned = {}
    for kind in kinds:
        with signals_deferred():
            spawned[kind] = spawn_emulator(kind, log_dir)
            started.append(spawned[kind][0])
    return spawned


def settle_emulators(spawned: dict[str, tuple[Child, str]], log_dir: Path, started: list[Child],
                     timeout_s: float = 60.0) -> dict[str, str]:
    """Wait until each spawned emulator answers, starting one again (on another port, up to
    START_ATTEMPTS times) whose port was taken; its host:port by kind."""
    hosts = {}
    for kind, (child, host_port) in spawned.items():
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                wait_emulator(child, host_port, timeout_s)
                break
            except PortTaken:
                started.remove(child)
                if attempt == START_ATTEMPTS:
                    raise
                [(child, host_port)] = spawn_emulators((kind,), log_dir, started).values()
        hosts[kind] = host_port
    return hosts


def start_emulator(kind: str, log_dir: Path, timeout_s: float = 60.0) -> tuple[Child, str]:
    """Start one emulator and wait until it answers."""
    started: list[Child] = []
    host_port = settle_emulators(spawn_emulators((kind,), log_dir, started), log_dir, started, timeout_s)[kind]
    return started[-1], host_port
