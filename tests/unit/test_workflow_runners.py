"""The WorkflowRunner adapters: what the Cloud Workflows one asks the executions API, how it maps
failures, and which adapter settings choose."""

import json

import pytest
from google.api_core import exceptions

from callbot.errors import PermanentError, RetryableError
from callbot.post_call.settings import PostCallSettings
from callbot.workflows.cloud import CloudWorkflowRunner
from callbot.workflows.emulator import EmulatorWorkflowRunner
from callbot.workflows.factory import workflow_runner


class Execution:
    name = "projects/p1/locations/europe-west1/workflows/post-call/executions/e-1"


class ExecutionsClient:
    def __init__(self, fail_with=None):
        self.requests, self.fail_with = [], fail_with

    def create_execution(self, request, timeout):
        self.requests.append((request, timeout))
        if self.fail_with:
            raise self.fail_with
        return Execution()


def test_an_execution_is_created_on_the_workflow_with_the_argument_as_json():
    client = ExecutionsClient()
    runner = CloudWorkflowRunner("p1", "europe-west1", "post-call", client=client)
    assert runner.start({"call_id": "CA1", "run": 1}) == Execution.name
    [(request, _)] = client.requests
    assert request["parent"] == "projects/p1/locations/europe-west1/workflows/post-call"
    assert json.loads(request["execution"]["argument"]) == {"call_id": "CA1", "run": 1}


@pytest.mark.parametrize("error, expected", [
    (exceptions.ServiceUnavailable("down"), RetryableError),
    (exceptions.TooManyRequests("quota"), RetryableError),
    (exceptions.DeadlineExceeded("slow"), RetryableError),
    (exceptions.NotFound("no such workflow"), PermanentError),
    (exceptions.PermissionDenied("no invoker role"), PermanentError),
])
def test_failures_are_retryable_or_permanent(error, expected):
    runner = CloudWorkflowRunner("p1", "europe-west1", "post-call", client=ExecutionsClient(fail_with=error))
    with pytest.raises(expected):
        runner.start({"call_id": "CA1", "run": 1})


def test_settings_choose_the_adapter():
    assert isinstance(workflow_runner(PostCallSettings(workflow_engine="cloud")), CloudWorkflowRunner)
    emulator = PostCallSettings(workflow_engine="emulator", workflows_emulator_url="http://127.0.0.1:9")
    assert isinstance(workflow_runner(emulator), EmulatorWorkflowRunner)
    with pytest.raises(ValueError):
        workflow_runner(PostCallSettings(workflow_engine="emulator"))
