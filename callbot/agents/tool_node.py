"""The tool calls of the latest LLM step: tools that only change the conversation (recording the
caller's details, handing over, ending the call) run here; the first call of an action tool
becomes the `pending` request the `act` node waits for.

Two safeguards against what a model gets wrong: a call identical to one already answered since the
caller last spoke is not run again (its result says so, and what to do now: `repeats`), and details
the caller never said are not recorded (its result names them, so that the model asks: `grounding`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from pydantic import ValidationError

from callbot.agents.action_tools import ActionContext, ActionSpec
from callbot.agents.grounding import Heard, caller_texts, ungrounded
from callbot.agents.lead.tools import record_details
from callbot.agents.prompting import call_context, next_step
from callbot.agents.repeats import answered_calls, call_key
from callbot.agents.speech import Speaker
from callbot.agents.state import ConversationState, booking_missing, missing_fields
from callbot.agents.supervisor.tools import HANDOFFS
from callbot.phrases import Phrase, phrase

log = logging.getLogger(__name__)


def unanswered_calls(messages: list[AnyMessage]) -> list[dict[str, Any]]:
    """Tool calls of the latest LLM step that have no result yet, in order."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, AIMessage) and message.tool_calls:
            answered = {m.tool_call_id for m in messages[index + 1:] if isinstance(m, ToolMessage)}
            return [call for call in message.tool_calls if call["id"] not in answered]
        if isinstance(message, AIMessage):
            return []
    return []


def _result(call: dict[str, Any], content: Any) -> ToolMessage:
    return ToolMessage(json.dumps(content, ensure_ascii=False, default=str), tool_call_id=call["id"],
                       name=call["name"])


def make_tool_node(actions: dict[str, ActionSpec], context: Callable[[ConversationState], ActionContext]):
    def tools(state: ConversationState) -> dict[str, Any]:
        view: dict[str, Any] = dict(state)
        update: dict[str, Any] = {"messages": []}
        done = answered_calls(state.get("messages") or [])
        for call in unanswered_calls(state.get("messages") or []):
            name, args = call["name"], call.get("args") or {}
            if call_key(call) in done:
                update["messages"].append(_result(call, _already_done(name, view, context(state))))
                continue
            done.add(call_key(call))
            if name in actions:
                spec, ctx = actions[name], context(state)
                count = state.get("actions", 0) + 1
                update["pending"] = {"request_id": call["id"] or f"action-{count}", "port": spec.port.value,
                                     "action": name, "args": spec.build(args, view, ctx), "tool_call_id": call["id"],
                                     "reads_only": spec.reads_only,
                                     "agent": view.get("active_agent") or "lead", "requested_at": ctx.now.isoformat()}
                update["actions"] = count
                break
            content, changes = _run_local(name, args, view)
            update["messages"].append(_result(call, content))
            for key, value in changes.items():
                if key in APPENDED:  # (the state's reducer appends: two notes of one step are both kept)
                    value = [*update.get(key, []), *value]
                view[key] = value
                update[key] = value
            if HANDOFFS.get(name) in HOLD_ON_HANDOFF_TO:
                _hold_the_line(state, update)
        return update

    return tools


APPENDED = ("unanswered_questions",)  # state keys whose updates are appended to what the state holds
HOLD_ON_HANDOFF_TO = ("knowledge", "calendar")  # specialists whose first step is an action (search, slots)


def _hold_the_line(state: ConversationState, update: dict[str, Any]) -> None:
    """A handover with nothing said yet in this reply: the filler now, rather than after the next
    specialist's first LLM step (it would say it anyway when it calls an action)."""
    speaker = Speaker(state)
    if not speaker.spoken:
        speaker.say(phrase(Phrase.FILLER, state.get("language") or "en-US"))
        update["reply"] = speaker.segments


def _already_done(name: str, view: dict[str, Any], ctx: ActionContext) -> dict[str, str]:
    agent = view.get("active_agent") or "lead"
    return {"already_done": f"`{name}` already ran with these arguments since the caller last spoke: "
                            "its result is above; do not call it again",
            "next": next_step(agent, view, call_context(agent, view, ctx.settings, ctx.now.isoformat()))}


def _run_local(name: str, args: dict[str, Any], view: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    if name == "record_details":
        try:
            fields = record_details.args_schema.model_validate(args).model_dump(exclude_none=True)
        except ValidationError as exc:
            return {"error": f"invalid details: {exc.errors(include_url=False)}"}, {}
        fields, not_said = _said_only(fields, view)
        lead = recorded(dict(view.get("lead") or {}), fields)
        result = {"recorded": fields, "lead": lead, "missing": missing_fields(lead),
                  "booking_needs": booking_missing(lead, view.get("caller_number", ""))}
        if not_said:
            result["not_recorded"] = {f: "the caller has not said this in the call: ask them" for f in not_said}
        return result, {"lead": lead}
    if name == "note_unanswered":
        question = " ".join(str(args.get("question") or "").split())
        if not question:
            return {"error": "no question given: pass the caller's question"}, {}
        return {"noted": question, "next": "tell the caller you don't know and that a specialist will follow up"}, {
            "unanswered_questions": [question]}
    if name in HANDOFFS:
        changes: dict[str, Any] = {"active_agent": HANDOFFS[name]}
        if HANDOFFS[name] == "knowledge":
            changes["returns_to"] = view.get("active_agent") or "lead"
        if name == "transfer_to_calendar":
            changes["calendar_intent"] = str(args.get("intent") or "book")
        return {"now_speaking": f"the {HANDOFFS[name]} specialist"}, changes
    if name == "transfer_to_human":
        return {"ok": True}, {"transfer": True, "handoff_reason": str(args.get("reason") or "caller asked")}
    if name == "end_call":
        return {"ok": True}, {"end_call": True}
    return {"error": f"unknown tool {name}"}, {}


CONFIRMS = {"email": "email_confirmed", "first_name": "name_confirmed", "last_name": "name_confirmed"}


def _said_only(fields: dict[str, Any], view: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`fields` without the details the caller never said (and the confirmation of such a detail),
    and those details' names."""
    heard = Heard.of(caller_texts(view.get("messages") or []), view.get("language") or "en-US")
    not_said = ungrounded(fields, heard, [view.get("caller"), view.get("lead"), {"phone": view.get("caller_number")}])
    if not_said:
        log.warning("details the caller did not say were not recorded: %s", not_said)
    dropped = {*not_said, *(CONFIRMS[f] for f in not_said if f in CONFIRMS)}
    return {k: v for k, v in fields.items() if k not in dropped}, not_said


def recorded(lead: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """`lead` with `fields` recorded: a new value replaces the old one; a changed email or name must be
    confirmed again; declined fields add up, and a field given after all is no longer declined."""
    fields = dict(fields)
    if fields.get("email"):
        fields["email"] = fields["email"].strip().lower()
        if fields["email"] != lead.get("email") and "email_confirmed" not in fields:
            fields["email_confirmed"] = False
    if any(fields.get(k) and fields[k] != lead.get(k) for k in ("first_name", "last_name")) \
            and "name_confirmed" not in fields:
        fields["name_confirmed"] = False
    declined = [*(lead.get("declined") or []), *(fields.pop("declined", None) or [])]
    declined = [d for d in dict.fromkeys(declined) if not fields.get(d) and not lead.get(d)]
    lead = {**lead, **fields}
    if declined or lead.get("declined"):
        lead["declined"] = declined
    return lead


def route_after_tools(state: ConversationState) -> str:
    if state.get("pending"):
        return "hold"
    if state.get("transfer") or state.get("end_call"):
        return "finish"
    return state.get("active_agent") or "lead"
