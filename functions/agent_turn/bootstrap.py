"""Composition root of agent_turn: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs, tracing
from callbot.bus.pubsub import PubSubPublisher
from callbot.composition import built_once
from callbot.settings import AgentTurnSettings
from functions.agent_turn.handler import TurnHandler


@built_once
def turn_handler() -> TurnHandler:
    from callbot.agents.graph import build_graph
    from callbot.checkpoint.firestore import FirestoreSaver
    from callbot.llm.providers import chat_model
    from callbot.store.call_log import FirestoreCallLog

    settings = AgentTurnSettings()
    logs.configure(settings.log_level)
    tracing.configure_from(settings, "agent_turn")
    saver = FirestoreSaver.from_project(settings.project_id)
    graph = build_graph(saver, chat_model(settings), settings)
    return TurnHandler(graph, PubSubPublisher(settings.project_id), settings,
                       FirestoreCallLog(saver.client, settings.call_retention_days))
