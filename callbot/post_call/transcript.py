"""The call's dialogue as the caller heard it, from its events: an interrupted bot line is what was
played before the barge-in, not what was planned. Bounded for a prompt (`transcript`) or a CRM Task
(`transcript_excerpt`); a long call keeps its start and its end."""

from __future__ import annotations

from typing import Any

TRANSCRIPT_MAX_CHARS = 12_000
EXCERPT_LINES = 6
EXCERPT_MAX_CHARS = 1_200
LINE_MAX_CHARS = 400


def dialogue(events: list[dict[str, Any]]) -> list[str]:
    """The spoken lines, "Caller: ..." and "Agent: ...", in event order; actions, agent runs and
    latency records left out."""
    lines = []
    for event in events:
        if event.get("kind"):
            continue
        match event.get("speaker"):
            case "caller":
                label = "Caller"
                text = f"[pressed {event['dtmf']}]" if event.get("dtmf") else clean(event.get("text"))
            case "bot":
                label = "Agent"
                heard = clean(event.get("heard"))
                text = (f"{heard} [cut off]" if heard else "") if event.get("interrupted") else clean(event.get("text"))
            case _:
                continue
        if text:
            lines.append(f"{label}: {_clip(text, LINE_MAX_CHARS)}")
    return lines


def caller_lines(events: list[dict[str, Any]]) -> list[str]:
    """What the caller said, line by line."""
    return [line.removeprefix("Caller: ") for line in dialogue(events) if line.startswith("Caller: ")]


def transcript(events: list[dict[str, Any]], max_chars: int = TRANSCRIPT_MAX_CHARS) -> str:
    """The dialogue, at most `max_chars`: a long call keeps its start and its end."""
    lines = dialogue(events)
    return _head_and_tail(lines, max_chars, len(lines))


def transcript_excerpt(events: list[dict[str, Any]], max_lines: int = EXCERPT_LINES,
                       max_chars: int = EXCERPT_MAX_CHARS) -> str:
    """The first and last lines of the dialogue, for the CRM Task."""
    return _head_and_tail(dialogue(events), max_chars, max_lines)


def clean(text: Any) -> str:
    """`text` on one line, its white space folded."""
    return " ".join(str(text or "").split())


def _head_and_tail(lines: list[str], max_chars: int, max_lines: int) -> str:
    whole = "\n".join(lines)
    if len(lines) <= max_lines and len(whole) <= max_chars:
        return whole
    budget = max_chars - len(_omitted(len(lines))) - 1
    head: list[str] = []
    tail: list[str] = []
    low, high, used = 0, len(lines) - 1, 0
    while low <= high and len(head) + len(tail) < max_lines:
        line = lines[low] if len(head) <= len(tail) else lines[high]
        if used + len(line) + 1 > budget:
            break
        used += len(line) + 1
        if len(head) <= len(tail):
            head.append(line)
            low += 1
        else:
            tail.append(line)
            high -= 1
    left_out = high - low + 1
    return "\n".join([*head, *([_omitted(left_out)] if left_out else []), *reversed(tail)])[:max_chars]


def _omitted(count: int) -> str:
    return f"[... {count} lines omitted ...]"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."
