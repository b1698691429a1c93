"""What the conversation has established, copied onto the call document when it changes: the lead,
the meeting, the handover, the questions the knowledge base could not answer."""

from __future__ import annotations

from typing import Any

OUTCOME_FIELDS = ("lead_id", "lead", "meeting", "transfer", "handoff_reason", "end_call", "active_agent",
                  "unanswered_questions", "knowledge_sources")


def outcome(state: dict[str, Any]) -> dict[str, Any]:
    caller = state.get("caller") or {}
    return {"lead_id": state.get("lead_id") or None, "meeting": state.get("meeting") or None,
            "agent": {
                "qualification": dict(state.get("lead") or {}),
                "known_caller": caller.get("id") or None,
                "transfer": bool(state.get("transfer")), "handoff_reason": state.get("handoff_reason") or None,
                "end_call": bool(state.get("end_call")), "active_agent": state.get("active_agent"),
                "unanswered_questions": list(state.get("unanswered_questions") or []),
                "knowledge_sources": list(state.get("knowledge_sources") or []),
            }}


def outcome_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The call-document fields to write, or {} when nothing the outcome shows has changed."""
    if all(before.get(k) == after.get(k) for k in OUTCOME_FIELDS) and (before.get("caller") == after.get("caller")):
        return {}
    return outcome(after)
