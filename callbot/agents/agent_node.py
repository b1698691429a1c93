"""A specialist agent as a graph node: one LLM step, streamed sentence by sentence.

The LLM runs in a worker thread so that the node can keep time: when no sentence is ready after
`first_sentence_timeout_s`, the filler line is spoken (it is in the audio cache); when the reply
is not finished after `llm_timeout_s`, or the LLM fails, the caller hears an apology and an offer
to be connected or called back, never silence. `max_agent_steps` bounds the LLM steps of a reply.

What a model writes is checked before it is spoken: text that starts like JSON or code is never
spoken, and when it is only a call of one of the step's tools it becomes that call
(`tool_text`); a model that keeps repeating a call it already made gets a step without tools
(`repeats`), where it can only speak.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, AnyMessage, HumanMessage, SystemMessage
from langchain_core.messages.utils import message_chunk_to_message
from langchain_core.tools import BaseTool

from callbot.agents.provider_reply import with_text
from callbot.agents.repeats import MUST_SPEAK_AFTER, repeated_calls
from callbot.agents.speech import SentenceBuffer, Speaker
from callbot.agents.state import ConversationState
from callbot.agents.tool_text import tool_call_in_text
from callbot.phrases import Phrase, phrase

log = logging.getLogger(__name__)
CALL_CONNECTED = "(The call has connected.)"
ANSWERS_AND_HANDS_BACK = "knowledge"


class LlmFailed(Exception):
    pass


def make_agent_node(agent: str, model: Any, tools: list[BaseTool], prompt: Callable[..., str], settings: Any,
                    now: Callable[[], Any]) -> Callable[[ConversationState], dict[str, Any]]:
    bound = model.bind_tools(tools)
    speaks_only = model.bind_tools(tools, tool_choice=no_tool_choice(model))  # tools kept in the request:
    # providers refuse a history of tool calls without them (Anthropic), and the prompt cache stays warm
    names = frozenset(tool.name for tool in tools)

    def node(state: ConversationState) -> dict[str, Any]:
        speaker = Speaker(state)
        language = state.get("language") or "en-US"
        steps = state.get("steps", 0) + 1
        must_speak = repeated_calls(state["messages"]) >= MUST_SPEAK_AFTER
        # a step without tools ends the reply: it may go one past the limit, which is there to stop loops
        if steps > settings.max_agent_steps + must_speak:
            log.error("agent step limit reached", extra={"agent": agent, "steps": steps})
            return _fallback(speaker, state, steps, language)
        if must_speak:
            log.warning("the model repeats its tool calls: a step without tools", extra={"agent": agent})
        messages = [SystemMessage(prompt(state, settings, now().isoformat())), *llm_history(state["messages"])]
        callable_tools = frozenset() if must_speak else names
        try:
            reply = _stream_reply(speaks_only if must_speak else bound, messages, speaker, settings, language,
                                  callable_tools, f"{_message_id(state)}-written")
        except LlmFailed as exc:
            log.error("LLM failed: %r", exc.__cause__ or exc, extra={"agent": agent})
            return _fallback(speaker, state, steps, language)
        reply = reply.model_copy(update={"id": _message_id(state), "additional_kwargs": {
            **reply.additional_kwargs, "turn": speaker.turn, "agent": agent}})
        update = {"messages": [reply], "reply": speaker.segments, "steps": steps}
        if agent == ANSWERS_AND_HANDS_BACK and not reply.tool_calls:
            # the question is answered: the caller's next words go back to the specialist they were
            # talking to, without an LLM step spent handing back (bench/voice_latency.py)
            update["active_agent"] = state.get("returns_to") or "lead"
        return update

    node.__name__ = agent
    return node


def no_tool_choice(model: Any) -> Any:
    """The `tool_choice` that lets the model call no tool: "none" (OpenAI and compatible servers,
    Gemini's function-calling mode NONE); Anthropic's chat model takes it as its API's object (a
    bare string there names the one tool to call)."""
    return {"type": "none"} if getattr(model, "_llm_type", "") == "anthropic-chat" else "none"


def _stream_reply(bound: Any, messages: list[AnyMessage], speaker: Speaker, settings: Any,
                  language: str, tools: frozenset[str], written_call_id: str) -> AIMessage:
    chunks: queue.Queue = queue.Queue()
    started = time.monotonic()  # before the thread starts: the wait measured holds all of the LLM's
    threading.Thread(target=_produce, args=(bound, messages, chunks), daemon=True, name="llm-stream").start()
    deadline, filler_at = started + settings.llm_timeout_s, started + settings.first_sentence_timeout_s
    sentences, total, whole, first = SentenceBuffer(), None, None, len(speaker.segments)
    waited_since = started
    while True:
        wait_until = deadline if speaker.spoken else min(filler_at, deadline)
        try:
            kind, item = chunks.get(timeout=max(0.0, wait_until - time.monotonic()))
        except queue.Empty:
            if time.monotonic() >= deadline:
                raise LlmFailed(f"no complete reply within {settings.llm_timeout_s}s") from None
            waited_since = _report_wait(speaker, waited_since)
            speaker.say(phrase(Phrase.FILLER, language))  # the first sentence is late
            continue
        if not speaker.spoken or kind == "done":
            waited_since = _report_wait(speaker, waited_since)
        if kind == "error":
            raise LlmFailed(str(item)) from item
        if kind == "done":
            break
        if kind == "message":  # a model without streaming: one whole message
            whole = item
        else:
            total = item if total is None else total + item
        for sentence in sentences.feed(item.text):
            speaker.say(sentence)
    message = whole or (message_chunk_to_message(total) if total is not None else AIMessage(""))
    message = _callable(message, sentences.held, tools, written_call_id)
    rest = sentences.flush()
    for index, sentence in enumerate(rest):
        speaker.say(sentence, last=index == len(rest) - 1 and not message.tool_calls)
    if not message.tool_calls and len(speaker.segments) == first:
        speaker.say(phrase(Phrase.NOT_CAUGHT, language), last=True)  # an empty reply: never silence
    elif not message.tool_calls and not speaker.segments[-1]["last"]:
        speaker.segments[-1]["last"] = True  # (only a filler was said) close the reply
    spoken = speaker.said(since=first)
    # the provider's signatures kept; text held back as code is not part of what was said
    return with_text(message, spoken) if spoken or sentences.held else message


def _callable(message: AIMessage, held: str, tools: frozenset[str], call_id: str) -> AIMessage:
    """`message` with only calls of `tools`: a call written as text (`held`, the unspoken text that
    looked like code) becomes a real one; calls made in a step without tools are dropped."""
    if message.tool_calls and not tools:
        log.warning("tool calls in a step without tools dropped: %s", [c["name"] for c in message.tool_calls])
        message = message.model_copy(update={"tool_calls": [], "invalid_tool_calls": []})
    if not held:
        return message
    written = None if message.tool_calls else tool_call_in_text(held, tools, call_id)
    if written is None:
        log.warning("text written as code not spoken: %r", held[:300])
        return message
    log.warning("a tool call written as text taken as a call of %s", written["name"], extra={"tool_call_id": call_id})
    return message.model_copy(update={"tool_calls": [written]})


def _report_wait(speaker: Speaker, since: float) -> float:
    """Tell agent_turn how long the node waited on the LLM since `since`, until now."""
    now = time.monotonic()
    speaker.waited_for_llm((now - since) * 1000)
    return now


def _produce(bound: Any, messages: list[AnyMessage], out: queue.Queue) -> None:
    try:
        for chunk in bound.stream(messages):
            if isinstance(chunk, AIMessageChunk):
                out.put(("chunk", chunk))
            elif isinstance(chunk, AIMessage):  # what `stream` yields for a model that cannot stream
                out.put(("message", chunk))
        out.put(("done", None))
    except Exception as exc:  # noqa: BLE001 - handed to the node, which logs it and apologises
        out.put(("error", exc))


def _fallback(speaker: Speaker, state: ConversationState, steps: int, language: str) -> dict[str, Any]:
    first = len(speaker.segments)
    speaker.say(phrase(Phrase.APOLOGY, language))
    speaker.say(phrase(Phrase.OFFER_HELP, language), last=True)
    said = AIMessage(speaker.said(since=first), id=_message_id(state), additional_kwargs={"turn": speaker.turn})
    return {"messages": [said], "reply": speaker.segments, "steps": steps}


def _message_id(state: ConversationState) -> str:
    return f"ai-{state.get('reply_turn', 0)}-{len(state.get('messages') or [])}"


def llm_history(messages: list[AnyMessage]) -> list[AnyMessage]:
    """The history as providers accept it: starting with the caller, consecutive plain bot lines
    merged, and lines cut to nothing by a barge-in left out."""
    history: list[AnyMessage] = []
    for message in messages:
        if isinstance(message, AIMessage) and not message.tool_calls:
            if not message.text.strip():
                continue
            previous = history[-1] if history else None
            if isinstance(previous, AIMessage) and not previous.tool_calls:
                history[-1] = AIMessage(f"{previous.text} {message.text}", id=previous.id)
                continue
        history.append(message)
    if history and not isinstance(history[0], HumanMessage):
        history.insert(0, HumanMessage(CALL_CONNECTED))
    return history
