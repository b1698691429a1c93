"""System prompts: versioned files per language (`<agent>/prompts/v1.en-US.md`, shared rules in
`prompts/rules.v1.en-US.md`), followed by the call-state block (`context.py`).

The `compact` prompt style (`prompt_style` in the settings) is for small local models: short rules
(`rules.v1-compact.<language>.md`, `<agent>/prompts/v1-compact.<language>.md`, the full files where a
language has no compact one) and a call state with only what is known, plus `next`: the one thing
to do now, worked out from the state, so that the model has a single instruction to follow."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from callbot.agents.calendar.labels import speak_time
from callbot.agents.context import render_context
from callbot.agents.state import ConversationState, booking_missing, declined_email, missing_fields

HERE = Path(__file__).parent
PROMPT_VERSION = "v1"
LANGUAGES = ("en-US", "fr-FR")
PROMPT_STYLES = ("full", "compact")


@functools.cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def prompt_file(agent: str, language: str, style: str = "full") -> Path:
    language = language if language in LANGUAGES else LANGUAGES[0]
    return _styled(HERE / agent / "prompts", f"{PROMPT_VERSION}", language, style)


def rules_file(language: str, style: str = "full") -> Path:
    language = language if language in LANGUAGES else LANGUAGES[0]
    return _styled(HERE / "prompts", f"rules.{PROMPT_VERSION}", language, style)


def _styled(folder: Path, stem: str, language: str, style: str) -> Path:
    """`<stem>-<style>.<language>.md` when it exists (a style other than full), else the full file."""
    if style != "full" and (folder / f"{stem}-{style}.{language}.md").is_file():
        return folder / f"{stem}-{style}.{language}.md"
    return folder / f"{stem}.{language}.md"


def prompt_style(settings: Any) -> str:
    style = getattr(settings, "prompt_style", "full")
    return style if style in PROMPT_STYLES else "full"


def system_prompt(agent: str, state: ConversationState, settings: Any, now_iso: str) -> str:
    language = state.get("language") or LANGUAGES[0]
    language = language if language in LANGUAGES else LANGUAGES[0]
    style = prompt_style(settings)
    rules = _read(rules_file(language, style)).format(company=settings.company_name)
    role = _read(prompt_file(agent, language, style))
    context = (compact_context(agent, state, settings, now_iso) if style == "compact"
               else call_context(agent, state, settings, now_iso))
    return "\n\n".join([rules, role, render_context(context)])


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
        "booking_needs": booking_missing(state.get("lead"), state.get("caller_number", "")),
        "lead_saved": bool(state.get("lead_id")),
        "meeting_options": [{"id": s["id"], "label": speak_time(s["start"], zone, language)}
                            for s in state.get("meeting_options") or []],
        "meeting": ({"id": meeting["id"], "status": meeting.get("status", "booked"),
                     "label": speak_time(meeting["start"], zone, language)} if meeting else None),
        "unanswered_questions": list(state.get("unanswered_questions") or []),
        "pending_intent": state.get("calendar_intent"),
    }


def compact_context(agent: str, state: ConversationState, settings: Any, now_iso: str) -> dict[str, Any]:
    """The call state for a small model: what is known (empty values left out) and `next`."""
    full = call_context(agent, state, settings, now_iso)
    lead = {k: v for k, v in full["lead"].items() if v not in (None, "", [])}
    context: dict[str, Any] = {"now": full["now"][:16], "timezone": full["timezone"], "lead": lead}
    for key in ("caller", "meeting_options", "meeting"):
        if full[key]:
            context[key] = full[key]
    context["next"] = next_step(agent, state, full)
    return context


ASK = {"first_name": "ask for their name", "last_name": "ask for their last name",
       "company": "ask which company they are with", "role": "ask what their role is",
       "need": "ask what they would like to solve", "team_size": "ask how many people would use it",
       "timeline": "ask when they would like to start", "email": "ask for their email address",
       "email_confirmed": "read their name and email back (spell the email) and ask if both are right",
       "name_confirmed": "read their name and email back (spell the email) and ask if both are right",
       "consent": "ask if the team may contact them by email and text message",
       "phone": "ask for the best number to text them at"}
# ... for a caller who will not give an email: booked on their phone number, confirmed by text
ASK_WITHOUT_EMAIL = {"name_confirmed": "read their name back and ask if it is right",
                     "consent": "ask if the team may text them about this, and text the meeting's confirmation"}


def next_step(agent: str, state: ConversationState, context: dict[str, Any]) -> str:
    """The one thing the agent should do now, in words, from the call state and the last tool result."""
    messages = state.get("messages") or []
    last_tool = getattr(messages[-1], "name", None) if messages and getattr(messages[-1], "type", "") == "tool" else None
    if agent == "knowledge":
        if last_tool == "search_knowledge":
            return ("answer the caller's question from the passages returned, naming the page's title; when they "
                    "do not answer it, call `note_unanswered` with the question")
        if last_tool == "note_unanswered":
            return "tell the caller you don't know and that a specialist will follow up"
        return "call `search_knowledge` with the caller's question"
    lead = context["lead"]
    wants = lead.get("wants_meeting")
    if agent == "calendar":
        if last_tool in ("book_meeting", "reschedule_meeting", "cancel_meeting"):
            return "tell the caller the result (day, date, time, time zone) and ask if there is anything else"
        if context["meeting"] and context["pending_intent"] == "cancel":
            return "call `cancel_meeting`"
        if context["meeting_options"]:
            verb = "reschedule_meeting" if context["meeting"] else "book_meeting"
            return (f"offer the times in `meeting_options`; when the caller picks one, call `{verb}` with its id; "
                    "when none suits, ask what day and time would")
        return ("call `find_slots` with `preferred_time` as an ISO date-time from `lead.meeting_preference` "
                "(or \"\" for the earliest)")
    needs = context["booking_needs"] if wants else context["missing"]
    if needs:
        ask = (ASK_WITHOUT_EMAIL if declined_email(lead) else ASK).get(needs[0]) or ASK.get(
            needs[0], f"ask for their {needs[0]}")
        return f"say thanks and {ask}" if last_tool == "record_details" else ask
    if not context["lead_saved"]:
        return "call `save_lead`"
    if wants:
        return "call `transfer_to_calendar`"
    if wants is None:
        return "offer a meeting with the sales team"
    return "ask if there is anything else"
