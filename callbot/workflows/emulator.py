"""`workflows-emulator` adapter of `WorkflowRunner` (dev).

The emulator serves the executions path of the Workflows REST API, but runs the whole workflow
inside the request and answers with its result. Cloud Workflows answers at once with the execution
and runs it in the background; to keep that contract, the request is sent from a background thread
and `start` returns as soon as the emulator has accepted the connection. The outcome is logged. The
thread is not a daemon: a short-lived process (the CLI's `post-call rerun`) waits for it at exit.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests

from callbot.errors import RetryableError

log = logging.getLogger(__name__)
# The emulator binds the argument's keys to `main`'s params by name, where Cloud Workflows binds the
# whole argument to its single param: locally the argument is wrapped in that param's name.
MAIN_PARAM = "args"


class EmulatorWorkflowRunner:
    def __init__(self, base_url: str, project_id: str, location: str, workflow_id: str,
                 timeout_s: float = 600) -> None:
        self._base = base_url.rstrip("/")
        self._parent = f"projects/{project_id}/locations/{location}/workflows/{workflow_id}"
        self._timeout_s = timeout_s
        self.threads: list[threading.Thread] = []

    def start(self, argument: dict[str, Any]) -> str:
        parts = urlsplit(self._base)
        try:  # refuse at once when nobody listens, so the caller's message is redelivered
            socket.create_connection((parts.hostname, parts.port or 80), timeout=2).close()
        except OSError as exc:
            raise RetryableError(f"the workflows emulator at {self._base} is not reachable: {exc}") from exc
        name = f"{self._parent}/executions/{uuid.uuid4().hex}"
        thread = threading.Thread(target=self._run, args=(name, argument), name="workflow-execution")
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return name

    def _run(self, name: str, argument: dict[str, Any]) -> None:
        call_id = argument.get("call_id", "")
        try:
            response = requests.post(f"{self._base}/v1/{self._parent}/executions",
                                     json={"argument": json.dumps({MAIN_PARAM: argument})}, timeout=self._timeout_s)
        except requests.RequestException as exc:
            log.error("workflow execution %s failed to run: %s", name, exc, extra={"call_id": call_id})
            return
        if response.ok:
            log.info("workflow execution %s succeeded", name, extra={"call_id": call_id})
        else:
            log.error("workflow execution %s failed: %s %s", name, response.status_code, response.text[:500],
                      extra={"call_id": call_id})
