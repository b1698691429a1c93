"""The call, summarized for the sales rep: who called and what they need, how promising the lead is
(a score with its reasons), how the call went, and what happens next.

Two engines behind the `Summarizer` protocol, chosen by `make_summarizer` from settings:

- `OfflineSummarizer`: rules over the call's facts (`facts.py`) and the caller's words (`scoring.py`).
  Deterministic, no network; the dev default. Its summaries say `engine: "rules-v1"`, not an LLM's name.
- `LlmSummarizer`: the configured chat model with structured output and the versioned system prompt
  `prompts/summary.v1.md`, given the facts and the transcript (`transcript.py`). It writes the prose
  and judges score, sentiment and next step.

Either way the facts (the qualification, the unanswered questions, the meeting) are copied from the
call document, never written by a model.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from callbot.call_document import CallDocument, CallSummary, Sentiment, SummaryDraft
from callbot.errors import RetryableError
from callbot.post_call.facts import CallFacts, call_facts
from callbot.post_call.scoring import lead_score, next_step, sentiment
from callbot.post_call.transcript import caller_lines, transcript

if TYPE_CHECKING:
    from callbot.post_call.settings import PostCallSettings

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
