"""How the offline summarizer judges a call: the caller's sentiment from a small English and French
lexicon, the lead score with one reason per award, and the rep's next step."""

from __future__ import annotations

import re

from callbot.call_document import Sentiment
from callbot.post_call.facts import CallFacts

LARGE_TEAM = 10  # a team this size or larger is worth more points
POSITIVE = ("great", "perfect", "excellent", "awesome", "wonderful", "helpful", "sounds good", "interested",
            "love", "thank you", "thanks", "merci", "parfait", "super", "génial", "intéressé", "intéressant")
NEGATIVE = ("frustrated", "frustrating", "annoyed", "angry", "terrible", "awful", "useless", "ridiculous",
            "waste of time", "disappointed", "not interested", "no thanks", "no, thanks", "too expensive",
            "stop calling", "complaint", "hate", "déçu", "nul", "énervé", "inadmissible", "pas intéressé",
            "trop cher", "arnaque")
NEGATIONS = {"not", "no", "never", "don't", "isn't", "wasn't", "pas", "jamais"}
_POLARITY = {**{w: 1 for w in POSITIVE}, **{w: -1 for w in NEGATIVE}}
# longest first, so "not interested" is read as one negative phrase rather than "interested"
_SENTIMENT_WORDS = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in sorted(_POLARITY, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def sentiment(caller_lines: list[str]) -> Sentiment:
    """Positive minus negative lexicon hits over what the caller said; a hit right after a negation
    in the same clause ("not really helpful") counts the other way."""
    text = ". ".join(caller_lines).replace("’", "'")
    balance = 0
    for match in _SENTIMENT_WORDS.finditer(text):
        clause = re.split(r"[,.;:!?]", text[max(0, match.start() - 40):match.start()])[-1]
        before = re.findall(r"[\w']+", clause.lower())[-2:]
        balance += _POLARITY[match.group().lower()] * (-1 if NEGATIONS.intersection(before) else 1)
    return "positive" if balance > 0 else "negative" if balance < 0 else "neutral"


def lead_score(facts: CallFacts) -> tuple[int, list[str]]:
    """Points for what the call established, with one reason per award."""
    q = facts.qualification
    awards: list[tuple[int, str]] = []
    if q.get("need"):
        awards.append((20, f"need stated: {q['need']}"))
    if q.get("team_size"):
        awards.append((15 if q["team_size"] >= LARGE_TEAM else 5, f"team of {q['team_size']}"))
    if q.get("timeline"):
        awards.append((15, f"timeline: {q['timeline']}"))
    if q.get("company"):
        awards.append((5, f"company known: {q['company']}"))
    if q.get("role"):
        awards.append((5, f"role known: {q['role']}"))
    if facts.meeting_booked:
        awards.append((25, f"meeting booked with {facts.meeting_rep or 'a sales rep'}"))
    if q.get("consent"):
        awards.append((5, "agreed to be contacted"))
    if facts.asked_for_person:
        awards.append((10, "asked to speak to a person"))
    return min(100, sum(points for points, _ in awards)), [f"{reason} (+{points})" for points, reason in awards]


def next_step(facts: CallFacts) -> str:
    questions = "; ".join(facts.unanswered_questions)
    if facts.meeting_booked and facts.meeting:
        return facts.meeting + (f" (prepare answers to: {questions})" if questions else "")
    reason = f" ({facts.handoff_reason})" if facts.handoff_reason else ""
    if facts.handed_over:
        return f"Check the handover to a person{reason} reached a rep; call back if it did not"
    if facts.asked_for_person:
        return f"Call back: the caller asked for a person{reason} before the call ended"
    if questions:
        return f"A specialist follows up on: {questions}"
    missing = [name.replace("_", " ") for name in ("need", "team_size", "timeline", "email")
               if name not in facts.qualification]
    return "Qualify further" + (f": ask about {', '.join(missing)}" if missing else " and propose a meeting")
