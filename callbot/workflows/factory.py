"""The one place that picks the `WorkflowRunner` adapter, from settings."""

from __future__ import annotations

from callbot.post_call.settings import PostCallSettings
from callbot.workflows import WorkflowRunner


def workflow_runner(settings: PostCallSettings) -> WorkflowRunner:
    match settings.workflow_engine:
        case "cloud":
            from callbot.workflows.cloud import CloudWorkflowRunner

            return CloudWorkflowRunner(settings.project_id, settings.workflow_location, settings.workflow_id)
        case "emulator":
            from callbot.workflows.emulator import EmulatorWorkflowRunner

            if not settings.workflows_emulator_url:
                raise ValueError("CALLBOT_WORKFLOWS_EMULATOR_URL is required with the emulator engine")
            return EmulatorWorkflowRunner(settings.workflows_emulator_url, settings.project_id,
                                          settings.workflow_location, settings.workflow_id)
        case other:
            raise ValueError(f"unknown workflow engine {other!r}")
