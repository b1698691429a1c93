"""What the conversation has established, copied onto the call document when it changes: the lead,
the meeting, the handover, the questions the knowledge base could not answer."""

from __future__ import annotations

from typing import Any

from callbot.call_document import AgentOutcome, CallDocument, CallMeeting


def outcome(state: dict[str, Any]) -> CallDocument:
    """The call-document fields that show the conversation's state."""
    caller, meeting = state.get("caller") or {}, state.get("meeting") or None
    return CallDocument(
        lead_id=state.get("lead_id") or None,
        meeting=CallMeeting.model_validate(meeting) if meeting else None,
        agent=AgentOutcome(
            qualification=dict(state.get("lead") or {}), known_caller=caller.get("id") or None,
            transfer=bool(state.get("transfer")), handoff_reason=state.get("handoff_reason") or None,
            end_call=bool(state.get("end_call")), active_agent=state.get("active_agent"),
            unanswered_questions=list(state.get("unanswered_questions") or []),
            knowledge_sources=list(state.get("knowledge_sources") or [])))


def outcome_changes(before: dict[str, Any], after: dict[str, Any]) -> CallDocument | None:
    """The call-document fields to write, or None when nothing the outcome shows has changed."""
    changes = outcome(after)
    return None if changes == outcome(before) else changes
