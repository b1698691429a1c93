"""workflows/post_call.yaml run by workflows-emulator against one scripted HTTP server that stands in for
the four post-call functions: the order of the calls, the retries, and what record_post_call is told.

Each path of the server answers from a script of status codes (then 200) and every request is
recorded in order. Retries wait 1 s, then 2 s: a test that retries twice costs about 3 s. The case that
runs out of retries uses a copy of the workflow that retries once, since the real 4 retries wait 15 s
in all (the schema the emulator enforces takes only an integer for `max_retries`, so the count cannot
come from an environment variable); the real policy is pinned by test_post_call_workflow_schema.py.
"""

from __future__ import annotations

import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import pytest
import requests
import yaml

from callbot.post_call import FAILED, PIPELINE, PROCESSED, Step
from devtools.workflows_emulator import (
    EMULATOR_BIN,
    WORKFLOW_FILE,
    emulator_bin,
    execution_body,
    executions_url,
    start_workflows_emulator,
)
from tests.conftest import LOG_DIR

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not EMULATOR_BIN.exists(), reason=f"{EMULATOR_BIN} is missing: run `make install`"),
]

ALL_STEPS = (*PIPELINE, Step.RECORD)


class ScriptedFunctions:
    """An HTTP server answering POST /<step> from a per-step script of status codes (200 once the
    script is used up), recording every request as (step, body) in arrival order."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._scripts: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="scripted-functions", daemon=True)

    @property
    def urls(self) -> dict[str, str]:
        host, port = self._server.server_address[:2]
        return {step: f"http://{host}:{port}/{step}" for step in ALL_STEPS}

    def script(self, step: str, *codes: int) -> None:
        with self._lock:
            self._scripts[step] = list(codes)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripts.clear()

    def calls(self) -> list[str]:
        return [step for step, _ in self.requests]

    def bodies(self, step: str) -> list[dict[str, Any]]:
        return [body for called, body in self.requests if called == step]

    def _answer(self, step: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append((step, body))
            script = self._scripts.get(step, [])
            code = script.pop(0) if script else 200
        if code == 200:
            return 200, {"step": step, "call_id": body.get("call_id")}
        if code == 422:
            return 422, {"error": f"{step} refused the call", "step": step, "retryable": False}
        return code, {"error": f"{step} is unavailable", "step": step, "retryable": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        functions = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                code, answer = functions._answer(self.path.strip("/"), body)
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def scripted_functions() -> Iterator[ScriptedFunctions]:
    with ScriptedFunctions() as functions:
        yield functions


@pytest.fixture
def functions(scripted_functions) -> ScriptedFunctions:
    scripted_functions.reset()
    return scripted_functions


def _emulator(urls: dict[str, str], workflow_file: Path = WORKFLOW_FILE) -> Iterator[str]:
    child, url = start_workflows_emulator(LOG_DIR, urls, workflow_file=workflow_file)
    try:
        yield url
    finally:
        child.stop()


@pytest.fixture(scope="module")
def workflows(scripted_functions) -> Iterator[str]:
    """Base URL of an emulator running workflows/post_call.yaml."""
    yield from _emulator(scripted_functions.urls)


@pytest.fixture(scope="module")
def workflows_one_retry(scripted_functions, tmp_path_factory) -> Iterator[str]:
    """Base URL of an emulator running a copy of the workflow that retries a step once, after 1 s.
    (max_delay 2 also spares the 2 s the emulator would sleep after the last attempt.)"""
    workflow = yaml.safe_load(WORKFLOW_FILE.read_text())
    retry = workflow["call_step"]["steps"][0]["post"]["retry"]
    retry["max_retries"] = 1
    retry["backoff"]["max_delay"] = 2
    path = tmp_path_factory.mktemp("workflow") / "post_call_one_retry.yaml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False))
    yield from _emulator(scripted_functions.urls, path)


def run(base_url: str, call_id: str) -> requests.Response:
    return requests.post(executions_url(base_url), json=execution_body({"call_id": call_id, "run": 1}),
                         timeout=60)


@pytest.fixture
def call_id() -> str:
    return f"CA{uuid.uuid4().hex}"


def test_happy_path_calls_every_step_in_order_and_records_the_results(workflows, functions, call_id):
    response = run(workflows, call_id)

    assert response.status_code == 200, response.text
    assert functions.calls() == list(ALL_STEPS)
    for step in PIPELINE:
        (body,) = functions.bodies(step)
        assert body["call_id"] == call_id
        assert body["execution"]
    (record,) = functions.bodies(Step.RECORD)
    expected_results = {step: {"step": step, "call_id": call_id} for step in PIPELINE}
    assert record["status"] == PROCESSED
    assert record["results"] == expected_results
    assert response.json() == {"call_id": call_id, "status": PROCESSED, "results": expected_results}


def test_a_transient_failure_is_retried_and_the_pipeline_completes(workflows, functions, call_id):
    functions.script(Step.SYNC_CRM, 503, 503, 200)

    response = run(workflows, call_id)

    assert response.status_code == 200, response.text
    assert functions.calls() == [Step.SUMMARIZE, *[Step.SYNC_CRM] * 3, Step.SEND_CONFIRMATION, Step.RECORD]
    assert functions.bodies(Step.RECORD)[0]["status"] == PROCESSED


def test_a_permanent_failure_stops_the_pipeline_and_is_recorded(workflows, functions, call_id):
    functions.script(Step.SYNC_CRM, 422)

    response = run(workflows, call_id)

    assert response.status_code == 500
    assert functions.calls() == [Step.SUMMARIZE, Step.SYNC_CRM, Step.RECORD]
    (record,) = functions.bodies(Step.RECORD)
    assert record["call_id"] == call_id
    assert record["status"] == FAILED
    assert record["step"] == Step.SYNC_CRM
    assert record["error"]["code"] == 422
    assert record["error"]["body"] == {"error": "sync_crm refused the call", "step": "sync_crm",
                                       "retryable": False}
    assert "headers" not in record["error"]


def test_a_step_still_failing_after_the_last_retry_is_recorded_as_failed(workflows_one_retry, functions,
                                                                          call_id):
    functions.script(Step.SEND_CONFIRMATION, 503, 503, 503)

    response = run(workflows_one_retry, call_id)

    assert response.status_code == 500
    assert functions.calls() == [Step.SUMMARIZE, Step.SYNC_CRM, Step.SEND_CONFIRMATION,
                                 Step.SEND_CONFIRMATION, Step.RECORD]
    (record,) = functions.bodies(Step.RECORD)
    assert record["status"] == FAILED
    assert record["step"] == Step.SEND_CONFIRMATION
    assert record["error"]["code"] == 503


def test_retry_predicate_retries_rate_limits_server_errors_and_lost_connections(tmp_path):
    """The emulator lets a refused connection escape the workflow, so the predicate's tag branch is run
    directly: a throwaway workflow feeds it error maps shaped like Cloud Workflows' errors."""
    cases = [
        ({"code": 429, "tags": ["HttpError"]}, True),
        ({"code": 500, "tags": ["HttpError"]}, True),
        ({"code": 502, "tags": ["HttpError"]}, True),
        ({"code": 503, "tags": ["HttpError"]}, True),
        ({"code": 504, "tags": ["HttpError"]}, True),
        ({"code": 422, "tags": ["HttpError"]}, False),
        ({"code": 404, "tags": ["HttpError"]}, False),
        ({"message": "refused", "tags": ["ConnectionError"]}, True),
        ({"message": "refused", "tags": ["ConnectionFailedError"]}, True),
        ({"message": "too slow", "tags": ["TimeoutError"]}, True),
        ({"message": "bad type", "tags": ["TypeError"]}, False),
        ({"message": "raised without tags"}, False),
    ]
    predicate = yaml.safe_load(WORKFLOW_FILE.read_text())["retry_transient"]
    probe = {
        "main": {"params": ["args"], "steps": [
            {"init": {"assign": [{"answers": []}]}},
            {"each": {"for": {"value": "error", "in": "${args.errors}", "steps": [
                {"ask": {"call": "retry_transient", "args": {"e": "${error}"}, "result": "answer"}},
                {"keep": {"assign": [{"answers": "${list.concat(answers, answer)}"}]}},
            ]}}},
            {"done": {"return": "${answers}"}},
        ]},
        "retry_transient": predicate,
    }
    source = tmp_path / "probe.yaml"
    source.write_text(yaml.safe_dump(probe, sort_keys=False))
    data = json.dumps({"errors": [error for error, _ in cases]})

    done = subprocess.run([str(emulator_bin()), "--source", str(source), "--env-file", str(tmp_path / "none.env"),
                           "--loglevel", "ERROR", "run", "--data", data],
                          capture_output=True, text=True, timeout=60, check=True)

    assert json.loads(done.stdout) == [retry for _, retry in cases]


def test_the_emulator_adapter_starts_an_execution_without_waiting_for_it(workflows, functions, call_id):
    """EmulatorWorkflowRunner, as post_call_trigger uses it in dev: `start` returns an execution name
    at once, the run goes on in the background, and a stopped emulator is a retryable failure."""
    import time

    from callbot.errors import RetryableError
    from callbot.workflows.emulator import EmulatorWorkflowRunner

    functions.script(Step.SUMMARIZE, 503)  # the run takes over a second: a retry waits 1 s
    runner = EmulatorWorkflowRunner(workflows, "callbot-it", "us-central1", "post-call")
    started = time.monotonic()
    name = runner.start({"call_id": call_id, "run": 1})
    assert time.monotonic() - started < 0.5
    assert name.startswith("projects/callbot-it/locations/us-central1/workflows/post-call/executions/")
    for thread in runner.threads:
        thread.join(timeout=30)
    assert functions.calls() == [Step.SUMMARIZE, *ALL_STEPS]
    assert functions.bodies(Step.RECORD)[0]["call_id"] == call_id
    with pytest.raises(RetryableError):
        EmulatorWorkflowRunner("http://127.0.0.1:9", "callbot-it", "us-central1", "post-call").start({"call_id": "x"})
