"""The lead specialist's rules: record what the caller gives, ask for what is missing in
`QUALIFICATION_ORDER`, read the email back, save the lead, then offer (or go on to) a meeting."""

from __future__ import annotations

from typing import Any

from callbot.agents.caller.tools import save_lead
from callbot.agents.lead.tools import record_details
from callbot.agents.state import missing_fields
from callbot.agents.supervisor.tools import transfer_to_calendar
from callbot.llm.offline.extract import extract
from callbot.llm.offline.intents import classify
from callbot.llm.offline.spoken import join, read_back, yes_or_no
from callbot.llm.offline.turn import Decision, ToolResult, Turn
from callbot.phrases import Phrase, phrase

QUESTIONS = {"first_name": Phrase.ASK_FIRST_NAME, "last_name": Phrase.ASK_LAST_NAME, "company": Phrase.ASK_COMPANY,
             "role": Phrase.ASK_ROLE, "need": Phrase.ASK_NEED, "team_size": Phrase.ASK_TEAM_SIZE,
             "timeline": Phrase.ASK_TIMELINE, "email": Phrase.ASK_EMAIL, "consent": Phrase.ASK_CONSENT}
ACKNOWLEDGEMENTS = ((Phrase.THANKS, Phrase.THANKS_NAME), (Phrase.GOT_IT, Phrase.GOT_IT_NAME),
                    (Phrase.GREAT, Phrase.GREAT_NAME))  # without and with the caller's name


def question(turn: Turn, field: str, lead: dict[str, Any]) -> str:
    """The question that asks for `field` (a `QUALIFICATION_ORDER` field)."""
    if field == "email_confirmed" and lead.get("email"):
        return phrase(Phrase.ASK_EMAIL_CONFIRMED, turn.language, spoken=read_back(lead["email"], turn.language))
    if field == "email_confirmed":
        field = "email"
    if field == "last_name" and not lead.get("first_name"):
        field = "first_name"
    return phrase(QUESTIONS[field], turn.language, company=turn.company)


def _thanks(turn: Turn, lead: dict[str, Any], recorded: int | None = None) -> str:
    """A short acknowledgement; it varies along the call (by how many answers were recorded) so that
    the caller does not hear the same words after every answer."""
    name = lead.get("first_name") or turn.first_name
    recorded = turn.results_of(record_details) if recorded is None else recorded
    plain, named = ACKNOWLEDGEMENTS[max(recorded - 1, 0) % len(ACKNOWLEDGEMENTS)]
    return phrase(named, turn.language, name=name) if name else phrase(plain, turn.language)


def _all_set(turn: Turn, lead: dict[str, Any]) -> str:
    name = lead.get("first_name") or turn.first_name
    if name:
        return phrase(Phrase.ALL_SET, turn.language, name=name)
    return phrase(Phrase.ALL_SET_ANON, turn.language)


def _wants_meeting(turn: Turn) -> bool:
    return turn.context.get("pending_intent") == "book" or any(classify(said) == "book" for said in turn.caller_said())


def _to_calendar(turn: Turn, intent: str = "book") -> Decision:
    return turn.call(transfer_to_calendar, args={"intent": intent})


def _next(turn: Turn, lead: dict[str, Any], missing: list[str], prefix: str) -> Decision:
    """Ask for the first missing field, or save the lead once nothing is missing."""
    if missing:
        return Decision(join(prefix, question(turn, missing[0], lead)))
    if turn.context.get("lead_saved"):
        return Decision(_all_set(turn, lead))
    if turn.failures_of(save_lead):
        # the CRM failed once in this call: no second wait for the caller; the details are on the
        # call, and the post-call sync writes the lead
        return Decision(phrase(Phrase.NOTED_FOLLOW_UP, turn.language))
    return turn.call(save_lead)


def opening(turn: Turn) -> Decision:
    if turn.missing:
        return Decision(question(turn, turn.missing[0], turn.lead))
    return Decision(phrase(Phrase.GREETING_QUESTION, turn.language))


def on_utterance(turn: Turn, intent: str | None) -> Decision:
    text, missing, saved = turn.utterance or "", turn.missing, bool(turn.context.get("lead_saved"))
    if intent in ("reschedule", "cancel") or (intent == "book" and saved):
        return _to_calendar(turn, intent)
    if not missing and saved:
        answer = yes_or_no(text) if phrase(Phrase.OFFER_MEETING, turn.language) in turn.previous_bot_text else None
        if answer is True:
            return _to_calendar(turn)
        if answer is False:
            return Decision(phrase(Phrase.NO_PROBLEM, turn.language))
        return Decision(join(phrase(Phrase.DIDNT_CATCH, turn.language), phrase(Phrase.OFFER_MEETING, turn.language)))
    asked = missing[0] if missing else None
    fields = extract(text, asked, turn.lead)
    if fields:
        merged = {**turn.lead, **fields}
        ahead = missing_fields(merged)
        # the acknowledgement is said with the tool call, not after its result: the caller hears it
        # one LLM step sooner (bench/voice_latency.py), while the next question is being worked out
        thanks = (phrase(Phrase.HAPPY_TO_BOOK, turn.language) if intent == "book"
                  else _thanks(turn, merged, turn.results_of(record_details) + 1)) if ahead else ""
        return turn.call(record_details, args=fields, text=thanks)
    if asked == "email_confirmed" and turn.lead.get("email") and yes_or_no(text) is False:
        return Decision(phrase(Phrase.SPELL_EMAIL, turn.language))
    prefix = phrase(Phrase.HAPPY_TO_BOOK, turn.language) if intent == "book" else phrase(Phrase.DIDNT_CATCH, turn.language)
    return _next(turn, turn.lead, missing, prefix if missing else "")


def after_tool(turn: Turn, result: ToolResult) -> Decision:
    if result.is_from(record_details):
        lead = result.data.get("lead") or {**turn.lead, **result.args}
        missing = result.data.get("missing")
        missing = missing if isinstance(missing, list) else missing_fields(lead)
        return _next(turn, lead, missing, "")  # acknowledged with the call (on_utterance)
    if result.is_from(save_lead):
        if _wants_meeting(turn):
            return _to_calendar(turn)
        return Decision(_all_set(turn, result.data.get("lead") or turn.lead))
    return Decision(phrase(Phrase.ANYTHING_ELSE, turn.language))
