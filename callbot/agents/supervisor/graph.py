"""The supervisor: routes each input to the node that handles it, and closes calls.

It runs no LLM: the call start goes to caller identification, the human digit to the handover, a
barge-in report cuts the interrupted reply to what was heard, and everything the caller says goes
to the active specialist (lead, calendar or knowledge), who may hand over with a `transfer_to_*` tool.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, RemoveMessage

from callbot.agents.provider_reply import with_text
from callbot.agents.speech import Speaker
from callbot.agents.state import ConversationState, Inbound
from callbot.phrases import Phrase, phrase

DEFAULT_AGENT = "lead"


def make_router(human_digit: str):
    def supervisor(state: ConversationState) -> dict[str, Any]:
        inbound = state["inbound"]
        update: dict[str, Any] = {"handled_keys": [inbound["key"]], "last_key": inbound["key"]}
        if inbound.get("kind") == "bot_interrupted":
            return {**update, "reply": [], "messages": cut_to_heard(state.get("messages") or [], inbound)}
        update |= {"reply_turn": inbound["turn_seq"], "reply": [], "steps": 0}
        if inbound.get("kind") == "call_started":
            return {**update, "language": inbound.get("language") or "en-US",
                    "caller_number": inbound.get("caller_number", ""), "active_agent": DEFAULT_AGENT}
        heard = caller_message(inbound)
        update["messages"] = [heard]
        if inbound.get("kind") == "dtmf" and inbound.get("digit") == human_digit:
            update |= {"transfer": True, "handoff_reason": f"caller pressed {human_digit}"}
        return update

    return supervisor


def route(state: ConversationState) -> str:
    kind = state["inbound"].get("kind")
    if kind == "bot_interrupted":
        return "__end__"
    if kind == "call_started":
        return "identify"
    if state.get("transfer") or state.get("end_call"):
        return "finish"
    return state.get("active_agent") or DEFAULT_AGENT


def caller_message(inbound: Inbound) -> HumanMessage:
    text = f"[pressed {inbound['digit']}]" if inbound.get("kind") == "dtmf" else inbound.get("text", "").strip()
    return HumanMessage(text, id=f"caller-{inbound['turn_seq']}", additional_kwargs={"turn": inbound["turn_seq"]})


def cut_to_heard(messages: list[AnyMessage], inbound: Inbound) -> list[AnyMessage]:
    """Replace the bot's lines of the interrupted turn by what the caller heard of them."""
    turn, heard = inbound["turn_seq"], inbound.get("text", "").strip()
    spoken = [m for m in messages if isinstance(m, AIMessage) and m.additional_kwargs.get("turn") == turn
              and m.text.strip()]
    changes: list[AnyMessage] = []
    for index, message in enumerate(spoken):
        text = heard if index == 0 else ""
        if not text and not message.tool_calls:
            changes.append(RemoveMessage(id=message.id))
        else:
            changes.append(with_text(message, text, interrupted=True))  # its thought signatures kept
    return changes


def finish(state: ConversationState) -> dict[str, Any]:
    """The last line of the call: the handover notice, or goodbye."""
    speaker = Speaker(state)
    language = state.get("language") or "en-US"
    transfer = bool(state.get("transfer"))
    text = phrase(Phrase.TRANSFER if transfer else Phrase.GOODBYE, language)
    speaker.say(text, last=True, transfer=transfer, end_call=not transfer)
    said = AIMessage(text, id=f"ai-{speaker.turn}-{len(state.get('messages') or [])}",
                     additional_kwargs={"turn": speaker.turn})
    return {"reply": speaker.segments, "messages": [said]}
