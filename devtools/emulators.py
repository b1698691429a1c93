"""Google's Firestore and Pub/Sub emulators from the Cloud SDK, on free ports."""

from __future__ import annotations

from pathlib import Path

from devtools.processes import Child, free_port, spawn, wait_http_ok

KINDS = ("firestore", "pubsub")


def spawn_emulator(kind: str, log_dir: Path) -> tuple[Child, str]:
    """Start the `firestore` or `pubsub` emulator; return the child and its host:port at once."""
    if kind not in KINDS:
        raise ValueError(f"unknown emulator {kind!r}")
    host_port = f"127.0.0.1:{free_port()}"
    argv = ["gcloud", "beta", "emulators", kind, "start", f"--host-port={host_port}", "--quiet"]
    return spawn(f"{kind}-emulator", argv, log_dir), host_port


def wait_emulator(child: Child, host_port: str, timeout_s: float = 60.0) -> None:
    """Block until the emulator answers; stop it and raise if it does not."""
    try:
        wait_http_ok(f"http://{host_port}/", timeout_s, child)
    except BaseException:
        child.stop()
        raise


def start_emulator(kind: str, log_dir: Path, timeout_s: float = 60.0) -> tuple[Child, str]:
    """Start an emulator and wait until it answers."""
    child, host_port = spawn_emulator(kind, log_dir)
    wait_emulator(child, host_port, timeout_s)
    return child, host_port
