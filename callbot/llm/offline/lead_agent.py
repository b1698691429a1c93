"""The lead specialist's rules: record whatever the caller gives, ask for one missing thing at a time
(what booking needs first when they want a meeting), read the name and email back together, save
the lead as soon as booking could happen, then go on to the meeting they asked for, or offer one.
A caller who will not give an email is never asked for it again: their name is read back alone, and
they are booked on their phone number once they agree to be texted."""

from __future__ import annotations

from typing import Any

from callbot.agents.calendar.tools import find_slots
from callbot.agents.caller.tools import save_lead
from callbot.agents.lead.tools import record_details
from callbot.agents.state import booking_missing, declined_email, missing_fields
from callbot.agents.supervisor.tools import transfer_to_calendar
from callbot.agents.tool_node import recorded
from callbot.llm.offline.contact import phone_given, refuses_email, without_email
from callbot.llm.offline.dates import mentions_time
from callbot.llm.offline.extract import extract
from callbot.llm.offline.intents import about_bot, asks_why_details, declines_meeting, small_talk
from callbot.llm.offline.turn import Decision, Turn
from callbot.phrases import Phrase, phrase
from callbot.spoken import join, read_back, yes_or_no

QUESTIONS = {"first_name": Phrase.ASK_FIRST_NAME, "last_name": Phrase.ASK_LAST_NAME, "company": Phrase.ASK_COMPANY,
             "role": Phrase.ASK_ROLE, "need": Phrase.ASK_NEED, "team_size": Phrase.ASK_TEAM_SIZE,
             "timeline": Phrase.ASK_TIMELINE, "email": Phrase.ASK_EMAIL, "consent": Phrase.ASK_CONSENT,
             "phone": Phrase.ASK_PHONE}
ACKNOWLEDGEMENTS = ((Phrase.THANKS, Phrase.THANKS_NAME), (Phrase.GOT_IT, Phrase.GOT_IT_NAME),
                    (Phrase.GREAT, Phrase.GREAT_NAME))  # without and with the caller's name
OFFERS = (Phrase.OFFER_MEETING, Phrase.ALL_SET, Phrase.ALL_SET_ANON, Phrase.NO_MEETING, Phrase.OFFER_MEETING_SLOTS)
ASKED_TWICE = 2  # a question asked this often without an answer is not asked again in a row


# --- what the bot asked, and what the caller gave -------------------------------------------------------

def question(turn: Turn, field: str, lead: dict[str, Any]) -> str:
    """The question that asks for `field` (a `QUALIFICATION_ORDER` field)."""
    name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
    if field == "email_confirmed" and lead.get("email"):
        spoken = read_back(lead["email"], turn.language)
        if name and lead.get("name_confirmed") is not True:
            spoken = f"{name}, {spoken}"
        return phrase(Phrase.ASK_EMAIL_CONFIRMED, turn.language, spoken=spoken)
    if field == "name_confirmed" and name:
        return phrase(Phrase.CONFIRM_NAME, turn.language, name=name)
    if field in ("email_confirmed", "name_confirmed"):
        field = "email" if field == "email_confirmed" else "first_name"
    if field == "last_name" and not lead.get("first_name"):
        field = "first_name"
    if field == "consent" and declined_email(lead):
        return phrase(Phrase.ASK_CONSENT_TEXT, turn.language)  # booked by phone: the confirmation is a text
    return phrase(QUESTIONS[field], turn.language, company=turn.company)


def asked_field(turn: Turn) -> str | None:
    """The field the bot's last words asked for, if they asked for one."""
    said = turn.previous_bot_text
    if not said:
        return None
    if phrase(Phrase.ASK_EMAIL_CONFIRMED, turn.language, spoken="|").split("|")[0] in said:
        return "email_confirmed"
    if phrase(Phrase.CONFIRM_NAME, turn.language, name="|").split("|")[0] in said:
        return "name_confirmed"
    if phrase(Phrase.ASK_CONSENT_TEXT, turn.language) in said:
        return "consent"
    if any(phrase(key, turn.language) in said for key in (Phrase.SPELL_EMAIL, Phrase.WHAT_TO_CORRECT)):
        return "email"  # (a correction: the email said again, or a name with its intro)
    for field, key in QUESTIONS.items():
        if phrase(key, turn.language, company=turn.company) in said:
            return field
    return None


def offered_meeting(turn: Turn) -> bool:
    said = turn.previous_bot_text
    return any(phrase(key, turn.language, name="|", options="|").split("|")[0 if key == Phrase.OFFER_MEETING_SLOTS
                                                                             else -1] in said for key in OFFERS)


def heard(turn: Turn, intent: str | None) -> dict[str, Any]:
    """Everything the latest utterance gives to record: qualification fields, fields declined, and
    the wish to meet (asked for, accepted, or declined) with when."""
    text = turn.utterance or ""
    asked = asked_field(turn)
    fields = extract(text, asked, turn.lead, turn.language)
    if refuses_email(text) and "email" not in fields:
        fields = without_email(text, fields)
    if (number := phone_given(text)) and number != turn.lead.get("phone"):
        fields["phone"] = number  # a number to be texted at ("text me at 415 555 0134")
    wants = turn.lead.get("wants_meeting")
    ready = not booking_missing(turn.lead, turn.caller_number) and turn.context.get("lead_saved")  # booking can start at once
    if intent == "book" or (offered_meeting(turn) and yes_or_no(text) is True and intent is None and not fields):
        if wants is False or (wants is None and (turn.agent != "calendar" or offered_meeting(turn)) and not ready) \
                or (wants is None and offered_meeting(turn)):
            fields["wants_meeting"] = True  # (asked for, or a change of mind)
    elif (declines_meeting(text) or (offered_meeting(turn) and yes_or_no(text) is False and not fields)) \
            and wants is not False:  # ("no texts please" after the offer is about texts, not the meeting)
        fields["wants_meeting"] = False
    wishes = fields.get("wants_meeting") or intent == "book" or (wants is True and not fields.get("timeline"))
    if wishes and mentions_time(text) and turn.agent != "calendar":
        fields["meeting_preference"] = text  # (said again before booking: "none of those work ... Monday instead?")
    if "declined" in fields and fields.get("wants_meeting") is False and asked is None:
        fields.pop("declined")  # "I'd rather not" meant the meeting
    return fields


def acknowledge(turn: Turn, fields: dict[str, Any], intent: str | None) -> str:
    """What is said with the `record_details` call, so that the caller hears it at once."""
    if fields.get("wants_meeting") is True:
        return phrase(Phrase.HAPPY_TO_BOOK, turn.language)
    if fields.get("declined") or fields.get("wants_meeting") is False:
        return phrase(Phrase.NO_PROBLEM_SHORT, turn.language)
    if intent in ("goodbye", "human"):
        return ""
    if set(fields) <= {"meeting_preference"}:  # a time said while booking still needs something of the caller's
        return phrase(Phrase.TIME_NOTED, turn.language) if fields and booking_missing(
            turn.lead, turn.caller_number) and turn.agent == "lead" else ""
    lead = recorded(dict(turn.lead), fields)
    if turn.agent == "lead" and not missing_fields(lead) and not turn.context.get("lead_saved"):
        return ""  # the "all set" line thanks them
    recorded_before = turn.results_of(record_details)
    plain, named = ACKNOWLEDGEMENTS[recorded_before % len(ACKNOWLEDGEMENTS)]
    # the name is said when it is first heard, not in every acknowledgement ("Thanks, Aoife.", then
    # "Got it.", "Great."): a receptionist who repeats it each turn sounds like a script
    name = fields.get("first_name") if "first_name" in fields and "first_name" not in turn.lead else None
    return phrase(named, turn.language, name=name) if name else phrase(plain, turn.language)


# --- what comes next ---------------------------------------------------------------------------------

def should_save(turn: Turn, leaving: bool = False) -> bool:
    """Save now: booking could happen (name and email confirmed, consent answered), and the lead is
    not saved yet, or it changed since and the qualification is over (or the caller is leaving)."""
    lead = turn.lead
    if booking_missing(lead, turn.caller_number) or not (lead.get("first_name") or lead.get("email")):
        return False
    if not turn.context.get("lead_saved"):
        return not turn.failures_of(save_lead)
    finished = leaving or not missing_fields(lead) or lead.get("wants_meeting") is True
    return finished and turn.recorded_since_save(record_details, save_lead) and not turn.failures_of(save_lead)


def _times_asked(turn: Turn, text: str) -> int:
    """How many times in a row the bot asked `text`: another question, or an answer to one of the
    caller's, in between starts the count again (asking the name after answering about voices is no nagging)."""
    answered = phrase(Phrase.KB_SOURCE, turn.language, title="|").split("|")[0]
    times = 0
    for said in reversed(turn.bot_texts()):
        if text in said:
            times += 1
        elif times and ("?" in said or answered in said):
            break
    return times


def next_question(turn: Turn, answered: bool = False) -> str | None:
    """The question for what is missing next (what booking needs first, when the caller wants a
    meeting); a question just asked twice without an answer waits for later."""
    lead = turn.lead
    wanted = booking_missing(lead, turn.caller_number) if lead.get("wants_meeting") is True else missing_fields(lead)
    if "first_name" in (lead.get("declined") or []) and lead.get("wants_meeting") is not True:
        wanted = []  # an anonymous caller: no lead to save, so nothing to ask (consent included) unless they book
    if lead.get("email") and "email_confirmed" in wanted:  # read back as soon as it is heard
        wanted = ["email_confirmed", *[f for f in wanted if f != "email_confirmed"]]
    elif declined_email(lead) and lead.get("first_name") and "name_confirmed" in wanted:
        wanted = ["name_confirmed", *[f for f in wanted if f != "name_confirmed"]]  # the name read back instead
    for field in wanted:
        text = question(turn, field, lead)
        if _times_asked(turn, text) < ASKED_TWICE + answered:
            return text  # (`answered`: a question of the caller's was just answered: once more)
    if lead.get("wants_meeting") is True and wanted:
        return question(turn, wanted[0], lead)  # the meeting they asked for cannot be booked without it
    return None


def _all_set(turn: Turn) -> str:
    name = turn.first_name
    return phrase(Phrase.ALL_SET, turn.language, name=name) if name else phrase(Phrase.ALL_SET_ANON, turn.language)


def proceed(turn: Turn, prefix: str = "") -> Decision:
    """Save, hand over to the calendar, ask the next question, or offer a meeting."""
    lead = turn.lead
    if should_save(turn):
        return turn.call(save_lead, text=prefix)
    if lead.get("wants_meeting") is True and not booking_missing(lead, turn.caller_number) and (
            turn.context.get("lead_saved") or turn.failures_of(save_lead)):
        return turn.call(transfer_to_calendar, args={"intent": "book"}, text=prefix)
    asking = next_question(turn)
    if asking:
        return Decision(join(prefix, asking))
    if turn.failures_of(save_lead) and not turn.context.get("lead_saved"):
        # the CRM failed once in this call: no second wait for the caller; the details are on the
        # call, and the post-call sync writes the lead
        return Decision(join(prefix, phrase(Phrase.NOTED_FOLLOW_UP, turn.language)))
    if lead.get("wants_meeting") is None and turn.context.get("lead_saved") and not turn.meeting:
        if transfer_to_calendar.name in turn.tools and not turn.failures_of(find_slots):
            # the meeting offered with its times, in one turn: the caller can take one, name another
            # time, or say no
            done = (phrase(Phrase.ALL_SET_SHORT_NAME, turn.language, name=turn.first_name) if turn.first_name
                    else phrase(Phrase.ALL_SET_SHORT, turn.language))
            return turn.call(transfer_to_calendar, args={"intent": "offer"}, text=join(prefix, done))
        return Decision(join(prefix, _all_set(turn)))
    return Decision(join(prefix, phrase(Phrase.ANYTHING_ELSE, turn.language)))


def resume(turn: Turn) -> str:
    """What to ask once a question in the middle of the call is answered: where the call was."""
    lead = turn.lead
    engaged = any(lead.get(k) for k in ("first_name", "company", "email", "need")) or lead.get("wants_meeting")
    if turn.options and not turn.meeting:
        return ""  # the calendar specialist offers the times again
    if engaged and not turn.meeting:
        asking = next_question(turn, answered=True)
        if asking:
            return asking
        if lead.get("wants_meeting") is None:
            return phrase(Phrase.OFFER_MEETING, turn.language)
    return phrase(Phrase.KB_MORE, turn.language)


def opening(turn: Turn) -> Decision:
    return Decision(phrase(Phrase.GREETING_QUESTION, turn.language))


def on_utterance(turn: Turn, intent: str | None) -> Decision:
    text = turn.utterance or ""
    done = turn.done_since_utterance()
    asked = asked_field(turn)
    if intent in ("reschedule", "cancel"):
        return turn.call(transfer_to_calendar, args={"intent": intent})
    if intent == "book" and turn.meeting and not turn.lead.get("wants_meeting"):
        return turn.call(transfer_to_calendar, args={"intent": "reschedule"})
    if (intent == "book" or offered_meeting(turn) and yes_or_no(text) is True) and not booking_missing(turn.lead, turn.caller_number) \
            and turn.context.get("lead_saved"):
        return turn.call(transfer_to_calendar, args={"intent": "book"})
    prefix = ""
    if not done:  # nothing recorded from these words
        if small_talk(text):
            prefix = phrase(Phrase.SMALL_TALK_REPLY, turn.language)
        elif about_bot(text):
            prefix = phrase(Phrase.ABOUT_ME, turn.language, company=turn.company)
        elif asks_why_details(text):
            prefix = phrase(Phrase.WHY_DETAILS, turn.language)  # then the question again
        elif asked in ("email_confirmed", "name_confirmed") and yes_or_no(text) is False:
            key = Phrase.SPELL_EMAIL if asked == "email_confirmed" and turn.lead.get("name_confirmed") else \
                Phrase.WHAT_TO_CORRECT
            return Decision(phrase(key, turn.language))
        elif asked is not None or offered_meeting(turn):
            prefix = phrase(Phrase.DIDNT_CATCH, turn.language)
    return proceed(turn, prefix)


def after_tool(turn: Turn, result: Any) -> Decision:
    return proceed(turn)
