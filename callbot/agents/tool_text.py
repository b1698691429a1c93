"""Tool calls a model wrote as text instead of through the provider's tool-calling API.

Small models (and, now and then, large ones) answer with `{"name": "record_details", "arguments":
{...}}`, bare or in a ``` code fence, as the words of their reply. Spoken, that is JSON read aloud
to a caller; taken for what it is, it is the call the model meant. A reply whose text is only such
an object, naming one of the tools bound to the step, becomes that tool call; any other text that
starts like JSON or code is never spoken (`speech.SentenceBuffer` holds it back).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from langchain_core.messages.tool import ToolCall, tool_call

CODE_START = ("{", "[", "`")  # how JSON or a code fence begins: held back, never spoken
_FENCE = re.compile(r"^```[\w-]*\s*(.*?)\s*```$", re.DOTALL)
_ARGUMENT_KEYS = ("arguments", "args", "parameters")


def looks_like_code(text: str) -> bool:
    """Whether `text` (the rest of a reply, from a sentence start) begins like JSON or a code fence."""
    return text.lstrip().startswith(CODE_START)


def tool_call_in_text(text: str, tools: Collection[str], call_id: str) -> ToolCall | None:
    """The tool call that `text` is, when it is only a JSON object (optionally in a code fence) with
    the `name` of one of `tools` and an object of arguments; else None."""
    body = text.strip()
    if fenced := _FENCE.match(body):
        body = fenced.group(1)
    try:
        written = json.loads(body)
    except ValueError:
        return None
    if not isinstance(written, dict) or written.get("name") not in tools:
        return None
    args = _arguments(written)
    return None if args is None else tool_call(name=written["name"], args=args, id=call_id)


def _arguments(written: dict[str, Any]) -> dict[str, Any] | None:
    present = [key for key in _ARGUMENT_KEYS if key in written]
    if not present:
        return {} if set(written) == {"name"} else None
    args = written[present[0]]
    if isinstance(args, str):  # the OpenAI wire form: the arguments as a JSON string
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return None
    return args if isinstance(args, dict) else None
