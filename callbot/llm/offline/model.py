"""`OfflineDialogueModel`: a LangChain chat model that runs the offline dialogue rules.

It is a rule-based stand-in for an LLM, not a language model: it reads the call-state block of the
system prompt and the message history, and answers with a reply or one call to a bound tool, the way
Gemini would through the same graph. Same input, same output. Streaming yields the reply word by
word, then the tool call as one chunk.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from callbot.llm.offline.policy import decide
from callbot.llm.offline.turn import Decision, Turn


def _tool_name(candidate: Any) -> str:
    if isinstance(candidate, str):
        return candidate
    if isinstance(candidate, BaseTool):
        return candidate.name
    if isinstance(candidate, dict) and "name" in candidate:
        return str(candidate["name"])
    return str(convert_to_openai_tool(candidate)["function"]["name"])


class OfflineDialogueModel(BaseChatModel):
    """A deterministic, rule-based chat model for the callbot's graph (no network, no weights)."""

    chunk_delay_s: float = 0.0  # pause between streamed chunks, to imitate token timing
    first_token_s: float = 0.0  # wait before the first chunk, to imitate an LLM's time to first token
    company_name: str  # what it calls the company it sells for (CALLBOT_COMPANY_NAME)

    @property
    def _llm_type(self) -> str:
        return "callbot-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"company_name": self.company_name}

    def bind_tools(self, tools: Sequence[dict[str, Any] | type | Callable | BaseTool | str],
                   **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """Remember the tools' names: only those can be called."""
        return self.bind(tools=[_tool_name(candidate) for candidate in tools], **kwargs)

    def _decide(self, messages: list[BaseMessage], tools: Sequence[str] | None) -> tuple[Decision, str]:
        decision = decide(Turn.of(messages, frozenset(tools or ()), self.company_name))
        return decision, f"call_{len(messages)}_{decision.tool}"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        decision, call_id = self._decide(messages, kwargs.get("tools"))
        calls = [{"name": decision.tool, "args": decision.args, "id": call_id, "type": "tool_call"}] \
            if decision.tool else []
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=decision.text, tool_calls=calls))])

    def _chunks(self, messages: list[BaseMessage], tools: Sequence[str] | None) -> Iterator[ChatGenerationChunk]:
        decision, call_id = self._decide(messages, tools)
        words = decision.text.split(" ") if decision.text else []
        for index, word in enumerate(words):
            ending = " " if index < len(words) - 1 else ""
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + ending))
        if decision.tool:
            call = {"name": decision.tool, "args": json.dumps(decision.args), "id": call_id, "index": 0}
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[call]))
        if not words and not decision.tool:
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for index, chunk in enumerate(self._chunks(messages, kwargs.get("tools"))):
            delay = self.chunk_delay_s if index else self.first_token_s
            if delay:
                time.sleep(delay)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        for index, chunk in enumerate(self._chunks(messages, kwargs.get("tools"))):
            delay = self.chunk_delay_s if index else self.first_token_s
            if delay:
                await asyncio.sleep(delay)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
