"""System prompts: versioned files per language (`<agent>/prompts/v1.en-US.md`, shared rules in
`prompts/rules.v1.en-US.md`), followed by the call-state block (`context.py`)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from callbot.agents.calendar.labels import speak_time
from callbot.agents.context import render_context
from callbot.agents.state import ConversationState, booking_missing, missing_fields

HERE = Path(__file__).parent
PROMPT_VERSION = "v1"
LANGUAGES = ("en-US", "fr-FR")


@functools.cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def prompt_file(agent: str, language: str) -> Path:
    language = language if language in LANGUAGES else LANGUAGES[0]
    return HERE / agent / "prompts" / f"{PROMPT_VERSION}.{language}.md"


def system_prompt(agent: str, state: ConversationState, settings: Any, now_iso: str) -> str:
    language = state.get("language") or LANGUAGES[0]
    language = language if language in LANGUAGES else LANGUAGES[0]
    rules = _read(HERE / "prompts" / f"rules.{PROMPT_VERSION}.{language}.md").format(company=settings.company_name)
    role = _read(prompt_file(agent, language))
    return "\n\n".join([rules, role, render_context(call_context(agent, state, settings, now_iso))])


def call_context(agent: str, state: ConversationState, settings: Any, now_iso: str) -> dict[str, Any]:
    """What the graph knows, for the LLM: the typed state, with times as the bot would say them."""
    language = state.get("language") or LANGUAGES[0]
    zone = settings.company_timezone
    caller = state.get("caller") or None
    meeting = state.get("meeting") or None
    return {
        "agent": agent, "language": language, "now": now_iso, "timezone": zone,
        "caller_number": state.get("caller_number", ""),
        "caller": {k: caller.get(k, "") for k in ("first_name", "last_name", "company", "email")} if caller else None,
        "lead": dict(state.get("lead") or {}),
        "missing": missing_fields(state.get("lead")),
        "booking_needs": booking_missing(state.get("lead")),
        "lead_saved": bool(state.get("lead_id")),
        "meeting_options": [{"id": s["id"], "label": speak_time(s["start"], zone, language)}
                            for s in state.get("meeting_options") or []],
        "meeting": ({"id": meeting["id"], "status": meeting.get("status", "booked"),
                     "label": speak_time(meeting["start"], zone, language)} if meeting else None),
        "unanswered_questions": list(state.get("unanswered_questions") or []),
        "pending_intent": state.get("calendar_intent"),
    }
