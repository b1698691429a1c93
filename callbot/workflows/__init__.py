"""Workflow executions: the `WorkflowRunner` port, which starts one execution of a deployed workflow.

Adapters: `cloud.py` (the Cloud Workflows executions API, `google-cloud-workflows`), `emulator.py`
(the local `workflows-emulator`), `memory.py` (records what was started, for unit tests).
"""

from __future__ import annotations

from typing import Any, Protocol


class WorkflowRunner(Protocol):
    def start(self, argument: dict[str, Any]) -> str:
        """Start an execution with `argument` (the workflow's `params`); return the execution name.
        Raises `RetryableError` when the service may take it later, `PermanentError` when not."""
        ...
