"""Composition root of knowledge_action: built once per instance, at instance start (`warm`) or on
first use (lazy global)."""

from __future__ import annotations

import logging

from callbot import logs, tracing
from callbot.action_functions.adapters import make_knowledge
from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings
from callbot.bus.pubsub import PubSubPublisher
from callbot.composition import built_once
from callbot.messages import ActionPort
from functions.knowledge_action import operations

log = logging.getLogger(__name__)


@built_once
def action_handler() -> ActionHandler:
    settings = ActionSettings()
    logs.configure(settings.log_level)
    tracing.configure_from(settings, "knowledge_action")
    knowledge = make_knowledge(settings)
    knowledge.warm()  # the embedding model and the keyword index, loaded before the first question
    return ActionHandler(ActionPort.KNOWLEDGE, operations.bind(knowledge), PubSubPublisher(settings.project_id),
                         settings)


def warm() -> None:
    """Build the handler at instance start, so the first caller's question does not wait for the
    knowledge base's model and index. A failure here is logged, not fatal: the first message builds
    again and raises what it meets (Pub/Sub then delivers it again)."""
    try:
        action_handler()
    except Exception:
        log.exception("knowledge_action could not be built at instance start; the first message will build it")
