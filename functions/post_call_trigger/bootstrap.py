"""Composition root of post_call_trigger: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs
from callbot.bus.pubsub import PubSubPublisher
from callbot.composition import built_once
from callbot.post_call.records import FirestoreCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.workflows.factory import workflow_runner
from functions.post_call_trigger.trigger import PostCallTrigger


@built_once
def trigger() -> PostCallTrigger:
    settings = PostCallSettings()
    logs.configure(settings.log_level)
    return PostCallTrigger(FirestoreCallRecords.from_project(settings.project_id), workflow_runner(settings),
                           PubSubPublisher(settings.project_id), settings)
