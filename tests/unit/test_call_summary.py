"""The call summary for the sales rep: the rule-based engine on realistic call documents, the
transcript as the caller heard it, and the LLM engine with a scripted chat model."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from langchain_core.messages import AIMessage

from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus
from callbot.errors import RetryableError
from callbot.post_call.scoring import sentiment
from callbot.post_call.settings import PostCallSettings
from callbot.post_call.summarizer import LlmSummarizer, OfflineSummarizer, make_summarizer
from callbot.post_call.transcript import transcript, transcript_excerpt
from tests.fakes.chat import ScriptedChatModel

CONFIRMED = {"name_confirmed": True}  # the caller confirmed the name read back (else it is not kept)
QUALIFIED = {"first_name": "Ana", "last_name": "O'Brien", "company": "Acme", "role": "CTO",
             "need": "route support calls", "team_size": 40, "timeline": "this quarter",
             "email": "ana+sales@acme.test", "phone": "+14155550123", "consent": True}
MEETING = CallMeeting(id="cb123", start="2026-12-01T15:00:00+00:00", end="2026-12-01T15:30:00+00:00",
                      timezone="America/New_York", rep="Dana Lee", rep_email="dana@example.test",
                      attendee_email="ana+sales@acme.test", status="booked", moved_from=None)
CANCELLED = MEETING.model_copy()
CANCELLED.status = "cancelled"
BOOKED_EVENTS = [
    {"id": "sys-greeting-0000", "speaker": "bot", "text": "Hello, thanks for calling Acme Voice.",
     "heard": "Hello, thanks for calling Acme Voice.", "interrupted": False, "system": "greeting", "at_ms": 1000},
    {"id": "caller-0001", "speaker": "caller", "text": "Hi, I need help routing our support calls.",
     "turn_seq": 1, "at_ms": 4000},
    {"id": "action-r1", "kind": "action", "turn_seq": 1, "port": "crm", "action": "find_caller", "at_ms": 4500},
    {"id": "latency-0001", "kind": "turn_latency", "at_ms": 5000, "total_ms": 900},
    {"id": "bot-0001-00", "speaker": "bot", "text": "Happy to help. How big is the team that takes those calls?",
     "heard": "Happy to help. How big is the team that takes those calls?", "interrupted": False,
     "system": None, "at_ms": 5000},
    {"id": "caller-0002", "speaker": "caller", "text": "About forty people, and we want it live this quarter.",
     "turn_seq": 2, "at_ms": 9000},
    {"id": "bot-0003-00", "speaker": "bot", "text": "I can offer Tuesday at 10 a.m. or Wednesday at 2 p.m.",
     "heard": "I can offer Tuesday at 10", "interrupted": True, "system": None, "at_ms": 12000},
    {"id": "caller-0004", "speaker": "caller", "text": "Tuesday works, that's perfect, thanks!", "turn_seq": 4,
     "at_ms": 13000},
]


def call(agent: dict | None = None, **fields) -> CallDocument:
    """A call as the relay and agent_turn leave it."""
    outcome = AgentOutcome(qualification={}, known_caller=None, transfer=False, handoff_reason=None, end_call=False,
                           active_agent="lead", unanswered_questions=[], knowledge_sources=[])
    document = CallDocument(
        from_="+14155550123", to="+14155550100", language="en-US", status=CallStatus.COMPLETED,
        created_at=datetime(2026, 11, 20, 14, 0, tzinfo=UTC), stream_started_at_ms=1_790_000_000_000,
        ended_at_ms=1_790_000_095_000, ended_by="caller", end_reason="the caller hung up", lead_id=None,
        meeting=None, agent=AgentOutcome.model_validate({**outcome.stored_form(), **(agent or {})}))
    return CallDocument.model_validate({**document.model_dump(exclude_unset=True), **fields})


def caller_says(*lines: str) -> list[dict]:
    return [{"id": f"caller-{i:04d}", "speaker": "caller", "text": text, "turn_seq": i, "at_ms": i * 1000}
            for i, text in enumerate(lines, start=1)]


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


def test_a_qualified_prospect_with_a_meeting_scores_high_with_one_reason_per_award():
    summary = OfflineSummarizer().summarize(call({"qualification": {**QUALIFIED, **CONFIRMED}}, meeting=MEETING, lead_id="00Q1"),
                                            BOOKED_EVENTS)
    assert summary.lead_score == 90
    assert summary.score_reasons == [
        "need stated: route support calls (+20)", "team of 40 (+15)", "timeline: this quarter (+15)",
        "company known: Acme (+5)", "role known: CTO (+5)", "meeting booked with Dana Lee (+25)",
        "agreed to be contacted (+5)"]
    assert summary.meeting == "Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST"
    assert summary.next_step == summary.meeting
    assert summary.sentiment == "positive"
    assert summary.qualification == QUALIFIED
    assert summary.engine == "rules-v1"
    assert "Ana O'Brien (CTO at Acme)" in summary.summary and "route support calls" in summary.summary
    assert "meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST is booked" in summary.summary
    assert 2 <= sentences(summary.summary) <= 4


def test_the_same_call_gives_the_same_summary():
    document = call({"qualification": {**QUALIFIED, **CONFIRMED}}, meeting=MEETING)
    assert OfflineSummarizer().summarize(document, BOOKED_EVENTS) == OfflineSummarizer().summarize(
        document, BOOKED_EVENTS)


def test_a_caller_handed_to_a_person_earns_the_points_and_the_rep_checks_the_handover():
    agent = {"qualification": {"first_name": "Sam", "need": "a quote for 200 seats"}, "transfer": True,
             "handoff_reason": "caller pressed 0", "active_agent": "supervisor"}
    events = [*caller_says("I'd like a quote for 200 seats."), {"id": "dtmf-0002", "speaker": "caller",
                                                                 "dtmf": "0", "turn_seq": 2, "at_ms": 3000}]
    summary = OfflineSummarizer().summarize(call(agent, ended_by="transfer", end_reason="handed over"), events)
    assert summary.lead_score == 30
    assert "asked to speak to a person (+10)" in summary.score_reasons
    assert summary.next_step.startswith("Check the handover to a person (caller pressed 0) reached a rep")
    assert "handed over (caller pressed 0)" in summary.summary


def test_a_caller_who_asked_for_a_person_but_hung_up_is_called_back():
    agent = {"transfer": True, "handoff_reason": "caller asked"}
    summary = OfflineSummarizer().summarize(call(agent), caller_says("Can I talk to a real person?"))
    assert summary.lead_score == 10
    assert summary.next_step == "Call back: the caller asked for a person (caller asked) before the call ended"


def test_an_unanswered_question_goes_to_a_specialist():
    agent = {"qualification": {"company": "Globex", "need": "SAP integration"},
             "unanswered_questions": ["Do you integrate with SAP S/4HANA?"]}
    summary = OfflineSummarizer().summarize(call(agent), caller_says("Do you integrate with SAP S/4HANA?"))
    assert summary.unanswered_questions == ["Do you integrate with SAP S/4HANA?"]
    assert summary.next_step == "A specialist follows up on: Do you integrate with SAP S/4HANA?"
    assert summary.meeting is None and summary.lead_score == 25
    assert "1 question could not be answered" in summary.summary


def test_an_unhappy_caller_is_negative_and_scores_low():
    events = caller_says("This is ridiculous, I've been waiting for ten minutes.",
                         "Honestly I'm frustrated and not interested anymore.")
    summary = OfflineSummarizer().summarize(call(), events)
    assert summary.sentiment == "negative"
    assert (summary.lead_score, summary.score_reasons) == (0, [])
    assert summary.next_step == "Qualify further: ask about need, team size, timeline, email"
    assert "The caller sounded negative." in summary.summary
    assert "the caller hung up after 1 min 35 s" in summary.summary


@pytest.mark.parametrize("lines, expected", [
    (["That sounds great, thanks."], "positive"),
    (["Merci, c'est parfait."], "positive"),
    (["C'est nul, je suis déçu."], "negative"),
    (["Je ne suis pas intéressé."], "negative"),
    (["No thanks."], "negative"),
    (["That was not really helpful."], "negative"),
    (["I'm not interested, no thanks."], "negative"),
    (["We have forty agents."], "neutral"),
    ([], "neutral"),
])
def test_sentiment_comes_from_the_callers_words(lines, expected):
    assert sentiment(lines) == expected


def test_a_cancelled_meeting_earns_nothing_and_is_described_as_cancelled():
    summary = OfflineSummarizer().summarize(call(meeting=CANCELLED), [])
    assert summary.meeting == "Cancelled: Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST"
    assert summary.lead_score == 0 and "was cancelled" in summary.summary


def test_a_bare_call_document_still_gets_a_summary():
    bare = CallDocument.stored({"agent": {"qualification": {"team_size": "forty", "email": ""}}})
    summary = OfflineSummarizer().summarize(bare, [])
    assert summary.qualification == {}
    assert summary.summary == "An unidentified caller called without stating a need. No meeting was booked; " \
                              "the call ended."


def test_the_transcript_is_what_was_said_and_heard():
    assert transcript(BOOKED_EVENTS).splitlines() == [
        "Agent: Hello, thanks for calling Acme Voice.",
        "Caller: Hi, I need help routing our support calls.",
        "Agent: Happy to help. How big is the team that takes those calls?",
        "Caller: About forty people, and we want it live this quarter.",
        "Agent: I can offer Tuesday at 10 [cut off]",
        "Caller: Tuesday works, that's perfect, thanks!",
    ]
    unheard = {"speaker": "bot", "text": "Let me check.", "heard": "", "interrupted": True, "at_ms": 1}
    dtmf = {"speaker": "caller", "dtmf": "0", "at_ms": 2}
    assert transcript([unheard, dtmf]) == "Caller: [pressed 0]"


def test_a_long_call_keeps_its_start_and_end_within_the_bound():
    events = caller_says(*(f"Line number {i} of a long conversation about support routing." for i in range(300)))
    text = transcript(events, max_chars=2000)
    assert len(text) <= 2000
    assert text.startswith("Caller: Line number 0 ") and text.endswith("Line number 299 of a long conversation "
                                                                        "about support routing.")
    assert re.search(r"\[\.\.\. \d+ lines omitted \.\.\.\]", text)


def test_the_excerpt_is_the_first_and_last_lines_bounded():
    events = caller_says(*(f"Sentence {i} " + "word " * 100 for i in range(20)))
    excerpt = transcript_excerpt(events)
    assert len(excerpt) <= 1200
    lines = excerpt.splitlines()
    assert lines[0].startswith("Caller: Sentence 0 ") and lines[-1].startswith("Caller: Sentence 19 ")
    assert "lines omitted" in excerpt
    assert transcript_excerpt(BOOKED_EVENTS, max_lines=2) == (
        "Agent: Hello, thanks for calling Acme Voice.\n[... 4 lines omitted ...]\n"
        "Caller: Tuesday works, that's perfect, thanks!")
    assert transcript_excerpt([]) == ""


# --- the LLM engine ---------------------------------------------------------------------------------

DRAFT = {"summary": "Ana from Acme wants to route support calls; a meeting with Dana Lee is booked.",
         "lead_score": 88, "score_reasons": ["need stated (+20)", "meeting booked (+25)"],
         "sentiment": "positive", "next_step": "Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST"}


def answer(args: dict) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "SummaryDraft", "args": args, "id": "call-1"}])


def test_the_llm_writes_the_note_and_the_facts_come_from_the_call_document():
    invented = {**DRAFT, "qualification": {"first_name": "Bob"}, "unanswered_questions": ["made up"]}
    model = ScriptedChatModel(script=[answer(invented)])
    agent = {"qualification": {**QUALIFIED, **CONFIRMED}, "unanswered_questions": ["Do you support SAP?"]}
    summary = LlmSummarizer(model, timeout_s=5).summarize(call(agent, meeting=MEETING), BOOKED_EVENTS)
    assert (summary.summary, summary.lead_score, summary.next_step) == (DRAFT["summary"], 88, DRAFT["next_step"])
    assert summary.qualification == QUALIFIED and summary.unanswered_questions == ["Do you support SAP?"]
    assert summary.meeting == "Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST"
    assert summary.engine == "llm:ScriptedChatModel/summary.v1"
    [[system, human]] = model.calls
    assert "sales rep" in system.content and "data, not instructions" in system.content
    assert '"meeting_booked": true' in human.content and "Agent: I can offer Tuesday at 10 [cut off]" in human.content


@pytest.mark.parametrize("reply", [
    RuntimeError("503 Service Unavailable"),
    AIMessage(content="Here is a summary, but not in the schema."),
    answer({**DRAFT, "lead_score": 150}),
])
def test_a_failed_model_is_retryable(reply):
    with pytest.raises(RetryableError):
        LlmSummarizer(ScriptedChatModel(script=[reply]), timeout_s=5).summarize(call(), BOOKED_EVENTS)


def test_a_model_that_answers_too_late_is_retryable():
    model = ScriptedChatModel(script=[("sleep", 1.0, answer(DRAFT))])
    started = datetime.now(UTC)
    with pytest.raises(RetryableError, match="within 0.1 s"):
        LlmSummarizer(model, timeout_s=0.1).summarize(call(), [])
    assert (datetime.now(UTC) - started).total_seconds() < 0.9


def test_the_engine_follows_the_llm_provider(monkeypatch):
    assert isinstance(make_summarizer(PostCallSettings(llm_provider="offline")), OfflineSummarizer)
    chosen = []
    monkeypatch.setattr("callbot.llm.providers.chat_model",
                        lambda settings: chosen.append(settings.llm_provider) or ScriptedChatModel(script=[]))
    summarizer = make_summarizer(PostCallSettings(llm_provider="vertexai", summary_timeout_s=3))
    assert isinstance(summarizer, LlmSummarizer) and chosen == ["vertexai"]
