"""The conversation graph of the walking skeleton: greet, then answer each input with a fixed or
echoed line. The agents (lead, calendar, CRM, knowledge) replace `respond` in a later issue; the
state, checkpointing and deduplication around it stay."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

GREETING = ["Hello, and thanks for calling.", "How can I help you today?"]
HANDLED_KEYS_KEPT = 200


def _remember(existing: list[str] | None, new: list[str] | None) -> list[str]:
    """Reducer for `handled_keys`: append, keep the most recent ones."""
    return ((existing or []) + (new or []))[-HANDLED_KEYS_KEPT:]


class Inbound(TypedDict, total=False):
    """What arrived for this turn, reduced to what the graph needs."""

    key: str
    kind: str  # "call_started" | "utterance" | "dtmf"
    text: str
    digit: str


class ConversationState(TypedDict, total=False):
    inbound: Inbound
    messages: Annotated[list[AnyMessage], add_messages]
    handled_keys: Annotated[list[str], _remember]
    last_key: str  # the input the latest reply answers
    reply: list[str]  # that reply, one sentence per item
    end_call: bool
    published_key: str  # the latest input whose reply was published


def respond(state: ConversationState) -> dict[str, Any]:
    inbound = state["inbound"]
    match inbound.get("kind"):
        case "call_started":
            heard, reply = [], GREETING
        case "dtmf":
            heard, reply = [HumanMessage(f"[pressed {inbound['digit']}]")], [
                f"You pressed {inbound['digit']}.", "Transfers to a person come in a later release."]
        case _:
            text = inbound.get("text", "").strip()
            heard = [HumanMessage(text)]
            reply = [f"You said: {text}" if text else "Sorry, I did not catch that.", "Tell me more."]
    return {
        "messages": [*heard, AIMessage(" ".join(reply))],
        "handled_keys": [inbound["key"]],
        "last_key": inbound["key"],
        "reply": reply,
        "end_call": False,
    }


def build_graph(checkpointer: Any) -> Any:
    builder = StateGraph(ConversationState)
    builder.add_node("respond", respond)
    builder.add_edge(START, "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)
