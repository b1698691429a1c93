"""The calendar specialist's rules: find slots near the time the caller names, offer two or three,
book (or move) the one they pick, cancel when asked."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callbot.agents.calendar.labels import speak_time_for
from callbot.agents.calendar.tools import book_meeting, cancel_meeting, find_slots, reschedule_meeting
from callbot.agents.lead.tools import record_details
from callbot.agents.state import declined_email
from callbot.agents.supervisor.tools import end_call, transfer_to_knowledge, transfer_to_lead
from callbot.llm.offline.dates import (
    MY_TIME,
    Requested,
    local_now,
    located_zone,
    option_time,
    preferred_time,
    requested,
    said_clock,
    said_clocks,
    said_zone,
    slot_label,
    slot_time,
)
from callbot.llm.offline.intents import (
    THANKS,
    asks_to_move,
    asks_too,
    classify,
    declines_meeting,
    none_of_those,
)
from callbot.llm.offline.turn import Decision, ToolResult, Turn
from callbot.phrases import Phrase, phrase
from callbot.spoken import either, join, yes_or_no

OFFERED = 3
BY_TIME = ((r"\b(?:earliest|soonest|first available|earliest available|earlier (?:one|time|slot))\b", min),
           (r"\b(?:latest|last (?:available|one you've got)|later (?:one|time|slot)|latter)\b", max))
NOT_A_RANK = r"(?! (?:thing|of all|off|week|name|minute))"  # "first thing in the morning", "last week"
ORDINALS = ((rf"\b(?:first|1st|premier|première)\b{NOT_A_RANK}", 0),
            (r"\b(?:second|2nd|middle|deuxième|seconde?)\b", 1),
            (r"\b(?:third|3rd|troisième)\b", 2),
            (rf"\b(?:last|final|dernier|dernière)\b{NOT_A_RANK}", -1))


def _timezone(turn: Turn) -> str:
    return turn.context.get("timezone") or "UTC"


def _labels(turn: Turn, slots: list[dict[str, Any]]) -> list[str]:
    zone = _callers_zone(turn)
    return [_said(turn, slot, zone) for slot in slots]


def _said(turn: Turn, slot: dict[str, Any], zone: str | None) -> str:
    """How a time is said: in `zone`, the one the caller named, with the company's time after it; or as
    labelled."""
    now = local_now(turn.context.get("now", ""), _timezone(turn))
    if zone and zone != _timezone(turn) and (start := option_time(slot, now, _timezone(turn))):
        return speak_time_for(start.replace(tzinfo=ZoneInfo(_timezone(turn))), _timezone(turn), zone, turn.language)
    return slot_label(slot, _timezone(turn))


def offer(turn: Turn, slots: list[dict[str, Any]], prefix: str = "") -> Decision:
    if not slots:
        return Decision(join(prefix, phrase(Phrase.NO_SLOTS, turn.language)))
    options = either(_labels(turn, slots[:OFFERED]), turn.language)
    return Decision(join(prefix, phrase(Phrase.OFFER_SLOTS, turn.language, options=options)))


def _as_offered(turn: Turn) -> list[dict[str, Any]]:
    """The options in the order the bot said them."""
    said = turn.previous_bot_text
    options = turn.options
    labels = _labels(turn, options)
    return sorted(options, key=lambda o: (said.find(labels[options.index(o)]) % (len(said) + 1),
                                          options.index(o)))


def pick(turn: Turn, text: str) -> dict[str, Any] | None:
    """The offered option the caller chose, by rank ("the second one") or by time ("Tuesday at 10")."""
    options = _as_offered(turn)[:OFFERED]
    now = local_now(turn.context.get("now", ""), _timezone(turn))
    wanted = requested(text, now, _timezone(turn))
    days = {start.date() for o in options if (start := option_time(o, now, _timezone(turn)))}
    if (wanted.weekday is not None and wanted.weekday not in {d.weekday() for d in days}) or (
            wanted.weekday is None and wanted.day is not None and wanted.day not in days):
        return None  # "Thursday morning, the first time you have": another day, searched anew
    for pattern, choose in BY_TIME:  # "the earliest one", "the latest you've got": by time, not by rank
        timed = [(start, index) for index, o in enumerate(options) if (start := option_time(o, now, _timezone(turn)))]
        if re.search(pattern, text, re.IGNORECASE) and timed:
            return options[choose(timed)[1]]
    for pattern, index in ORDINALS:
        if re.search(pattern, text, re.IGNORECASE) and -len(options) <= index < len(options):
            return options[index]
    if not wanted.named:
        return _the_time_asked_for(turn, options, now) if yes_or_no(text) is True else None
    matching = _matching(turn, options, wanted, now)
    if not matching and wanted.hour is not None and not said_zone(text) and (zone := _callers_zone(turn)):
        # "Plutôt mardi à dix-sept heures, heure de Lyon ?", then "Voilà, mardi dix-sept heures": Lyon's time
        matching = _matching(turn, options, requested(text, now, _timezone(turn), zone, theirs=True), now)
    if len(matching) > 1 and wanted.hour is None:
        return None  # "can we do Monday morning?" when all three are on Monday morning: not a choice yet
    return matching[0] if matching else None


def _matching(turn: Turn, options: list[dict[str, Any]], wanted: Requested, now: datetime) -> list[dict[str, Any]]:
    """The options at the day and time `wanted` says."""
    matching = []
    for option in options:
        start = option_time(option, now, _timezone(turn))
        if start is None:
            continue
        if wanted.weekday is not None and start.weekday() != wanted.weekday:
            continue
        if wanted.weekday is None and wanted.day is not None and start.date() != wanted.day:
            continue
        if wanted.hour is not None and (start.hour % 12, start.minute) != (wanted.hour % 12, wanted.minute):
            continue
        if wanted.hour is not None and wanted.meridiem_given and start.hour != wanted.hour:
            continue
        if wanted.period is not None and wanted.hour is None and (start.hour < 12) != (wanted.period < 12):
            continue
        matching.append(option)
    return matching


NOON = re.compile(r"\b(?:noon|midday|lunchtime|midi)\b", re.IGNORECASE)
SAME_TIME = re.compile(r"\bsame time\b|\bà la même heure\b", re.IGNORECASE)


def _the_time_asked_for(turn: Turn, options: list[dict[str, Any]], now: Any) -> dict[str, Any] | None:
    """"Yes, that one is fine" to times offered for "Wednesday, around noon" (or "one day later, same
    time"): the one offered at the very time the caller asked for last, when exactly one is."""
    for said in reversed(turn.caller_said()[:-1]):
        named = requested(said, now, _timezone(turn))
        exact_time = named.hour is not None or NOON.search(said) or SAME_TIME.search(said)
        asked = _preferred(turn, said) if exact_time else None
        if asked:
            break
    else:
        return None
    if NOON.search(said) and named.hour is None:
        asked = asked[:11] + "12:00:00"
    exact = [o for o in options if (start := option_time(o, now, _timezone(turn)))
             and start.replace(tzinfo=None).isoformat()[:16] == asked[:16]]
    return exact[0] if len(exact) == 1 else None


def _booked(turn: Turn) -> bool:
    meeting = turn.meeting
    return bool(meeting) and meeting.get("status", "booked") == "booked"


def cancelled(turn: Turn) -> bool:
    """The caller's meeting was cancelled (in this call or before)."""
    return bool(turn.meeting) and turn.meeting.get("status") == "cancelled"


def _rescheduling(turn: Turn) -> bool:
    return _booked(turn) and (turn.context.get("pending_intent") == "reschedule"
                              or any(classify(said) == "reschedule" for said in turn.caller_said())
                              or any(asks_to_move(said) for said in turn.caller_said()[-2:]))  # (just now)


# "I've got that ten a.m. meeting ... can we push it to the afternoon": the new time follows the move
MOVED_TO = re.compile(r"\b(?:move|push|bump|shift|change|switch|reschedule|make)\b[^.?!]*?\b(?:to|until|for)\b(.*)",
                      re.IGNORECASE)


DAYS_SAID = {"one": 1, "a": 1, "two": 2, "2": 2, "three": 3, "3": 3}
DAYS_LATER = re.compile(r"\b(one|a|two|2|three|3) days? later\b|\bthe (?:next|following) day\b|\bthe day after\b(?! tomorrow)",
                        re.IGNORECASE)  # (of the booked meeting)


def _preferred(turn: Turn, text: str) -> str | None:
    """The time asked for; "the same day" is the booked meeting's day; when a booked meeting is
    moved, the time said after "move it to" (the one said before is the meeting's own)."""
    moved = MOVED_TO.search(text) if _booked(turn) else None
    if moved and preferred_time(moved.group(1), turn.context.get("now", ""), _timezone(turn)):
        text = moved.group(1)
    zone = _callers_zone(turn)
    preferred = preferred_time(text, turn.context.get("now", ""), _timezone(turn), zone,
                               theirs=_said_before_in(turn, text, zone))
    meeting = turn.meeting
    if meeting and (later := DAYS_LATER.search(text)):  # "push it one day later, same time"
        now = local_now(turn.context.get("now", ""), _timezone(turn))
        start = option_time(meeting, now, _timezone(turn))
        if start is not None:
            moved_to = start + timedelta(days=DAYS_SAID.get((later.group(1) or "one").lower(), 1))
            while moved_to.weekday() >= 5:  # (from a Friday: the next working day)
                moved_to += timedelta(days=1)
            same_time = not preferred or SAME_TIME.search(text)
            return moved_to.date().isoformat() + ("T" + moved_to.time().isoformat() if same_time else preferred[10:])
    if preferred and meeting and re.search(r"\b(?:same day|that day|same date)\b", text, re.IGNORECASE):
        now = local_now(turn.context.get("now", ""), _timezone(turn))
        day = option_time(meeting, now, _timezone(turn))
        if day is not None:
            preferred = day.date().isoformat() + preferred[10:]
    elif preferred and not meeting and re.search(r"\b(?:same day|that day|that same day|ce jour-là|le même jour)\b", text,
                                                 re.IGNORECASE):
        # "How about 10 am Pacific that day?": the day of the time asked for before, or of the times offered
        earlier = str(turn.lead.get("meeting_preference") or "")
        now = local_now(turn.context.get("now", ""), _timezone(turn))
        if requested(text, now, _timezone(turn)).day is not None:
            return preferred  # "none of those, I'm busy that day. Anything Friday?": the day named
        before = requested(earlier, now, _timezone(turn)).day if earlier else None
        offered = [start for option in turn.options if (start := option_time(option, now, _timezone(turn)))]
        day = before or (offered[0].date() if offered else None)
        if day is not None:
            preferred = day.isoformat() + preferred[10:]
    return preferred


def _callers_zone(turn: Turn) -> str | None:
    """The time zone the caller last named ("Arizona time", "heure de Paris"), if any; else, once they
    speak of "my time", the zone of where they said they are ("Haddad Auto Glass, in Chicago")."""
    said = turn.caller_said()
    named = next((zone for text in reversed(said) if (zone := said_zone(text))), None)
    if named or not any(MY_TIME.search(text) for text in said):
        return named
    return next((zone for text in reversed(said) if (zone := located_zone(text))), None)


def _said_before_in(turn: Turn, text: str, zone: str | None) -> bool:
    """Whether the time `text` names was said earlier with `zone` ("16 h 30, heure de Paris", then
    "oui, 16 h 30, c'est parfait"): the same time, in the caller's zone."""
    clock = said_clock(text)
    return bool(zone and clock and not said_zone(text) and any(
        said_zone(said) == zone and clock in said_clocks(said) for said in turn.caller_said()[:-1]))


def opening(turn: Turn) -> Decision:
    wish = str(turn.lead.get("meeting_preference") or "")
    return turn.call(find_slots, args={"preferred_time": _preferred(turn, wish) or ""})


ANY_TIME = re.compile(r"\bany ?time\b|\bwhenever\b|\b(?:the )?(?:first|earliest) (?:time|slot|one|thing)? ?(?:you have|you've got|"
                      r"available|that's free)\b|\bwhichever is (?:earliest|first)\b", re.IGNORECASE)
BOOK_IT = re.compile(r"\b(?:book|lock|take) (?:it|that|this)\b|\bréserve[rz]?\b(?: \w+)? (?:créneau|rendez-vous|ça)\b|"
                     r"\b(?:je|on) (?:le |la )?prends?\b|\bréservez(?:-le|-la)?\b",
                     re.IGNORECASE)


def _offered_exact(turn: Turn) -> bool:
    """Whether the bot's last words offered the exact time asked for ("... is free. Shall I book it?")."""
    marker = phrase(Phrase.EXACT_FREE, turn.language, label="|", with_rep="|").split("|")[-1]
    return bool(turn.options) and marker in turn.previous_bot_text


def on_utterance(turn: Turn, intent: str | None) -> Decision:
    text = turn.utterance or ""
    if intent == "cancel" and _booked(turn):
        return turn.call(cancel_meeting)
    if intent == "cancel" and cancelled(turn):
        label = slot_label(turn.meeting, _timezone(turn))  # "just cancel it, please", said again: it is
        return Decision(phrase(Phrase.CANCELLED, turn.language, label=label))
    if intent in ("cancel", "reschedule") and not _booked(turn):
        return Decision(phrase(Phrase.NO_MEETING, turn.language))
    if turn.lead.get("wants_meeting") is False and intent not in ("book", "reschedule"):
        return turn.call(transfer_to_lead)  # no meeting after all: the qualification goes on
    if turn.booking_needs and not _booked(turn) and turn.lead.get("wants_meeting") is not False:
        return turn.call(transfer_to_lead)  # "just book us a new one Thursday": who it is for comes first
    chosen = pick(turn, text) if turn.options else None
    told = record_details.name in turn.done_since_utterance()
    accepts = yes_or_no(text) is True and not none_of_those(text) and (
        not told or re.search(r"\b(?:book|lock|works?|perfect|sounds good|go ahead|do it|take it|parfait|réserve[rz]?|"
                              r"ça marche|ça me va|je (?:le |la )?prends)\b", text, re.IGNORECASE))
    book_it = BOOK_IT.search(text)
    if chosen is None and accepts and turn.options and (_offered_exact(turn) or book_it) and \
            not _another_time(turn, text):
        chosen = _as_offered(turn)[0]  # "yes, book it": the time offered first (the one asked for, if free)
    if chosen is not None:
        return _take(turn, chosen)
    preferred = _preferred(turn, text)
    if preferred and _booked(turn) and not _rescheduling(turn) and _the_meeting_at(turn, preferred):
        label, rep = meeting_said(turn, turn.meeting)  # "Yes, Tuesday at two, London time. Book it.", said once booked
        return Decision(join(phrase(Phrase.MEETING_IS, turn.language, label=label, with_rep=rep),
                             phrase(Phrase.ANYTHING_ELSE, turn.language)))
    if preferred:
        return turn.call(find_slots, args={"preferred_time": preferred})
    if told and turn.options:  # details given while choosing: the choice again, nothing else
        return Decision(_offer_again(turn))
    if none_of_those(text) or (turn.options and yes_or_no(text) is False):
        return Decision(phrase(Phrase.ASK_PREFERRED_TIME, turn.language))
    if turn.options and yes_or_no(text) is True:
        return Decision(phrase(Phrase.WHICH_TIME, turn.language))  # "yes" to the times: which one
    if not turn.options and not _booked(turn) and not turn.asked_anything_else:
        return opening(turn)
    if intent == "reschedule" and not turn.options:  # "I need to move it": to when, after any question asked with it
        if asks_too(text, booking_words=True):
            return turn.call(transfer_to_knowledge)
        return Decision(phrase(Phrase.ASK_PREFERRED_TIME, turn.language))
    if turn.asked_anything_else or not turn.options:
        return Decision(join(phrase(Phrase.DIDNT_CATCH, turn.language), phrase(Phrase.ANYTHING_ELSE, turn.language)))
    if sum(1 for said in turn.bot_texts()[-2:] if phrase(Phrase.DIDNT_CATCH, turn.language) in said):
        return Decision(phrase(Phrase.ASK_PREFERRED_TIME, turn.language))  # not the same three slots again
    return offer(turn, _as_offered(turn), prefix=phrase(Phrase.DIDNT_CATCH, turn.language))


def _another_time(turn: Turn, text: str) -> bool:
    """Whether `text` names a time none of the offered options is at ("Yes, Wednesday, book it." when
    Tuesday was offered): that time is looked for, not the first offered one booked."""
    preferred = _preferred(turn, text)
    if not preferred:
        return False
    now = local_now(turn.context.get("now", ""), _timezone(turn))
    starts = [start for option in turn.options if (start := option_time(option, now, _timezone(turn)))]
    readings = {requested(text, now, _timezone(turn), _callers_zone(turn), theirs=theirs) for theirs in (False, True)}
    return not any((wanted.weekday is None or start.weekday() == wanted.weekday) and
                   (wanted.day is None or wanted.weekday is not None or start.date() == wanted.day) and
                   (wanted.hour is None or (start.hour, start.minute) == (wanted.hour, wanted.minute))
                   for start in starts for wanted in readings)  # ("16 h 30", said again in the caller's own zone)


def _offer_again(turn: Turn) -> str:
    if _offered_exact(turn):
        return _exact_free(turn, _as_offered(turn)[0])
    return resume(turn)


def resume(turn: Turn) -> str:
    """The times again, after a question in the middle of choosing; or the time the booked meeting is
    to move to, when the caller asked to move it with the question and said no time yet."""
    if not turn.options and _booked(turn) and not turn.meeting.get("moved_from") and \
            classify(turn.utterance or "") == "reschedule" and not _preferred(turn, turn.utterance or ""):
        return phrase(Phrase.ASK_PREFERRED_TIME, turn.language)
    if not turn.options or turn.meeting:
        return ""
    options = either(_labels(turn, _as_offered(turn)[:OFFERED]), turn.language)
    return phrase(Phrase.RESUME_SLOTS, turn.language, options=options)


def _the_meeting_at(turn: Turn, preferred: str) -> bool:
    """Whether the booked meeting is at the time `preferred` names, to the minute."""
    now = local_now(turn.context.get("now", ""), _timezone(turn))
    start = option_time(turn.meeting or {}, now, _timezone(turn))
    return bool(start) and start.isoformat() == preferred and said_clock(turn.utterance or "") is not None


def _exact(turn: Turn, slot: dict[str, Any], preferred: str) -> bool:
    start = slot_time(slot, _timezone(turn))
    if start is None or start.isoformat() != preferred:
        return False
    said = [turn.utterance or "", str(turn.lead.get("meeting_preference") or "")]
    now = local_now(turn.context.get("now", ""), _timezone(turn))
    return any(requested(text, now, _timezone(turn)).hour is not None for text in said)  # an hour was named


def _ordered(turn: Turn, slots: list[dict[str, Any]], preferred: str) -> list[dict[str, Any]]:
    """`slots`, the one at exactly the preferred time first."""
    exact = [s for s in slots if preferred and (t := slot_time(s, _timezone(turn))) and t.isoformat() == preferred]
    return exact + [s for s in slots if s not in exact]


def _exact_free(turn: Turn, slot: dict[str, Any]) -> str:
    """"<the time asked for> is free with <rep>. Shall I book it?", the time starting the sentence."""
    label, rep = meeting_said(turn, slot)
    return phrase(Phrase.EXACT_FREE, turn.language, label=label[:1].upper() + label[1:], with_rep=rep)


def meeting_said(turn: Turn, meeting: dict[str, Any]) -> tuple[str, str]:
    label = _said(turn, meeting, _callers_zone(turn))
    rep = phrase(Phrase.WITH_REP, turn.language, rep=meeting["rep"]) if meeting.get("rep") else ""
    return label, rep


def after_tool(turn: Turn, result: ToolResult) -> Decision:
    data = result.data
    if result.is_from(find_slots):
        preferred = str(result.args.get("preferred_time", ""))
        slots = _ordered(turn, list(data.get("slots") or []), preferred)
        if slots and preferred and _exact(turn, slots[0], preferred):
            if BOOK_IT.search(turn.utterance or ""):  # "réservez ce créneau": asked for, free, booked
                return _take(turn, slots[0])
            return Decision(_exact_free(turn, slots[0]))
        said = f'{turn.utterance or ""} {turn.lead.get("meeting_preference") or ""}'
        if slots and preferred and ANY_TIME.search(said) and not _rescheduling(turn):
            # "Monday, any time before noon", "Thursday morning, the first time you have": theirs to
            # leave, ours to choose: the earliest of that day's, booked and confirmed
            now = local_now(turn.context.get("now", ""), _timezone(turn))
            timed = [(start, slot["id"]) for slot in slots if (start := option_time(slot, now, _timezone(turn)))]
            if timed:
                earliest = min(timed)[1]
                return _take(turn, next(slot for slot in slots if slot["id"] == earliest))
        if slots and turn.context.get("pending_intent") == "offer" and turn.lead.get("wants_meeting") is None:
            options = either(_labels(turn, slots[:OFFERED]), turn.language)
            return Decision(phrase(Phrase.OFFER_MEETING_SLOTS, turn.language, options=options))
        return offer(turn, slots)
    if data.get("taken"):
        return offer(turn, list(data.get("slots") or []), prefix=phrase(Phrase.SLOT_TAKEN, turn.language))
    if result.is_from(cancel_meeting):
        label = slot_label(data.get("meeting") or turn.meeting or {}, _timezone(turn))
        return Decision(phrase(Phrase.CANCELLED, turn.language, label=label))
    done = confirmation(turn, result)
    if done and classify(turn.utterance or "") == "goodbye":  # "sounds good, thanks, bye": booked, then the end
        return turn.call(end_call, text=done)
    return Decision(join(done, phrase(Phrase.ANYTHING_ELSE, turn.language)))


def confirmation(turn: Turn, result: ToolResult) -> str:
    """What is said once a meeting is booked or moved ("" for other results): an invitation comes by
    email, or, for a caller who would not give one, the confirmation by text."""
    label, rep = meeting_said(turn, result.data.get("meeting") or turn.meeting or {})
    texted = declined_email(turn.lead)
    if result.is_from(reschedule_meeting):
        key = Phrase.RESCHEDULED_BY_TEXT if texted else Phrase.RESCHEDULED
        return phrase(key, turn.language, label=label, with_rep=rep)
    if result.is_from(book_meeting):
        return phrase(Phrase.BOOKED_BY_TEXT if texted else Phrase.BOOKED, turn.language, label=label, with_rep=rep)
    return ""


UNDECIDED = re.compile(r"\b(?:think (?:about|it over)|get back|check (?:with|my)|not sure|maybe|call (?:you )?back|later|"
                       r"another time|réfléchir|rappellerai)\b", re.IGNORECASE)  # (beyond a meeting declined)


def taken_on_leaving(turn: Turn) -> Decision | None:
    """The booking of the time the caller takes as they say goodbye ("perfect, book it, bye"), or
    None when they take none."""
    text = turn.utterance or ""
    if not turn.options or _booked(turn) and not _rescheduling(turn):
        return None
    if turn.lead.get("wants_meeting") is False or yes_or_no(text) is False:
        return None  # "no meeting yet, I have to run it past my boss first. Bye."
    chosen = pick(turn, text)
    thanks = THANKS.search(text) and yes_or_no(text) is None and not declines_meeting(text) \
        and not UNDECIDED.search(text)  # "Thank you. Goodbye."
    # to the very time they asked for: taken
    if chosen is None and (yes_or_no(text) is True or thanks) and not none_of_those(text) and _offered_exact(turn):
        chosen = _as_offered(turn)[0]
    if chosen is None:
        return None
    return _take(turn, chosen)


def _take(turn: Turn, chosen: dict[str, Any]) -> Decision:
    """Book the slot the caller took, or move their booked meeting there."""
    return turn.call(reschedule_meeting if _rescheduling(turn) else book_meeting, args={"slot_id": chosen["id"]})
