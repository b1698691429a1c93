"""The fake Twilio in a background thread of the test process, on a free port, plus a tiny client
for its admin endpoints (tests and the call report read the messages sent with it)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import uvicorn

from callbot.post_call.settings import DEV_TWILIO_ACCOUNT_SID
from callbot.settings import DEV_TWILIO_AUTH_TOKEN
from devtools.fake_twilio.app import create_app
from devtools.processes import free_port

START_TIMEOUT_S = 10.0


@contextlib.contextmanager
def running_fake_twilio(account_sid: str = DEV_TWILIO_ACCOUNT_SID,
                        auth_token: str = DEV_TWILIO_AUTH_TOKEN) -> Iterator[str]:
    """Serve a fresh fake Twilio on 127.0.0.1 for the block; yields its root URL ("http://host:port"),
    the `api_url` of `TwilioSms`."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(account_sid, auth_token), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name=f"fake-twilio-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the fake Twilio did not start on port {port}")
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
