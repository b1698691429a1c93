"""Composition root of crm_action: built once per instance, on first use (lazy global)."""

from __future__ import annotations

import functools

from callbot import logs
from callbot.actions.handler import ActionHandler
from callbot.actions.settings import ActionSettings
from callbot.bus.pubsub import PubSubPublisher
from callbot.crm import CrmPort
from callbot.messages import ActionPort
from functions.crm_action import operations


@functools.cache
def action_handler() -> ActionHandler:
    settings = ActionSettings()
    logs.configure(settings.log_level)
    return ActionHandler(ActionPort.CRM, operations.bind(make_crm(settings)), PubSubPublisher(settings.project_id),
                         settings)


def make_crm(settings: ActionSettings) -> CrmPort:
    """The CRM adapter named by `crm_backend`."""
    match settings.crm_backend:
        case "memory":
            from devtools.demo_company import demo_calendar, demo_crm

            return demo_crm(demo_calendar(settings.calendar_clock()))
        case other:
            raise ValueError(f"unknown crm_backend {other!r}")
