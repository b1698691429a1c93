"""Run the fake Salesforce in-process, on a free port, for the length of a `with` block."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn

from devtools.fake_salesforce.app import create_app
from devtools.processes import free_port, wait_http_ok

START_TIMEOUT_S = 10.0


@contextlib.contextmanager
def running_fake_salesforce(seed: dict | None = None) -> Iterator[str]:
    """Serve a fresh org loaded with `seed` on 127.0.0.1; yields its base URL (`http://127.0.0.1:PORT`)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(seed), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"fake-salesforce-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        wait_http_ok(url + "/__admin/health", timeout_s=max(0.1, deadline - time.monotonic()))
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=5)
