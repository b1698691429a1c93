"""Composition root of knowledge_action: built once per instance, on first use (lazy global)."""

from __future__ import annotations

import functools

from callbot import logs
from callbot.actions.handler import ActionHandler
from callbot.actions.settings import ActionSettings
from callbot.bus.pubsub import PubSubPublisher
from callbot.knowledge import KnowledgePort
from callbot.messages import ActionPort
from functions.knowledge_action import operations


@functools.cache
def action_handler() -> ActionHandler:
    settings = ActionSettings()
    logs.configure(settings.log_level)
    return ActionHandler(ActionPort.KNOWLEDGE, operations.bind(make_knowledge(settings)),
                         PubSubPublisher(settings.project_id), settings)


def make_knowledge(settings: ActionSettings) -> KnowledgePort:
    """The knowledge base adapter named by `knowledge_backend`."""
    match settings.knowledge_backend:
        case "memory":
            from devtools.demo_company import demo_knowledge

            return demo_knowledge()
        case other:
            raise ValueError(f"unknown knowledge_backend {other!r}")
