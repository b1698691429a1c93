"""Composition root of knowledge_action: built once per instance, on first use (lazy global)."""

from __future__ import annotations

import functools

from callbot import logs, tracing
from callbot.action_functions.adapters import make_knowledge
from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings
from callbot.bus.pubsub import PubSubPublisher
from callbot.messages import ActionPort
from functions.knowledge_action import operations


@functools.cache
def action_handler() -> ActionHandler:
    settings = ActionSettings()
    logs.configure(settings.log_level)
    tracing.configure_from(settings, "knowledge_action")
    return ActionHandler(ActionPort.KNOWLEDGE, operations.bind(make_knowledge(settings)),
                         PubSubPublisher(settings.project_id), settings)
