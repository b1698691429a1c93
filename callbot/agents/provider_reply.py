"""A provider's reply with another text, everything else it carries kept.

The history keeps what the caller heard (the spoken sentences, or what a barge-in left of them),
not the raw LLM text; but what the provider needs back with its own messages must survive that
rewrite. Gemini 3 answers 400 to function calls that lost their thought signatures: the
langchain-google-vertexai and -genai chat models keep them in `additional_kwargs`, keyed by tool
call id (`__gemini_function_call_thought_signatures__`), in `function_call_signature` content blocks
(output version v1), and on signed thinking and text blocks (`signature`, `thought_signature`,
`extras`); Anthropic's thinking blocks are signed the same way. `response_metadata` says which
provider and output version the content blocks are in.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage


def with_text(message: AIMessage, text: str, **additional_kwargs: Any) -> AIMessage:
    """`message` with `text` as its only text, its other content blocks, tool calls, ids and
    metadata as they were, and `additional_kwargs` added to its own."""
    return message.model_copy(update={"content": _content(message.content, text),
                                      "additional_kwargs": {**message.additional_kwargs, **additional_kwargs}})


def _content(content: str | list[Any], text: str) -> str | list[Any]:
    if isinstance(content, str):
        return text
    blocks: list[Any] = []
    text_block: dict[str, Any] = {"type": "text"}
    placed = False
    for block in content:
        if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text"):
            if isinstance(block, dict):  # keep its signature (and any other field) on the one text block
                text_block |= {k: v for k, v in block.items() if k not in ("text", "index", "id")}
            if not placed:
                blocks.append(text_block)
                placed = True
        else:
            blocks.append(block)
    if not placed:
        blocks.insert(0, text_block)
    text_block["text"] = text
    if not text:
        blocks.remove(text_block)
    return blocks
