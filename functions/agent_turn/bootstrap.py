"""Composition root of agent_turn: built once per instance, on first use (lazy global)."""

from __future__ import annotations

import functools

from callbot import logs
from callbot.bus.pubsub import PubSubPublisher
from callbot.settings import AgentTurnSettings
from functions.agent_turn.graph import build_graph
from functions.agent_turn.handler import TurnHandler


@functools.cache
def turn_handler() -> TurnHandler:
    from callbot.checkpoint.firestore import FirestoreSaver

    settings = AgentTurnSettings()
    logs.configure(settings.log_level)
    graph = build_graph(FirestoreSaver.from_project(settings.project_id), settings.human_dtmf_digit)
    return TurnHandler(graph, PubSubPublisher(settings.project_id), settings)
