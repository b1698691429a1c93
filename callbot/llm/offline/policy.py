"""The next step of the conversation, whichever specialist is active.

The last message decides: a tool result is answered (a handoff's result means the new specialist
takes the caller's latest utterance); a caller's utterance is classified (`intents.classify`) and the
intents every specialist shares are handled here, the rest by the active specialist's module.
"""

from __future__ import annotations

import re
from types import ModuleType

from callbot.agents.knowledge.tools import search_knowledge
from callbot.agents.supervisor.tools import (
    end_call,
    transfer_to_calendar,
    transfer_to_human,
    transfer_to_knowledge,
    transfer_to_lead,
)
from callbot.llm.offline import calendar_agent, knowledge_agent, lead_agent
from callbot.llm.offline.intents import classify
from callbot.llm.offline.spoken import yes_or_no
from callbot.llm.offline.turn import HANDOFF_TOOLS, Decision, Turn
from callbot.phrases import Phrase, phrase

AGENTS: dict[str, ModuleType] = {"lead": lead_agent, "calendar": calendar_agent, "knowledge": knowledge_agent}
MAX_HANDOFFS = 2  # per utterance; a third would mean two specialists passing the caller back and forth
NOISE = re.compile(r"^(?:\W|um+|uh+|hmm+|mm+|er+|ah+|erm|euh+)*$", re.IGNORECASE)
SHORT_YES = 3  # words: "yes please", a "yes" that asks for nothing in particular


def decide(turn: Turn) -> Decision:
    decision = _decide(turn)
    if decision.tool in HANDOFF_TOOLS and turn.handoffs_since_utterance() >= MAX_HANDOFFS:
        return Decision(phrase(Phrase.GREETING_QUESTION, turn.language))
    return decision


def _agent(turn: Turn) -> ModuleType:
    return AGENTS.get(turn.agent, lead_agent)


def _decide(turn: Turn) -> Decision:
    result = turn.result
    if result is None or result.name in HANDOFF_TOOLS:
        return respond(turn)
    if result.data.get("error"):
        return Decision(phrase(Phrase.ACTION_FAILED, turn.language))
    if result.is_from(transfer_to_human):
        return Decision(phrase(Phrase.TRANSFER, turn.language))
    if result.is_from(end_call):
        return Decision(phrase(Phrase.GOODBYE, turn.language))
    return _agent(turn).after_tool(turn, result)


def respond(turn: Turn) -> Decision:
    """Answer the caller's latest utterance."""
    text, language = turn.utterance, turn.language
    if text is None:
        return _agent(turn).opening(turn)
    if NOISE.match(text):
        return Decision(phrase(Phrase.DIDNT_CATCH_REPEAT, language))
    previous = turn.previous_bot_text
    asks_more = turn.asked_anything_else
    intent = classify(text, confirming=previous.rstrip().endswith("?") and not asks_more)
    if intent == "refuse":
        return Decision(phrase(Phrase.REFUSAL, language, company=turn.company))
    if intent == "human":
        return turn.call(transfer_to_human, args={"reason": "caller asked for a person"})
    if intent == "goodbye":
        return turn.call(end_call)
    if intent in ("book", "reschedule", "cancel") and turn.agent == "knowledge":
        to_lead = intent == "book" and (turn.missing or not turn.context.get("lead_saved"))
        return turn.call(transfer_to_lead) if to_lead else turn.call(transfer_to_calendar, args={"intent": intent})
    if intent == "question":
        if turn.agent == "knowledge":
            return turn.call(search_knowledge, args={"question": text})
        return turn.call(transfer_to_knowledge)
    if previous == phrase(Phrase.ACTION_FAILED, language) and re.search(r"\bcall (?:me )?back\b|\bcallback\b", text, re.IGNORECASE):
        return Decision(phrase(Phrase.CALL_BACK, language))
    if asks_more and intent is None:
        answer = yes_or_no(text)
        if answer is False:
            return turn.call(end_call)
        if answer is True and len(text.split()) <= SHORT_YES:
            return Decision(phrase(Phrase.WHAT_ELSE, language))
    return _agent(turn).on_utterance(turn, intent)
