"""The call, summarized for the sales rep: who called and what they need, how promising the lead is
(a score with its reasons), how the call went, and what happens next.

Two engines behind the `Summarizer` protocol, chosen by `make_summarizer` from settings:

- `OfflineSummarizer`: rules over the call document and the caller's words. Deterministic, no
  network; the dev default. Its summaries say `engine: "rules-v1"`, not an LLM's name.
- `LlmSummarizer`: the configured chat model with structured output and the versioned system prompt
  `prompts/summary.v1.md`. It writes the prose and judges score, sentiment and next step.

Either way the facts (the qualification, the unanswered questions, the meeting) are copied from the
call document (`callbot.call_document`), never written by a model. The transcript helpers give the
dialogue as the caller heard it: an interrupted bot line is what was played before the barge-in, not
what was planned.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from callbot.call_document import CallDocument, CallMeeting, CallSummary, Sentiment, SummaryDraft, as_datetime
from callbot.crm import LeadFields
from callbot.errors import RetryableError

if TYPE_CHECKING:
    from callbot.post_call.settings import PostCallSettings


# --- transcript ---------------------------------------------------------------------------------

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


# --- facts from the call document ---------------------------------------------------------------

class CallFacts(BaseModel):
    """The facts of one call; the LLM summarizer is given them as JSON."""

    language: str | None
    duration_s: int | None
    ended_by: str | None
    end_reason: str | None
    known_caller: bool
    qualification: dict[str, Any]  # the known LeadFields
    asked_for_person: bool
    handed_over: bool
    handoff_reason: str | None
    meeting: str | None  # described: "Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST"
    meeting_booked: bool
    meeting_rep: str | None
    unanswered_questions: list[str]


def call_facts(call: CallDocument) -> CallFacts:
    agent = call.outcome
    return CallFacts(
        language=call.language, duration_s=call.length_s(), ended_by=call.ended_by, end_reason=call.end_reason,
        known_caller=bool(agent.known_caller), qualification=qualification(agent.lead_fields()),
        asked_for_person=agent.transfer or call.ended_by == "transfer", handed_over=call.ended_by == "transfer",
        handoff_reason=agent.handoff_reason, meeting=describe_meeting(call.meeting),
        meeting_booked=call.booked_meeting is not None, meeting_rep=call.meeting.rep if call.meeting else None,
        unanswered_questions=[q for q in map(clean, agent.unanswered_questions) if q])


def qualification(lead: LeadFields) -> dict[str, Any]:
    """The known fields, trimmed; blank ones left out."""
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in lead.model_dump(exclude_none=True).items()
            if not (isinstance(v, str) and not v.strip())}


def describe_meeting(meeting: CallMeeting | None) -> str | None:
    if meeting is None:
        return None
    zone = meeting.timezone or "UTC"
    text = f"Meeting with {meeting.rep or 'a sales rep'} on {local_time(meeting.start, zone) or 'an unknown time'}"
    if meeting.cancelled:
        return f"Cancelled: {text}"
    if meeting.moved_from:
        text += f" (moved from {local_time(meeting.moved_from, zone) or 'an unknown time'})"
    return text


def local_time(value: Any, zone: str) -> str | None:
    """A stored time as a person reads it in `zone` (UTC when `zone` is not a time zone), e.g.
    "Tue 01 Dec 2026 10:00 EST"; None when the time is missing or unreadable."""
    start = as_datetime(value)
    if start is None:
        return None
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return start.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")


# --- the offline engine: rules ------------------------------------------------------------------

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


# --- the engines ----------------------------------------------------------------------------------

PROMPT_VERSION = "v1"
PROMPT_FILE = Path(__file__).parent / "prompts" / f"summary.{PROMPT_VERSION}.md"
OFFLINE_ENGINE = "rules-v1"


class Summarizer(Protocol):
    def summarize(self, call: CallDocument, events: list[dict[str, Any]]) -> CallSummary: ...


def _with_facts(draft: SummaryDraft, facts: CallFacts, engine: str) -> CallSummary:
    return CallSummary(**draft.model_dump(), qualification=facts.qualification,
                       unanswered_questions=facts.unanswered_questions, meeting=facts.meeting, engine=engine)


class OfflineSummarizer:
    """The rule-based summarizer: the same call gives the same summary."""

    engine = OFFLINE_ENGINE

    def summarize(self, call: CallDocument, events: list[dict[str, Any]]) -> CallSummary:
        facts = call_facts(call)
        score, reasons = lead_score(facts)
        mood = sentiment(caller_lines(events))
        draft = SummaryDraft(summary=_summary_text(facts, mood), lead_score=score, score_reasons=reasons,
                             sentiment=mood, next_step=next_step(facts))
        return _with_facts(draft, facts, self.engine)


def _summary_text(facts: CallFacts, mood: Sentiment) -> str:
    q = facts.qualification
    name = " ".join(q[k] for k in ("first_name", "last_name") if q.get(k))
    at = " at ".join(q[k] for k in ("role", "company") if q.get(k))
    who = (f"{name} ({at})" if name and at else name or (f"A caller from {q['company']}" if q.get("company")
           else "A known CRM contact" if facts.known_caller else "An unidentified caller"))
    sentences = [f"{who} called with this need: {q['need']}." if q.get("need")
                 else f"{who} called without stating a need."]
    profile = [part for part in (f"team of {q['team_size']}" if q.get("team_size") else "",
                                 f"timeline: {q['timeline']}" if q.get("timeline") else "") if part]
    if profile:
        profile_text = ", ".join(profile)
        sentences.append(profile_text[0].upper() + profile_text[1:] + ".")
    sentences.append(_outcome(facts))
    if facts.unanswered_questions:
        count = len(facts.unanswered_questions)
        sentences.append(f"{count} question{'s' if count > 1 else ''} could not be answered on the call.")
    elif mood != "neutral":
        sentences.append(f"The caller sounded {mood}.")
    return " ".join(sentences)


def _outcome(facts: CallFacts) -> str:
    reason = f" ({facts.handoff_reason})" if facts.handoff_reason else ""
    if facts.meeting:
        meeting = facts.meeting.removeprefix("Cancelled: ")
        meeting = "A " + meeting[0].lower() + meeting[1:]
        return f"{meeting} is booked." if facts.meeting_booked else f"{meeting} was cancelled."
    if facts.handed_over:
        return f"They asked for a person and were handed over{reason}."
    if facts.asked_for_person:
        return f"They asked for a person{reason}, but the call ended before the handover."
    ended = {"caller": "the caller hung up", "bot": "the agent ended the call", "timeout": "the call timed out",
             "error": "the call ended on an error"}.get(facts.ended_by or "", "the call ended")
    duration = f" after {_spoken_duration(facts.duration_s)}" if facts.duration_s is not None else ""
    return f"No meeting was booked; {ended}{duration}."


def _spoken_duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@functools.cache
def system_prompt() -> str:
    return PROMPT_FILE.read_text(encoding="utf-8").strip()


class LlmSummarizer:
    """The chat model fills in a `SummaryDraft`; a failure or a late answer is a `RetryableError`
    (the workflow calls again with backoff)."""

    def __init__(self, chat_model: Any, timeout_s: float) -> None:
        self._model = chat_model.with_structured_output(SummaryDraft)
        self._timeout_s = timeout_s
        name = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None)
        self.engine = f"llm:{name or type(chat_model).__name__}/summary.{PROMPT_VERSION}"
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="summary")

    def summarize(self, call: CallDocument, events: list[dict[str, Any]]) -> CallSummary:
        facts = call_facts(call)
        request = (f"Facts recorded on the call (JSON):\n"
                   f"{json.dumps(facts.model_dump(), ensure_ascii=False, default=str)}\n\n"
                   f"Transcript:\n{transcript(events) or '(nothing was said)'}")
        return _with_facts(self._ask([("system", system_prompt()), ("human", request)]), facts, self.engine)

    def _ask(self, messages: list[tuple[str, str]]) -> SummaryDraft:
        future = self._pool.submit(self._model.invoke, messages)
        try:
            draft = future.result(timeout=self._timeout_s)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise RetryableError(f"the summary model did not answer within {self._timeout_s:g} s") from None
        except Exception as exc:  # a provider error or an answer that does not fit the schema
            raise RetryableError(f"the summary model failed: {type(exc).__name__}: {exc}") from exc
        if not isinstance(draft, SummaryDraft):
            raise RetryableError("the summary model answered without a summary")
        return draft


def make_summarizer(settings: PostCallSettings) -> Summarizer:
    """The offline rules in dev (`llm_provider` offline), else the configured chat model."""
    if settings.llm_provider == "offline":
        return OfflineSummarizer()
    from callbot.llm.providers import chat_model

    return LlmSummarizer(chat_model(settings), settings.summary_timeout_s)
