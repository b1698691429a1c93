"""Waiting for an action function, and resuming with its result.

`hold` speaks the filler line (from the audio cache) when nothing was said yet in this reply, so
the caller is not left in silence during the round trip. `act` pauses the graph with `interrupt()`:
`agent_turn` publishes the `ActionRequested`, and resumes the graph with `Command(resume=...)` when
the `ActionCompleted` arrives. Caller inputs that arrived meanwhile were queued in the state; they
are taken in after the result, so they are answered once, in the same reply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from langchain_core.messages import ToolMessage
from langgraph.types import interrupt

from callbot.agents.action_tools import ActionContext, ActionSpec
from callbot.agents.speech import Speaker
from callbot.agents.state import ConversationState
from callbot.agents.supervisor.graph import caller_message, cut_to_heard
from callbot.agents.tool_node import unanswered_calls
from callbot.phrases import Phrase, phrase

log = logging.getLogger(__name__)
NO_FILLER = ("find_caller",)  # the greeting is already playing


def hold(state: ConversationState) -> dict[str, Any]:
    """The holding line before an action function, once per reply: said after an acknowledgement
    too ("Happy to set that up. One moment, let me check."), so that the caller knows the bot is at work."""
    speaker = Speaker(state)
    filler = phrase(Phrase.FILLER, state.get("language") or "en-US")
    said = [segment.get("text") for segment in speaker.segments]
    if state["pending"]["action"] not in NO_FILLER and filler not in said:
        speaker.say(filler)
    return {"reply": speaker.segments}


def make_act(actions: dict[str, ActionSpec], context: Callable[[ConversationState], ActionContext],
             human_digit: str):
    def act(state: ConversationState) -> dict[str, Any]:
        pending = state["pending"]
        completion = interrupt(dict(pending))  # {"key", "ok", "result", "error"}
        spec = actions[pending["action"]]
        if completion.get("ok"):
            told, changes = spec.apply(completion.get("result") or {}, pending.get("args") or {}, state,
                                       context(state))
        else:
            log.error("action failed: %s", completion.get("error"), extra={"action": pending["action"]})
            told, changes = {"error": completion.get("error") or "the action failed"}, {}
        update: dict[str, Any] = {**changes, "pending": None, "handled_keys": [completion["key"]],
                                  "last_key": completion["key"], "messages": []}
        if pending.get("tool_call_id"):
            update["messages"].append(ToolMessage(json.dumps(told, ensure_ascii=False, default=str),
                                                  tool_call_id=pending["tool_call_id"], name=pending["action"]))
        remaining = [c for c in unanswered_calls(state.get("messages") or []) if c["id"] != pending.get("tool_call_id")]
        if state.get("queued") and not remaining:
            taken, queued_messages = _take_in_queued(state, human_digit)
            update |= taken
            update["messages"] += queued_messages
        update["resume"] = "tools" if pending.get("tool_call_id") else pending.get("agent", "tools")
        return update

    return act


def _take_in_queued(state: ConversationState, human_digit: str) -> tuple[dict[str, Any], list[Any]]:
    """The inputs that arrived during the action, in order, as one new reply to the latest of them."""
    queued = sorted(state.get("queued") or [], key=lambda q: q["turn_seq"])
    messages: list[Any] = []
    update: dict[str, Any] = {"queued": None}
    for inbound in queued:
        if inbound.get("kind") == "bot_interrupted":
            messages += cut_to_heard(state.get("messages") or [], inbound)
            continue
        messages.append(caller_message(inbound))
        update |= {"reply_turn": inbound["turn_seq"], "reply": [], "steps": 0}
        if inbound.get("kind") == "dtmf" and inbound.get("digit") == human_digit:
            update |= {"transfer": True, "handoff_reason": f"caller pressed {human_digit}"}
    return update, messages


def route_after_act(state: ConversationState) -> str:
    """Back to the tool calls (and from there to the agent), or to the node that asked; a caller who
    spoke during the greeting's lookup is answered by the agent instead of being welcomed."""
    resume = state.get("resume") or "tools"
    if resume == "welcome" and state.get("reply_turn", 0) != state.get("inbound", {}).get("turn_seq", 0):
        return "finish" if state.get("transfer") else state.get("active_agent") or "lead"
    return resume
