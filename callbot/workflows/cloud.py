"""Cloud Workflows adapter of `WorkflowRunner`: `ExecutionsClient.create_execution`."""

from __future__ import annotations

import json
from typing import Any

from callbot.errors import PermanentError, RetryableError


class CloudWorkflowRunner:
    def __init__(self, project_id: str, location: str, workflow_id: str, client: Any | None = None) -> None:
        self._parent = f"projects/{project_id}/locations/{location}/workflows/{workflow_id}"
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.cloud.workflows import executions_v1

            self._client = executions_v1.ExecutionsClient()
        return self._client

    def start(self, argument: dict[str, Any]) -> str:
        from google.api_core import exceptions

        try:
            execution = self.client.create_execution(
                request={"parent": self._parent, "execution": {"argument": json.dumps(argument)}}, timeout=30)
        except (exceptions.TooManyRequests, exceptions.ServerError, exceptions.DeadlineExceeded,
                exceptions.RetryError) as exc:
            raise RetryableError(f"starting {self._parent} failed: {exc}") from exc
        except exceptions.GoogleAPICallError as exc:
            raise PermanentError(f"starting {self._parent} was refused: {exc}") from exc
        return execution.name
