"""The call-state block of a system prompt: what the graph knows, as JSON, between two marker lines.

Every specialist's prompt ends with this block, so a real LLM sees the typed state (not only the
history), and the offline dialogue engine reads the very same block to decide what to do.
"""

from __future__ import annotations

import json
from typing import Any

BEGIN = "<call-state>"
END = "</call-state>"


def render_context(context: dict[str, Any]) -> str:
    # "<" and ">" escaped: text from the caller or the CRM cannot open or close the block
    rendered = json.dumps(context, ensure_ascii=False, sort_keys=True, default=str)
    rendered = rendered.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"{BEGIN}\n{rendered}\n{END}"


def parse_context(prompt: str) -> dict[str, Any]:
    """The block rendered by `render_context` in `prompt`; empty when there is none."""
    start = prompt.rfind(BEGIN)
    end = prompt.rfind(END)
    if start < 0 or end < start:
        return {}
    try:
        value = json.loads(prompt[start + len(BEGIN):end])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
