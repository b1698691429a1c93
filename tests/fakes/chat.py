"""A scripted chat model for unit tests: replays the `AIMessage`s it was given, streaming their text
word by word (or their content blocks one by one) and their tool calls, additional_kwargs and
response metadata as a last chunk, and records what it was asked."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    script: list[Any]  # AIMessage, or an Exception to raise, or ("sleep", seconds, AIMessage)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[list[str]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        self.bound_tools.append([getattr(t, "name", str(t)) for t in tools])
        return self

    def _next(self, messages: list[BaseMessage]) -> tuple[AIMessage, float]:
        self.calls.append(list(messages))
        if not self.script:
            raise AssertionError("the scripted chat model ran out of replies")
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        if isinstance(item, tuple):
            return item[2], item[1]
        return item, 0.0

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        message, delay = self._next(messages)
        time.sleep(delay)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        message, delay = self._next(messages)
        time.sleep(delay)
        if isinstance(message.content, list):  # content blocks (Gemini's signed ones): one chunk each
            for block in message.content:
                yield ChatGenerationChunk(message=AIMessageChunk(content=block if isinstance(block, str) else [block]))
        else:
            for word in message.text.split(" ") if message.text else []:
                yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))
        if message.tool_calls or message.additional_kwargs or message.response_metadata:
            import json

            # the last chunk, as Gemini's: the function calls with their thought signatures
            # (additional_kwargs, keyed by tool call id) and the response metadata
            yield ChatGenerationChunk(message=AIMessageChunk(
                content="", additional_kwargs=message.additional_kwargs, response_metadata=message.response_metadata,
                tool_call_chunks=[{"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                                  for i, c in enumerate(message.tool_calls)]))


def call(name: str, args: dict[str, Any] | None = None, id: str | None = None) -> AIMessage:
    """A scripted LLM step that calls tool `name` with `args` (its call id is `id-<name>` unless given)."""
    return AIMessage("", tool_calls=[{"name": name, "args": args or {}, "id": id or f"id-{name}"}])
