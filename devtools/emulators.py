"""Google's Firestore and Pub/Sub emulators from the Cloud SDK, on free ports."""

from __future__ import annotations

from pathlib import Path

from devtools.processes import Child, free_port, spawn, wait_http_ok


def start_emulator(kind: str, log_dir: Path, timeout_s: float = 60.0) -> tuple[Child, str]:
    """Start the `firestore` or `pubsub` emulator; return the child and its host:port once it answers."""
    if kind not in ("firestore", "pubsub"):
        raise ValueError(f"unknown emulator {kind!r}")
    host_port = f"127.0.0.1:{free_port()}"
    argv = ["gcloud", "beta", "emulators", kind, "start", f"--host-port={host_port}", "--quiet"]
    child = spawn(f"{kind}-emulator", argv, log_dir)
    try:
        wait_http_ok(f"http://{host_port}/", timeout_s, child)
    except BaseException:
        child.stop()
        raise
    return child, host_port
