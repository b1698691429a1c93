"""Composition root of crm_action: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs, tracing
from callbot.action_functions.adapters import make_calendar, make_crm
from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings
from callbot.bus.pubsub import PubSubPublisher
from callbot.composition import built_once
from callbot.messages import ActionPort
from functions.crm_action import operations


@built_once
def action_handler() -> ActionHandler:
    settings = ActionSettings()
    logs.configure(settings.log_level)
    tracing.configure_from(settings, "crm_action")
    # meetings live in the calendar backend (the demo CRM in memory carries its own)
    calendar = make_calendar(settings) if settings.calendar_backend != "memory" else None
    return ActionHandler(ActionPort.CRM, operations.bind(make_crm(settings), calendar),
                         PubSubPublisher(settings.project_id), settings)
