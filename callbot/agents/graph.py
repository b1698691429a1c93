"""The conversation graph: a supervisor (router) and the specialists, checkpointed per call.

    START -> supervisor -> identify -> hold -> act -> welcome -> END             (call start)
                        -> lead | calendar | knowledge -> END                     (a reply)
                                         `-> tools -> the active specialist      (handover, details)
                                                   -> hold -> act -> tools ...   (an action function)
                                                   -> finish -> END              (handover, goodbye)
                        -> finish -> END                                          (human digit)
                        -> END                                                    (barge-in report)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from langgraph.graph import END, START, StateGraph

from callbot.agents import action_round_trip
from callbot.agents.action_tools import ActionContext
from callbot.agents.agent_node import make_agent_node
from callbot.agents.calendar import prompts as calendar_prompts
from callbot.agents.calendar import tools as calendar_tools
from callbot.agents.caller import graph as caller
from callbot.agents.caller import tools as caller_tools
from callbot.agents.knowledge import prompts as knowledge_prompts
from callbot.agents.knowledge import tools as knowledge_tools
from callbot.agents.lead import prompts as lead_prompts
from callbot.agents.lead import tools as lead_tools
from callbot.agents.state import AGENTS, ConversationState
from callbot.agents.supervisor import graph as supervisor
from callbot.agents.supervisor.tools import COMMON_TOOLS
from callbot.agents.tool_node import make_tool_node, route_after_tools

ACTIONS = {**caller_tools.ACTIONS, **calendar_tools.ACTIONS, **knowledge_tools.ACTIONS}


def build_graph(checkpointer: Any, model: Any, settings: Any,
                clock: Callable[[], datetime] | None = None) -> Any:
    """The compiled graph; `model` is a LangChain chat model (see `callbot.llm.providers`)."""
    zone = ZoneInfo(settings.company_timezone)

    def now() -> datetime:
        return (clock() if clock else datetime.now(zone)).astimezone(zone)

    def context(state: ConversationState) -> ActionContext:
        return ActionContext(settings=settings, now=now(), language=state.get("language") or "en-US")

    specialists = {
        "lead": ([caller_tools.save_lead], lead_prompts.prompt),
        "calendar": (calendar_tools.TOOLS, calendar_prompts.prompt),
        "knowledge": (knowledge_tools.TOOLS, knowledge_prompts.prompt),
    }  # and every specialist records details whenever the caller gives them (lead_tools.TOOLS)
    builder = StateGraph(ConversationState)
    builder.add_node("supervisor", supervisor.make_router(settings.human_dtmf_digit))
    builder.add_node("identify", caller.identify)
    builder.add_node("welcome", caller.welcome)
    for name, (tools, prompt) in specialists.items():
        builder.add_node(name, make_agent_node(name, model, [*tools, *lead_tools.TOOLS, *COMMON_TOOLS], prompt, settings, now))
        builder.add_conditional_edges(name, _after_agent, ["tools", END])
    builder.add_node("tools", make_tool_node(ACTIONS, context))
    builder.add_node("hold", action_round_trip.hold)
    builder.add_node("act", action_round_trip.make_act(ACTIONS, context, settings.human_dtmf_digit))
    builder.add_node("finish", supervisor.finish)

    builder.add_edge(START, "supervisor")
    builder.add_conditional_edges("supervisor", supervisor.route, ["identify", "finish", *AGENTS, END])
    builder.add_edge("identify", "hold")
    builder.add_edge("hold", "act")
    builder.add_conditional_edges("act", action_round_trip.route_after_act, ["welcome", "tools", "finish", *AGENTS])
    builder.add_conditional_edges("tools", route_after_tools, ["hold", "finish", *AGENTS])
    builder.add_edge("welcome", END)
    builder.add_edge("finish", END)
    return builder.compile(checkpointer=checkpointer)


def _after_agent(state: ConversationState) -> str:
    last = (state.get("messages") or [None])[-1]
    return "tools" if getattr(last, "tool_calls", None) else END
