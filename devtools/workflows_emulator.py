"""workflows-emulator running `workflows/post_call.yaml` on a free port, pointed at the post-call functions.

The emulator has a virtual environment of its own (`.venv-workflows`, made by `make install`), as it
pins an old fastapi. It serves the executions path of the Workflows REST API, but runs the whole
workflow inside the request: the answer is the workflow's return value (200), or a 500 when the
execution failed. It also differs from Cloud Workflows in how it reads the execution argument: it
binds the argument's top-level keys to `main`'s params by name, so an argument meant for
`params: [args]` is sent as `{"args": argument}` (see `execution_body`).
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from callbot.production_settings import WORKFLOW_AUTH_VARIABLE, WORKFLOW_FILE, WORKFLOW_URL_VARIABLES
from devtools.processes import Child, free_port, spawn

ROOT = Path(__file__).resolve().parent.parent
EMULATOR_BIN = ROOT / ".venv-workflows/bin/workflows-emulator"
MAIN_PARAM = "args"

# the workflow reads its steps' URLs and how to call them from these variables (as in the cloud)
URL_VARIABLES, AUTH_VARIABLE = WORKFLOW_URL_VARIABLES, WORKFLOW_AUTH_VARIABLE


def emulator_bin() -> Path:
    """The emulator's executable; a clear error when the virtual environment was never made."""
    if not EMULATOR_BIN.exists():
        raise FileNotFoundError(f"{EMULATOR_BIN} is missing: run `make install` to create .venv-workflows")
    return EMULATOR_BIN


def workflow_variables(function_urls: dict[str, str]) -> dict[str, str]:
    """The workflow's environment: each step's URL (keyed by step name) and anonymous calls."""
    missing = sorted(str(step) for step in URL_VARIABLES if step not in function_urls)
    if missing:
        raise ValueError(f"function URLs missing for {', '.join(missing)}")
    return {**{var: function_urls[step] for step, var in URL_VARIABLES.items()}, AUTH_VARIABLE: "none"}


def spawn_workflows_emulator(log_dir: Path, function_urls: dict[str, str], env: dict[str, str] | None = None,
                             workflow_file: Path = WORKFLOW_FILE) -> tuple[Child, str]:
    """Start the emulator serving `workflow_file`; return the child and its base URL at once.

    The workflow's variables go to `log_dir/workflows-emulator.env` (`--env-file`, also a record of
    what the emulator ran with) and to the process environment, which is what counts: the emulator's
    dotenv loading never overrides a variable already set, and the child inherits ours. `env` adds
    or overrides variables."""
    binary = emulator_bin()
    port = free_port()
    variables = {**workflow_variables(function_urls), **(env or {})}
    log_dir.mkdir(parents=True, exist_ok=True)
    env_file = log_dir / "workflows-emulator.env"
    env_file.write_text("".join(f"{key}={json.dumps(value)}\n" for key, value in variables.items()))
    argv = [str(binary), "--source", str(workflow_file), "--env-file", str(env_file), "serve", "--port", str(port)]
    child = spawn("workflows-emulator", argv, log_dir, env=variables, cwd=ROOT)
    return child, f"http://127.0.0.1:{port}"


def wait_workflows_emulator(child: Child, url: str, timeout_s: float = 30.0) -> None:
    """Block until the emulator accepts connections (it has no health endpoint); stop it and raise if
    it does not."""
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited during start-up; see {child.log_path}")
            try:
                socket.create_connection((parts.hostname, parts.port), timeout=1).close()
                return
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} did not accept connections in {timeout_s}s: {exc}") from exc
            time.sleep(0.05)
    except BaseException:
        child.stop()
        raise


def start_workflows_emulator(log_dir: Path, function_urls: dict[str, str], env: dict[str, str] | None = None,
                             workflow_file: Path = WORKFLOW_FILE, timeout_s: float = 30.0) -> tuple[Child, str]:
    """Start the emulator and wait until it accepts connections."""
    child, url = spawn_workflows_emulator(log_dir, function_urls, env, workflow_file)
    wait_workflows_emulator(child, url, timeout_s)
    return child, url


def executions_url(base_url: str, project: str = "callbot-dev", location: str = "us-central1",
                   workflow_id: str = "post-call") -> str:
    """Where the emulator takes executions (any project, location and workflow id will do)."""
    return f"{base_url.rstrip('/')}/v1/projects/{project}/locations/{location}/workflows/{workflow_id}/executions"


def execution_body(argument: dict[str, Any]) -> dict[str, str]:
    """The request body that starts an execution with `argument` on the emulator."""
    return {"argument": json.dumps({MAIN_PARAM: argument})}
