"""The knowledge specialist's rules: answer product questions only from the passages the search
returns, name the page they come from, and say so plainly when there is none."""

from __future__ import annotations

import re

from callbot.agents.knowledge.tools import search_knowledge
from callbot.agents.supervisor.tools import transfer_to_lead
from callbot.llm.offline.spoken import join
from callbot.llm.offline.turn import Decision, ToolResult, Turn
from callbot.phrases import Phrase, phrase

SHORT_SENTENCE = 80  # a first sentence this short is followed by the second one


def first_sentences(text: str) -> str:
    """The first sentence of `text`, and the second when the first is short, verbatim."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]
    if not sentences:
        return ""
    if len(sentences) > 1 and len(sentences[0]) < SHORT_SENTENCE:
        return f"{sentences[0]} {sentences[1]}"
    return sentences[0]


def opening(turn: Turn) -> Decision:
    return Decision(phrase(Phrase.GREETING_QUESTION, turn.language))


def on_utterance(turn: Turn, intent: str | None) -> Decision:
    """Not a product question: the lead specialist takes it."""
    return turn.call(transfer_to_lead)


def after_tool(turn: Turn, result: ToolResult) -> Decision:
    if not result.is_from(search_knowledge):
        return Decision(phrase(Phrase.ANYTHING_ELSE, turn.language))
    passages = [p for p in result.data.get("passages") or [] if isinstance(p, dict) and p.get("text")]
    if not passages:
        return Decision(join(phrase(Phrase.DONT_KNOW, turn.language), phrase(Phrase.DONT_KNOW_MORE, turn.language)))
    best = passages[0]
    title = best.get("title") or best.get("source") or turn.company
    return Decision(join(first_sentences(best["text"]), phrase(Phrase.KB_SOURCE, turn.language, title=title),
                         phrase(Phrase.KB_MORE, turn.language)))
