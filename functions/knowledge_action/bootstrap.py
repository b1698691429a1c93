"""Composition root of knowledge_action: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs, tracing
from callbot.action_functions.adapters import make_knowledge
from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings
from callbot.bus.pubsub import PubSubPublisher
from callbot.composition import built_once
from callbot.messages import ActionPort
from functions.knowledge_action import operations


@built_once
def action_handler() -> ActionHandler:
    settings = ActionSettings()
    logs.configure(settings.log_level)
    tracing.configure_from(settings, "knowledge_action")
    return ActionHandler(ActionPort.KNOWLEDGE, operations.bind(make_knowledge(settings)),
                         PubSubPublisher(settings.project_id), settings)
