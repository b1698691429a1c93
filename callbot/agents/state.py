"""The conversation's typed state, checkpointed in Firestore after every step.

What the agents learn lives in typed fields (the qualification, the meeting options, the booked
meeting, the handoff and end-of-call flags), not only in the message history, so that the router,
the report and the post-call pipeline can read it without parsing text.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

HANDLED_KEYS_KEPT = 200
AGENTS = ("lead", "calendar", "knowledge")

# The order in which the lead agent asks for what is missing (the caller may give any of it at any time).
QUALIFICATION_ORDER = ("first_name", "last_name", "company", "role", "need", "team_size", "timeline",
                       "email", "email_confirmed", "name_confirmed", "consent")
# What booking a meeting needs first, whatever else is missing: who to invite, and their consent.
BOOKING_NEEDS = ("first_name", "last_name", "email", "email_confirmed", "name_confirmed", "consent")
# ... when the caller will not give an email: the meeting is booked on their phone number and the
# confirmation texted, so their confirmed name, a number to text and their consent to texts.
BOOKING_NEEDS_WITHOUT_EMAIL = ("first_name", "last_name", "name_confirmed", "phone", "consent")
CONFIRMATIONS = {"email_confirmed": "email", "name_confirmed": "first_name"}  # confirmed once read back
E164 = re.compile(r"^\+[1-9]\d{6,14}$")  # a From that can be texted (a withheld one reads "anonymous")


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
    phone: str  # a number the caller gave to be reached at (else the number they call from)
    name_confirmed: bool  # the caller confirmed the name read back to them (or the CRM knew it)
    consent: bool
    wants_meeting: bool  # asked for a meeting (True) or declined one (False); unset until they say
    meeting_preference: str  # when they would like to meet, in their words ("next Wednesday at 2 pm")
    declined: list[str]  # fields the caller would rather not give: never asked again


class ActionRequest(TypedDict, total=False):
    """An action the graph waits for; `tool_call_id` is set when an LLM tool call asked for it."""

    request_id: str
    port: str
    action: str
    args: dict[str, Any]
    tool_call_id: str
    agent: str  # the node that resumes with the result
    requested_at: str  # ISO time the graph paused for it
    reads_only: bool  # changes nothing outside, so it may run on a tentative turn


class TentativeTurn(TypedDict, total=False):
    """A caller utterance taken before the relay was sure the caller had finished (a preemptive
    turn), until the relay keeps or withdraws it. `before` is the checkpoint the conversation
    returns to if it is withdrawn; `deferred` the utterance itself when an action was pending as
    it came (then nothing ran: it joins the queue only if kept)."""

    turn_seq: int
    key: str
    before: str
    deferred: Inbound | None


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
    knowledge_sources: Annotated[list[str], _append]  # documents of the passages answers were read from
    unanswered_questions: Annotated[list[str], _append]  # for a specialist to follow up
    pending: ActionRequest | None  # set while the graph waits for an action function
    queued: Annotated[list[Inbound], _queue]  # inputs that arrived while an action was pending
    transfer: bool
    handoff_reason: str
    end_call: bool
    actions: int  # actions requested so far in the call, for request ids
    resume: str  # where the graph goes once the pending action's result is in
    calendar_intent: str | None  # "book", "reschedule" or "cancel", as the handover said
    tentative: TentativeTurn | None  # the turn being answered before the caller has surely finished


def missing_fields(lead: Qualification | None, needed: tuple[str, ...] = QUALIFICATION_ORDER) -> list[str]:
    """Fields of `needed` still to collect, in the order the lead agent asks for them: a confirmation
    is missing while its field is known and not confirmed; what the caller declined is not missing."""
    lead = lead or {}
    declined = set(lead.get("declined") or [])
    missing = []
    for name in needed:
        if name in declined:
            continue
        if name in CONFIRMATIONS:
            confirmed_field = CONFIRMATIONS[name]
            if lead.get(confirmed_field) and lead.get(name) is not True:
                missing.append(name)
            elif not lead.get(confirmed_field) and confirmed_field not in declined and confirmed_field in needed:
                missing.append(name)  # (asked once the field is known)
            continue
        if lead.get(name) in (None, ""):
            missing.append(name)
    return missing


def declined_email(lead: Qualification | None) -> bool:
    """The caller would rather not give an email: they are booked and confirmed by phone and text."""
    return "email" in ((lead or {}).get("declined") or [])


def booking_missing(lead: Qualification | None, caller_number: str = "") -> list[str]:
    """What booking a meeting still needs: with an email, the email confirmed; without one (the
    caller declined it), a phone number, the one given or `caller_number` (the call's From, when it
    is a number: a withheld one is not)."""
    if not declined_email(lead):
        return missing_fields(lead, BOOKING_NEEDS)
    from_number = caller_number if E164.match(caller_number.strip()) else ""
    reachable: Qualification = {**(lead or {}), "phone": (lead or {}).get("phone") or from_number}
    return missing_fields(reachable, BOOKING_NEEDS_WITHOUT_EMAIL)


def saved_fields(lead: Qualification | None) -> dict:
    """The lead as the CRM may store it: a name the caller has not confirmed is left out, so that a
    misheard name is never saved as the contact's name nor used to greet them next time."""
    lead = dict(lead or {})
    if lead.get("name_confirmed") is not True:
        lead.pop("first_name", None)
        lead.pop("last_name", None)
    return lead
