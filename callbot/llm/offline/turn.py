"""What the engine decides from, and what it decides.

A `Turn` is one model call: the call-state block of the system prompt (see
`callbot.agents.context`), the message history and the names of the bound tools. A `Decision` is the
reply: text, or one tool call, or both.

The engine names tools by their definitions (`callbot.agents.*.tools`), never by a string of its
own, and calling a tool that is not bound raises `ToolNotBound`: a renamed or unbound tool is a bug
to see at once, not a conversation that quietly goes another way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool

from callbot.agents.context import parse_context
from callbot.agents.state import booking_missing, missing_fields
from callbot.agents.supervisor.tools import HANDOFFS
from callbot.phrases import DEFAULT_LANGUAGE, LANGUAGES, Phrase, phrase

HANDOFF_TOOLS = tuple(HANDOFFS)
ANYTHING_ELSE = ("anything else", "autre chose")
WAITED = frozenset(phrase(Phrase.TAKE_YOUR_TIME, language) for language in LANGUAGES)  # "Sure, take your time."


class ToolNotBound(LookupError):
    """The engine decided to call a tool the model was not given: the graph and the engine disagree."""


@dataclass(frozen=True)
class Decision:
    text: str = ""
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolResult:
    name: str
    data: dict[str, Any]  # the tool's JSON object; {"value": ...} for anything else
    args: dict[str, Any]  # what the tool was called with

    def is_from(self, tool: BaseTool) -> bool:
        return self.name == tool.name


@dataclass(frozen=True)
class Turn:
    context: dict[str, Any]
    messages: list[BaseMessage]
    tools: frozenset[str]
    company: str

    @classmethod
    def of(cls, messages: list[BaseMessage], tools: frozenset[str], company: str) -> Turn:
        system = messages[0] if messages and isinstance(messages[0], SystemMessage) else None
        return cls(parse_context(system.text) if system else {}, list(messages), tools, company)

    def call(self, tool: BaseTool, args: dict[str, Any] | None = None, text: str = "") -> Decision:
        """Call `tool` (saying `text` first); it must be bound."""
        if tool.name not in self.tools:
            raise ToolNotBound(f"the offline engine ({self.agent} specialist) calls {tool.name!r}, which is not "
                               f"among the bound tools: {sorted(self.tools) or 'none'}")
        return Decision(text, tool.name, dict(args or {}))

    @property
    def agent(self) -> str:
        return self.context.get("agent") or "lead"

    @property
    def language(self) -> str:
        return self.context.get("language") or DEFAULT_LANGUAGE

    @property
    def lead(self) -> dict[str, Any]:
        return self.context.get("lead") or {}

    @property
    def caller_number(self) -> str:
        """The number the caller calls from (the call's From)."""
        return self.context.get("caller_number") or ""

    @property
    def missing(self) -> list[str]:
        missing = self.context.get("missing")
        return list(missing) if isinstance(missing, list) else missing_fields(self.lead)  # type: ignore[arg-type]

    @property
    def first_name(self) -> str:
        return self.lead.get("first_name") or (self.context.get("caller") or {}).get("first_name") or ""

    @property
    def options(self) -> list[dict[str, Any]]:
        return list(self.context.get("meeting_options") or [])

    @property
    def meeting(self) -> dict[str, Any] | None:
        return self.context.get("meeting") or None

    def _latest_human_index(self) -> int | None:
        return next((i for i in range(len(self.messages) - 1, -1, -1)
                     if isinstance(self.messages[i], HumanMessage)), None)

    @property
    def utterance(self) -> str | None:
        """What the caller said last; None before they said anything."""
        index = self._latest_human_index()
        return None if index is None else self.messages[index].text.strip()

    @property
    def previous_bot_text(self) -> str:
        """What the bot said before the caller's latest utterance (the question it answers): a "take
        your time" the caller asked for is passed over, as the question before it is still open."""
        end = self._latest_human_index()
        end = len(self.messages) if end is None else end
        return next((m.text for m in reversed(self.messages[:end])
                     if isinstance(m, AIMessage) and m.text and m.text not in WAITED), "")

    @property
    def asked_anything_else(self) -> bool:
        """Whether the bot's last words asked if there is anything else (a task just ended)."""
        return any(phrase in self.previous_bot_text.lower() for phrase in ANYTHING_ELSE)

    def caller_said(self) -> list[str]:
        return [m.text for m in self.messages if isinstance(m, HumanMessage)]

    def results_of(self, tool: BaseTool) -> int:
        """How many results of `tool` the history holds."""
        return sum(1 for m in self.messages if isinstance(m, ToolMessage) and self._tool_name(m) == tool.name)

    def failures_of(self, tool: BaseTool) -> int:
        """How many results of `tool` in the history are errors."""
        return sum(1 for m in self.messages if isinstance(m, ToolMessage) and self._tool_name(m) == tool.name
                   and (m.status == "error" or '"error"' in m.text))

    def done_since_utterance(self) -> list[str]:
        """The tools whose results came in since the caller's latest utterance, in order."""
        start = (self._latest_human_index() or 0) + 1
        return [self._tool_name(m) for m in self.messages[start:] if isinstance(m, ToolMessage)]

    def recorded_since_save(self, record: BaseTool, save: BaseTool) -> bool:
        """Whether details were recorded after the lead was last saved (or ever, if never saved)."""
        for message in reversed(self.messages):
            if isinstance(message, ToolMessage):
                name = self._tool_name(message)
                if name == save.name:
                    return False
                if name == record.name:
                    return True
        return False

    def bot_texts(self) -> list[str]:
        return [m.text for m in self.messages if isinstance(m, AIMessage) and m.text]

    def said_since_utterance(self) -> str:
        """What the bot has said since the caller's latest utterance."""
        start = (self._latest_human_index() or 0) + 1
        return " ".join(m.text for m in self.messages[start:] if isinstance(m, AIMessage) and m.text)

    @property
    def booking_needs(self) -> list[str]:
        needs = self.context.get("booking_needs")
        return list(needs) if isinstance(needs, list) else booking_missing(self.lead, self.caller_number)  # type: ignore[arg-type]

    def handoffs_since_utterance(self) -> int:
        start = (self._latest_human_index() or 0) + 1
        return sum(1 for m in self.messages[start:] if isinstance(m, ToolMessage)
                   and self._tool_name(m) in HANDOFF_TOOLS)

    def _tool_call(self, message: ToolMessage) -> dict[str, Any]:
        for candidate in reversed(self.messages):
            if isinstance(candidate, AIMessage):
                for call in candidate.tool_calls:
                    if call.get("id") == message.tool_call_id:
                        return dict(call)
        return {}

    def _tool_name(self, message: ToolMessage) -> str:
        return message.name or self._tool_call(message).get("name", "")

    @property
    def result(self) -> ToolResult | None:
        """The tool result to reply to, when the last message is one."""
        last = self.messages[-1] if self.messages else None
        if not isinstance(last, ToolMessage):
            return None
        try:
            data = json.loads(last.text)
        except ValueError:
            data = last.text
        data = data if isinstance(data, dict) else {"value": data}
        if last.status == "error" and "error" not in data:
            data = {**data, "error": last.text}
        return ToolResult(self._tool_name(last), data, self._tool_call(last).get("args") or {})
