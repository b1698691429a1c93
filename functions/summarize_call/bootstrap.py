"""Composition root of summarize_call: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs
from callbot.composition import built_once
from callbot.post_call.records import FirestoreCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.post_call.summarizer import make_summarizer
from functions.summarize_call.step import SummarizeCall


@built_once
def step() -> SummarizeCall:
    settings = PostCallSettings()
    logs.configure(settings.log_level)
    return SummarizeCall(FirestoreCallRecords.from_project(settings.project_id), make_summarizer(settings))
