"""The conversation graph of the walking skeleton: greet, then answer each input with a fixed or
echoed line; hand over to a person on the human DTMF digit; cut a reply in the history to what the
caller heard when they barged in. The agents (lead, calendar, CRM, knowledge) replace `respond` in
a later issue; the state, checkpointing and deduplication around it stay."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

from callbot.phrases import phrase

HANDLED_KEYS_KEPT = 200


def _remember(existing: list[str] | None, new: list[str] | None) -> list[str]:
    """Reducer for `handled_keys`: append, keep the most recent ones."""
    return ((existing or []) + (new or []))[-HANDLED_KEYS_KEPT:]


class Inbound(TypedDict, total=False):
    """What arrived for this turn, reduced to what the graph needs."""

    key: str
    turn_seq: int
    kind: str  # "call_started" | "utterance" | "dtmf" | "bot_interrupted"
    text: str
    digit: str
    language: str


class ConversationState(TypedDict, total=False):
    inbound: Inbound
    language: str
    messages: Annotated[list[AnyMessage], add_messages]
    handled_keys: Annotated[list[str], _remember]
    last_key: str  # the input the latest reply answers
    reply: list[str]  # that reply, one sentence per item
    end_call: bool
    transfer: bool
    published_key: str  # the latest input whose reply was published


def reply_id(turn_seq: int) -> str:
    """Message id of the bot's reply to a turn, so a barge-in can cut that very message."""
    return f"reply-{turn_seq}"


def make_respond(human_digit: str):
    def respond(state: ConversationState) -> dict[str, Any]:
        inbound = state["inbound"]
        language = inbound.get("language") or state.get("language") or "en-US"
        update: dict[str, Any] = {"handled_keys": [inbound["key"]], "last_key": inbound["key"],
                                  "language": language, "end_call": False, "transfer": False}
        heard: list[AnyMessage] = []
        match inbound.get("kind"):
            case "call_started":
                reply = [phrase("greeting", language), phrase("greeting_question", language)]
            case "bot_interrupted":
                cut = AIMessage(inbound.get("text", ""), id=reply_id(inbound["turn_seq"]),
                                additional_kwargs={"interrupted": True})
                return {**update, "messages": [cut], "reply": []}
            case "dtmf" if inbound.get("digit") == human_digit:
                heard = [HumanMessage(f"[pressed {inbound['digit']}]")]
                reply, update["transfer"] = [phrase("transfer", language)], True
            case "dtmf":
                heard = [HumanMessage(f"[pressed {inbound['digit']}]")]
                reply = [f"You pressed {inbound['digit']}.", "Press 0 to talk to a person."]
            case _:
                text = inbound.get("text", "").strip()
                heard = [HumanMessage(text)]
                reply = [f"You said: {text}" if text else "Sorry, I did not catch that.", "Tell me more."]
        said = AIMessage(" ".join(reply), id=reply_id(inbound["turn_seq"]))
        return {**update, "messages": [*heard, said], "reply": reply}

    return respond


def build_graph(checkpointer: Any, human_digit: str = "0") -> Any:
    builder = StateGraph(ConversationState)
    builder.add_node("respond", make_respond(human_digit))
    builder.add_edge(START, "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)
