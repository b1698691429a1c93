"""The conversation's typed state, checkpointed in Firestore after every step.

What the agents learn lives in typed fields (the qualification, the meeting options, the booked
meeting, the handoff and end-of-call flags), not only in the message history, so that the router,
the report and the post-call pipeline can read it without parsing text.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

HANDLED_KEYS_KEPT = 200
AGENTS = ("lead", "calendar", "knowledge")

# The order in which the lead agent asks for what is missing.
QUALIFICATION_ORDER = ("first_name", "last_name", "company", "role", "need", "team_size", "timeline",
                       "email", "email_confirmed", "consent")


def _remember(existing: list[str] | None, new: list[str] | None) -> list[str]:
    """Reducer for `handled_keys`: append, keep the most recent ones."""
    return ((existing or []) + (new or []))[-HANDLED_KEYS_KEPT:]


def _merge(existing: dict | None, new: dict | None) -> dict:
    """Reducer for the qualification: known fields are updated, never forgotten by omission."""
    return {**(existing or {}), **{k: v for k, v in (new or {}).items() if v is not None}}


def _append(existing: list | None, new: list | None) -> list:
    return (existing or []) + (new or [])


def _queue(existing: list | None, new: list | None) -> list:
    """Reducer for `queued`: append; `None` empties the queue (it was consumed)."""
    return [] if new is None else (existing or []) + new


class Inbound(TypedDict, total=False):
    """What arrived for this turn, reduced to what the graph needs."""

    key: str
    turn_seq: int
    kind: str  # "call_started" | "utterance" | "dtmf" | "bot_interrupted" | "action_completed"
    text: str
    digit: str
    language: str
    caller_number: str


class Qualification(TypedDict, total=False):
    first_name: str
    last_name: str
    company: str
    role: str
    need: str
    team_size: int
    timeline: str
    email: str
    email_confirmed: bool
    consent: bool


class ActionRequest(TypedDict, total=False):
    """An action the graph waits for; `tool_call_id` is set when an LLM tool call asked for it."""

    request_id: str
    port: str
    action: str
    args: dict[str, Any]
    tool_call_id: str
    agent: str  # the node that resumes with the result
    requested_at: str  # ISO time the graph paused for it


class ConversationState(TypedDict, total=False):
    inbound: Inbound
    language: str
    caller_number: str
    messages: Annotated[list[AnyMessage], add_messages]
    handled_keys: Annotated[list[str], _remember]
    last_key: str  # the input the latest reply answers
    reply_turn: int  # the turn_seq the current reply belongs to
    reply: list[dict[str, Any]]  # the segments of that reply spoken so far (see `speech.py`)
    published_key: str  # the latest input whose reply was published
    steps: int  # agent (LLM) steps in the current reply; bounded

    active_agent: str  # which specialist answers the caller's next input
    returns_to: str  # the specialist that handed over to the knowledge one, who answers and hands back
    caller: dict[str, Any] | None  # the CRM record that matched the caller id
    lead: Annotated[Qualification, _merge]
    lead_id: str
    meeting_options: list[dict[str, Any]]  # slots offered, as `callbot.calendar.Slot` dumps
    meeting: dict[str, Any] | None  # the booked meeting, a `callbot.calendar.Meeting` dump
    knowledge_sources: Annotated[list[str], _append]  # sources of answers given
    unanswered_questions: Annotated[list[str], _append]  # for a specialist to follow up
    pending: ActionRequest | None  # set while the graph waits for an action function
    queued: Annotated[list[Inbound], _queue]  # inputs that arrived while an action was pending
    transfer: bool
    handoff_reason: str
    end_call: bool
    actions: int  # actions requested so far in the call, for request ids
    resume: str  # where the graph goes once the pending action's result is in
    calendar_intent: str | None  # "book", "reschedule" or "cancel", as the handover said


def missing_fields(lead: Qualification | None) -> list[str]:
    """Qualification fields still to collect, in the order the lead agent asks for them."""
    lead = lead or {}
    return [name for name in QUALIFICATION_ORDER
            if lead.get(name) in (None, "") or (name == "email_confirmed" and lead.get(name) is not True)]
