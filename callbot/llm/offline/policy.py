"""The next step of the conversation, whichever specialist is active: mixed initiative.

Whatever the caller says, at any point, is taken whole, in this order, one step at a time (each
step is one tool call or the reply; the steps already taken for this utterance are read from the
history, so the engine keeps no state of its own):

1. a refusal (prompt injection, other people's data) is refused, and nothing else is done;
2. every detail the utterance gives is recorded (`record_details`), by any specialist: several
   fields at once, corrections, fields declined, a wish to meet or not and when;
3. a person asked for: the handover; goodbye: the lead saved if it can be, then the end;
4. a meeting to cancel or move: the calendar specialist; a product question: the knowledge
   specialist, who answers and resumes where the call was;
5. the rest goes to the active specialist's module (`lead_agent`, `calendar_agent`,
   `knowledge_agent`), which asks for what is missing, books, or offers.
"""

from __future__ import annotations

import re
from types import ModuleType

from callbot.agents.caller.tools import save_lead
from callbot.agents.knowledge.tools import search_knowledge
from callbot.agents.lead.tools import record_details
from callbot.agents.supervisor.tools import (
    end_call,
    transfer_to_calendar,
    transfer_to_human,
    transfer_to_knowledge,
)
from callbot.llm.offline import calendar_agent, knowledge_agent, lead_agent
from callbot.llm.offline.dates import mentions_time
from callbot.llm.offline.intents import (
    SMALL_TALK,
    WHY_DETAILS,
    about_bot,
    asks_to_move,
    asks_to_repeat,
    asks_to_wait,
    asks_too,
    asks_when_meeting,
    asks_why_details,
    classify,
    declines_meeting,
    is_product_question,
    small_talk,
)
from callbot.llm.offline.turn import HANDOFF_TOOLS, Decision, Turn
from callbot.phrases import Phrase, phrase
from callbot.spoken import join, yes_or_no

AGENTS: dict[str, ModuleType] = {"lead": lead_agent, "calendar": calendar_agent, "knowledge": knowledge_agent}
MAX_HANDOFFS = 2  # per utterance; a third would mean two specialists passing the caller back and forth
NOISE = re.compile(r"^(?:\W|um+|uh+|hmm+|mm+|er+|ah+|erm|euh+)*$", re.IGNORECASE)
SLOT_WORDS = re.compile(r"\b(?:first|second|third|last|earliest|latest) (?:one|slot|time|option)\b|\bnone of (?:those|them)\b",
                        re.IGNORECASE)
SHORT_YES = 3  # words: "yes please", a "yes" that asks for nothing in particular
CONTINUE_AFTER = (record_details.name, save_lead.name)  # results after which the same utterance goes on


def decide(turn: Turn) -> Decision:
    decision = _decide(turn)
    if decision.tool in HANDOFF_TOOLS and turn.handoffs_since_utterance() >= MAX_HANDOFFS:
        return Decision(phrase(Phrase.GREETING_QUESTION, turn.language))
    return decision


# a question of the caller's that no pattern names, asked in full: searched rather than "didn't catch that"
OTHER_QUESTION = re.compile(r"(?:^|[.!?]\s+)(?:and |so |but |also |oh,? |et )?(?:do|does|is|are|can|could|will|would|what|how|"
                            r"which|est-ce qu(?:e\b|['’])|peut-on|faut-il|y a-t-il)(?![^?]*\b(?:repeat|again|say that|mean|hear me|"
                            r"still there|real person|robot|spell|my name|email|right)\b)(?:\s+[^\s?]+){3,}\s*\?|"
                            r"(?:^|[.!?]\s+)(?=(?:[^\s.!?]+\s+){3,}[^.!?]*\?)(?![^?]*\b(?:repeat|again|say that|mean|hear me|"
                            r"still there|real person|robot|spell|my name|email|right)\b)[^.!?]*\b(?:where|when|who|why|how|"
                            r"what|which|où|quand|comment|combien|quels?|quelles?|qui|pourquoi)\b[^.!?]*\?",
                            re.IGNORECASE)  # (or a question word in the middle: "and during maintenance, where do calls go?")


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
    if result.name in CONTINUE_AFTER and turn.utterance is not None:
        return respond(turn)
    return _agent(turn).after_tool(turn, result)


def respond(turn: Turn) -> Decision:
    """The next step for the caller's latest utterance."""
    text, language = turn.utterance, turn.language
    if text is None:
        return _agent(turn).opening(turn)
    if NOISE.match(text):
        return Decision(phrase(Phrase.DIDNT_CATCH_REPEAT, language))
    done = turn.done_since_utterance()
    previous = turn.previous_bot_text
    if not done and asks_to_wait(text):
        return Decision(phrase(Phrase.TAKE_YOUR_TIME, language))  # (the question it waits on stays asked: Turn)
    if not done and previous and asks_to_repeat(text):
        return Decision(previous)
    asks_more = turn.asked_anything_else
    intent = classify(text, confirming=previous.rstrip().endswith("?") and not asks_more)
    booked = bool(turn.meeting) and turn.meeting.get("status", "booked") == "booked"
    if intent == "cancel" and calendar_agent.cancelled(turn) and asks_too(text):
        intent = "question"  # "yes, cancel it. Quick question though, is there a setup fee?": it is cancelled already
    if intent is None and booked and asks_to_move(text):
        intent = "reschedule"  # "can we keep the same day but make it 3 instead?"
    if intent in (None, "question") and lead_agent.offered_meeting(turn) and (
            mentions_time(text) or SLOT_WORDS.search(text)):
        intent = "book"  # the meeting offered, and the caller answers with a time or a slot: a yes
    if intent == "refuse":
        return Decision(phrase(Phrase.REFUSAL, language, company=turn.company))
    if record_details.name not in done:
        fields = lead_agent.heard(turn, intent)
        if fields:
            return turn.call(record_details, args=fields, text=lead_agent.acknowledge(turn, fields, intent))
    if intent == "human":
        return turn.call(transfer_to_human, args={"reason": "caller asked for a person"})
    if intent == "goodbye":
        taken = calendar_agent.taken_on_leaving(turn) if turn.agent == "calendar" else None
        if taken is not None and not {calendar_agent.book_meeting.name, calendar_agent.reschedule_meeting.name} & set(done):
            return taken
        if lead_agent.should_save(turn, leaving=True) and save_lead.name not in done:
            return _via_lead(turn) or turn.call(end_call)
        return turn.call(end_call)
    if intent is None and turn.meeting and asks_when_meeting(text):
        label, rep = calendar_agent.meeting_said(turn, turn.meeting)
        return Decision(join(phrase(Phrase.MEETING_IS, language, label=label, with_rep=rep),
                             phrase(Phrase.ANYTHING_ELSE, language)))
    if intent in ("reschedule", "cancel") and turn.agent != "calendar":
        if turn.agent == "knowledge" and transfer_to_knowledge.name in done and search_knowledge.name not in done \
                and (asked := knowledge_agent.asked_of(turn)):  # sent here by the calendar for the question asked
            return turn.call(search_knowledge, args={"question": asked[0]})  # with the move: answered first
        return turn.call(transfer_to_calendar, args={"intent": intent})
    if intent is None and not set(done) - set(HANDOFF_TOOLS) and OTHER_QUESTION.search(text) and not mentions_time(text) and \
            not (small_talk(text) or about_bot(text) or asks_when_meeting(text) or asks_why_details(text)):
        intent = "question"  # "do my consultants need a certification to set it up?": the knowledge base may say
    if intent == "book" and search_knowledge.name not in done and turn.agent != "calendar" and asks_too(text):
        intent = "question"  # "does it write into HubSpot? And I want to get a meeting in": the answer, then the meeting
    if intent == "question" and asks_why_details(text) and not is_product_question(WHY_DETAILS.sub("", text)):
        intent = None  # "Why do you need my name?": about the call, not the product
    if intent == "question" and small_talk(text) and not is_product_question(re.sub(SMALL_TALK, "", text)):
        intent = None  # "how's your day going? the phones haven't stopped ringing": small talk
    if intent == "question" and declines_meeting(text) and not any(
            is_product_question(said) and not declines_meeting(said) for said in re.split(r"(?<=[.!?])\s+", text)):
        intent = None  # "I'll hold off on a meeting until I hear about pricing": a no, not a question
    if intent == "question" and search_knowledge.name not in done:
        if turn.agent == "knowledge":
            return turn.call(search_knowledge, args={"question": knowledge_agent.asked_of(turn)[0]})
        if not (turn.agent == "calendar" and mentions_time(text)):
            return turn.call(transfer_to_knowledge)
    if previous == phrase(Phrase.ACTION_FAILED, language) and re.search(r"\bcall (?:me )?back\b|\bcallback\b", text,
                                                                       re.IGNORECASE):
        return Decision(phrase(Phrase.CALL_BACK, language))
    if asks_more and intent is None and not done:
        answer = yes_or_no(text)
        if answer is False and len(text.split()) <= SHORT_YES + 2:
            return turn.call(end_call)
        if answer is True and len(text.split()) <= SHORT_YES:
            return Decision(phrase(Phrase.WHAT_ELSE, language))
    return _agent(turn).on_utterance(turn, intent)


def _via_lead(turn: Turn) -> Decision | None:
    """Save the lead before the goodbye, from whichever specialist has the tool."""
    return turn.call(save_lead) if save_lead.name in turn.tools else None

