"""In-memory `WorkflowRunner` for unit tests: records every start; can be told to fail."""

from __future__ import annotations

from typing import Any


class RecordingWorkflowRunner:
    def __init__(self) -> None:
        self.started: list[dict[str, Any]] = []
        self.fail_with: Exception | None = None

    def start(self, argument: dict[str, Any]) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.started.append(argument)
        return f"projects/test/locations/test/workflows/post-call/executions/{len(self.started)}"
