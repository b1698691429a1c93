"""The caller agent's nodes: identify the caller by caller id when the call starts (the greeting
plays from the audio cache while the CRM is asked), then welcome them, by name when they are known.
Updates to the caller's record go through its `save_lead` tool (see `tools.py`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AIMessage

from callbot.agents.speech import Speaker
from callbot.agents.state import ConversationState
from callbot.messages import ActionPort
from callbot.phrases import Phrase, phrase


def identify(state: ConversationState) -> dict[str, Any]:
    speaker = Speaker(state)
    speaker.say(phrase(Phrase.GREETING, state.get("language") or "en-US"))
    turn = speaker.turn
    said = AIMessage(speaker.said(), id=f"ai-{turn}-greeting", additional_kwargs={"turn": turn})
    pending = {"request_id": f"find_caller-{turn}", "port": ActionPort.CRM.value, "action": "find_caller",
               "args": {"phone": state.get("caller_number", "")}, "agent": "welcome",
               "requested_at": datetime.now(UTC).isoformat()}
    return {"reply": speaker.segments, "messages": [said], "pending": pending}


def welcome(state: ConversationState) -> dict[str, Any]:
    speaker = Speaker(state)
    language = state.get("language") or "en-US"
    first = len(speaker.segments)
    name = (state.get("caller") or {}).get("first_name")
    if name:
        speaker.say(phrase(Phrase.WELCOME_BACK, language, name=name))
    speaker.say(phrase(Phrase.GREETING_QUESTION, language), last=True)
    said = AIMessage(speaker.said(since=first), id=f"ai-{speaker.turn}-welcome",
                     additional_kwargs={"turn": speaker.turn})
    return {"reply": speaker.segments, "messages": [said]}
