"""Tool calls the model repeats: the same tool with the same arguments, already answered since the
caller last spoke. Such a call is not run again (`tool_node` answers that it was done and what to do
now); a model that still repeats itself after that gets its next LLM step without tools
(`agent_node`), so that it speaks instead of calling until the step limit."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

MUST_SPEAK_AFTER = 2  # repeated calls since the caller spoke, after which the next step has no tools


def call_key(call: dict[str, Any]) -> tuple[str, str]:
    return call["name"], json.dumps(call.get("args") or {}, sort_keys=True, default=str)


def since_caller_spoke(messages: list[AnyMessage]) -> list[AnyMessage]:
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return messages[index + 1:]
    return list(messages)


def answered_calls(messages: list[AnyMessage]) -> set[tuple[str, str]]:
    """The calls (name and arguments) that have a result since the caller last spoke."""
    recent = since_caller_spoke(messages)
    answered = {m.tool_call_id for m in recent if isinstance(m, ToolMessage)}
    return {call_key(call) for m in recent if isinstance(m, AIMessage) for call in m.tool_calls
            if call["id"] in answered}


def repeated_calls(messages: list[AnyMessage]) -> int:
    """How many tool calls since the caller last spoke repeat an earlier one of the same span."""
    seen: set[tuple[str, str]] = set()
    repeats = 0
    for message in since_caller_spoke(messages):
        for call in message.tool_calls if isinstance(message, AIMessage) else []:
            key = call_key(call)
            repeats += key in seen
            seen.add(key)
    return repeats
