"""Composition root of sync_crm: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs
from callbot.action_functions.adapters import make_crm
from callbot.action_functions.settings import ActionSettings
from callbot.composition import built_once
from callbot.post_call.records import FirestoreCallRecords
from functions.sync_crm.step import SyncCrm


@built_once
def step() -> SyncCrm:
    settings = ActionSettings()
    logs.configure(settings.log_level)
    return SyncCrm(FirestoreCallRecords.from_project(settings.project_id), make_crm(settings), settings.company_timezone)
