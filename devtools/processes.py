"""Child processes of the local stack: each in its own process group, on free ports.

`gcloud ... start` is a wrapper that forks Java; killing only the wrapper leaves the JVM running,
so every child gets its own session and is stopped by signalling the whole group.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Ports are picked below the kernel's ephemeral range (32768-60999 on Linux), which outgoing
# connections draw their local ports from: a port picked there can be taken by any HTTP client
# between the moment it is picked and the moment the server binds it.
PORT_RANGE = (20000, 32000)
_LOCK_DIR = Path(tempfile.gettempdir()) / "callbot-ports"
_held: dict[int, int] = {}  # port -> fd of its lock file, held while this process lives
_random = random.Random()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now and that no process of ours picked.

    Each port picked is reserved for the life of the picking process, in this process (never handed
    out twice) and across processes (an exclusive lock on a file per port, released by the kernel
    when the process ends), so two stacks or test runs starting side by side never pick the same
    port. A server can still lose its port to a process that is not ours: starters watch for that
    (`port_taken`) and start again on another."""
    _LOCK_DIR.mkdir(parents=True, exist_ok=True)
    for _ in range(200):
        port = _random.randrange(*PORT_RANGE)
        if port in _held or not _bindable(port):
            continue
        fd = os.open(_LOCK_DIR / f"{port}.lock", os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _held[port] = fd
        return port
    raise RuntimeError(f"no free port in {PORT_RANGE}")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


BIND_FAILURES = ("Address already in use", "BindException", "error while attempting to bind")


def port_taken(child: Child) -> bool:
    """Whether the child's log says it could not bind its port (the Cloud SDK's Java emulators,
    uvicorn and functions-framework each say it their own way)."""
    text = _logged(child)
    return any(marker in text for marker in BIND_FAILURES)


def _logged(child: Child) -> str:
    """What the child has logged since it started ('' before its log exists)."""
    try:
        with open(child.log_path, "rb") as log:
            log.seek(child.log_offset)
            return log.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


class PortTaken(RuntimeError):
    """A server could not bind the port it was given: start it again on another."""


@dataclass
class Child:
    """A started process group and the log file it writes to."""

    name: str
    pid: int
    log_path: Path
    log_offset: int = 0  # where this start's output begins in the (appended) log

    def alive(self) -> bool:
        return group_alive(self.pid)

    def stop(self, grace_s: float = 5.0) -> None:
        stop_group(self.pid, grace_s)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive inside the block take effect when it ends, so that a child
    started inside is recorded (and so stopped on the way out) before the interruption lands. Main
    thread only, as Python's signal handlers."""
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in received[:1]:
            signal.raise_signal(signum)


def spawn(name: str, argv: list[str], log_dir: Path, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> Child:
    """Start `argv` in a new session (so a new process group) with output in `log_dir/name.log`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with open(log_path, "ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, **(env or {})}, cwd=cwd,
        )
    return Child(name=name, pid=proc.pid, log_path=log_path, log_offset=offset)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    _reap(pgid)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _reap(pid: int) -> None:
    """Collect a finished child of ours so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_group(pgid: int, grace_s: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace_s`."""
    stop_groups([pgid], grace_s)


def stop_groups(pgids: list[int], grace_s: float = 5.0) -> None:
    """SIGTERM every process group at once, then SIGKILL whatever is left of them after `grace_s`: they
    shut down side by side (a stack's processes, one after the other, took ten seconds)."""
    running = []
    for pgid in pgids:
        try:
            os.killpg(pgid, signal.SIGTERM)
            running.append(pgid)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + grace_s
    while running and time.monotonic() < deadline:
        running = [pgid for pgid in running if group_alive(pgid)]
        if running:
            time.sleep(0.05)
    for pgid in running:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    while any(group_alive(pgid) for pgid in running) and time.monotonic() < deadline + 2:
        time.sleep(0.05)


def check_starting(child: Child) -> None:
    """Raise if a child that should be starting up has lost its port or exited. A wrapper such as
    `gcloud` outlives the server it forks, so the log is read too, not only the process group."""
    if port_taken(child):
        raise PortTaken(f"{child.name} could not bind its port; see {child.log_path}")
    if not child.alive():
        raise RuntimeError(f"{child.name} exited during start-up; see {child.log_path}")


def wait_listening(host: str, port: int, child: Child, timeout_s: float = 60) -> None:
    """Block until something accepts connections on host:port (for servers without a health URL);
    fail early if `child` lost its port or exited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        check_starting(child)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{child.name} did not listen on {host}:{port} within {timeout_s}s")


def wait_logged(child: Child, marker: str, timeout_s: float = 60) -> None:
    """Block until the child logs `marker` (for a process that serves no port); fail early if it
    exited."""
    deadline = time.monotonic() + timeout_s
    while marker not in _logged(child):
        check_starting(child)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{child.name} did not log {marker!r} within {timeout_s}s; see {child.log_path}")
        time.sleep(0.05)


def wait_http_ok(url: str, timeout_s: float, child: Child | None = None) -> None:
    """Poll `url` until it answers 2xx; fail early if `child` died meanwhile."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if child is not None:
            check_starting(child)
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if 200 <= response.status < 300:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = exc
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy in {timeout_s}s: {last_error}")


@contextlib.contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore what was there before."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
