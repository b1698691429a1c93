"""The calendar specialist's system prompt (files in `prompts/`, one per version and language)."""

from __future__ import annotations

from typing import Any

from callbot.agents.prompting import system_prompt
from callbot.agents.state import ConversationState

AGENT = "calendar"


def prompt(state: ConversationState, settings: Any, now_iso: str) -> str:
    return system_prompt(AGENT, state, settings, now_iso)
