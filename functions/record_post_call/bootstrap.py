"""Composition root of record_post_call: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs
from callbot.composition import built_once
from callbot.post_call.records import FirestoreCallRecords
from callbot.post_call.settings import PostCallSettings
from functions.record_post_call.step import RecordPostCall


@built_once
def step() -> RecordPostCall:
    settings = PostCallSettings()
    logs.configure(settings.log_level)
    return RecordPostCall(FirestoreCallRecords.from_project(settings.project_id))
