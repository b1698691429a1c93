"""A local server (one of the fakes' ASGI apps) run in a background thread of the test process, on a
free port, and a tiny client for the fakes' `/__admin/...` endpoints."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import uvicorn

from devtools.processes import free_port

START_TIMEOUT_S = 10.0


@contextlib.contextmanager
def serving(app: Any, name: str) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 for the block; yields its root URL ("http://127.0.0.1:PORT")."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name=f"{name}-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"{name} did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)


def admin(root_url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET (or POST `body` to) `/__admin/<path>` and return the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{root_url.rstrip('/')}/__admin/{path}", data=data,
                                     headers={"Content-Type": "application/json"},
                                     method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())
