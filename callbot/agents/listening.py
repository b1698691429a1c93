"""What the bot expects the caller to say next, from the conversation state: sent with each reply
(`BotSpeech.listen_for`) so that the relay's recognizer is primed for the answer (phrase hints for an
email address, a number, a yes or no, a meeting time).

A hint, not a rule: the caller may say anything, and a wrong guess only costs the recognizer a bias.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callbot.agents.state import missing_fields

SLOT_CHOICE = "slot_choice"  # the calendar specialist offered meeting times


def expected_slot(state: Mapping[str, Any] | None) -> str | None:
    """The slot the bot is asking for: `slot_choice` while the calendar specialist has meeting times
    on offer, the first missing qualification field while the lead specialist talks, otherwise None
    (a question answered, a call ending or handed over)."""
    state = state or {}
    if state.get("end_call") or state.get("transfer"):
        return None
    agent = state.get("active_agent")
    if agent == "calendar":
        return SLOT_CHOICE if state.get("meeting_options") else None
    if agent == "lead":
        missing = missing_fields(state.get("lead"))
        return missing[0] if missing else None
    return None
