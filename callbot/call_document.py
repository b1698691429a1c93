"""The call document `calls/{CallSid}`: one typed model for every process that writes or reads it.

    the voice webhook (relay)   from, to, status ringing, language, relay_instance, voice_idempotency_token
    the media stream (relay)    status in-progress, stream_*, transfer_*, then at hang-up status completed,
                                ended_*, the inbound lag, outbound underruns, recording_uri
    Twilio's status callback    twilio_status, duration_s (and closes a call no relay closed)
    agent_turn                  lead_id, meeting, agent: what the conversation has established
    the post-call steps         summary, crm_record_id, invitation_email, confirmation_sms, post_call,
                                status processed or post_call_failed
    the store adapters          created_at, updated_at, expire_at (the TTL policy's field)

Field names are the names in Firestore. Reading (`CallDocument.stored`) is lenient, so a document
written by an older or a newer writer still reads: a field the model does not know is kept
(`model_extra`), and one whose value does not fit is read as missing, with a warning. Writing is a
partial update: a writer builds a `CallDocument` with only the fields it changes, and
`callbot.store.field_paths` lists them as Firestore field paths. A `Part` of the document (the document
itself, `post_call`, its `steps`, `confirmation_sms`, `invitation_email`) is written field by field, so writers of
different fields of it do not overwrite each other; any other `Value` (a meeting, a summary, a step's
result) replaces what was there. Nothing writes a whole document it has read, so a field an older
reader does not know survives it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from callbot.calendar import Meeting
from callbot.crm import LeadFields

log = logging.getLogger(__name__)
STORED = "stored"  # validation context: the data was read from the store


class CallStatus(StrEnum):
    """`status`: ringing -> in-progress -> completed -> processed or post_call_failed."""

    RINGING = "ringing"  # the voice webhook answered; no media stream yet
    IN_PROGRESS = "in-progress"  # a relay holds the media stream
    COMPLETED = "completed"  # the call is over; its post-call work has not finished
    PROCESSED = "processed"  # the post-call workflow finished
    POST_CALL_FAILED = "post_call_failed"  # a post-call step failed for good


CLOSED = frozenset({CallStatus.COMPLETED, CallStatus.PROCESSED, CallStatus.POST_CALL_FAILED})
RUN_OUTCOMES = (CallStatus.PROCESSED, CallStatus.POST_CALL_FAILED)  # how a post-call run ends
RUNNING = "running"  # `post_call.status` while a run is under way


def as_datetime(value: Any) -> datetime | None:
    """A stored time (a timestamp or ISO text) as an aware datetime; None when absent or unreadable
    (a naive time is UTC)."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def lenient(model: type[BaseModel], raw: dict[str, Any], what: str) -> Any:
    """`model` validated from `raw`, leaving out (with a warning) the fields whose value does not fit."""
    try:
        return model.model_validate(raw, context={STORED: True})
    except ValidationError as exc:
        return model.model_validate(_readable(raw, exc, what), context={STORED: True})


def _readable(data: dict[str, Any], exc: ValidationError, what: str) -> dict[str, Any]:
    """`data` without the fields `exc` found unreadable; `exc` again when it names none of them."""
    bad = {error["loc"][0] for error in exc.errors() if error["loc"]} & data.keys()
    if not bad:
        raise exc
    log.warning("%s: %s not readable, read as missing", what, ", ".join(sorted(map(str, bad))))
    return {k: v for k, v in data.items() if k not in bad}


class Value(BaseModel):
    """A value held in the call document: fields it does not know are kept, and when read from the
    store a field that does not fit is read as missing."""

    model_config = ConfigDict(extra="allow", validate_by_name=True, validate_by_alias=True)

    @model_validator(mode="wrap")
    @classmethod
    def _read_leniently(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        if not (info.context or {}).get(STORED) or not isinstance(data, dict):
            return handler(data)
        try:
            return handler(data)
        except ValidationError as exc:
            return handler(_readable(data, exc, f"call document ({cls.__name__})"))

    def stored_form(self) -> dict[str, Any]:
        """As Firestore holds it: the fields that were set (or read), under their stored names."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class Part(Value):
    """A part of the document written field by field. A writer may only name fields it has."""

    @model_validator(mode="before")
    @classmethod
    def _known_fields_only(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and not (info.context or {}).get(STORED):
            names = {alias for name, f in cls.model_fields.items() for alias in (name, f.alias) if alias}
            unknown = sorted(set(data) - names)
            if unknown:
                raise ValueError(f"{cls.__name__} has no field {', '.join(unknown)}")
        return data


# --- what agent_turn copies from the conversation ------------------------------------------------

class CallMeeting(Value):
    """`meeting`: the meeting booked on the call, a `callbot.calendar.Meeting` as the calendar action
    answered it (times as ISO text), possibly moved or cancelled since."""

    id: str | None = None
    start: datetime | str | None = None
    end: datetime | str | None = None
    timezone: str | None = None
    rep: str | None = None
    rep_email: str | None = None
    attendee_email: str | None = None
    status: str = "booked"  # or "cancelled"
    moved_from: datetime | str | None = None  # the start it had before its latest reschedule
    invitation_owed: bool | None = None  # booked without inviting the attendee: the invitation is owed

    @property
    def booked(self) -> bool:
        return self.status == "booked"

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def calendar_meeting(self) -> Meeting:
        """As the calendar port types it; raises `ValidationError` when a field it needs is missing."""
        return Meeting.model_validate(self.stored_form())


class AgentOutcome(Value):
    """`agent`: what the conversation established, as agent_turn last copied it."""

    qualification: dict[str, Any] = Field(default_factory=dict)  # the LeadFields collected
    known_caller: str | None = None  # the id of the CRM record that matched the caller's number
    transfer: bool = False  # the caller asked for a person
    handoff_reason: str | None = None
    end_call: bool = False
    active_agent: str | None = None
    unanswered_questions: list[str] = Field(default_factory=list)
    knowledge_sources: list[str] = Field(default_factory=list)

    def lead_fields(self) -> LeadFields:
        """The qualification as `LeadFields`; a field that does not validate is left out, and so is a
        name the caller did not confirm (`name_confirmed`): a misheard name is never saved."""
        qualification = dict(self.qualification)
        if qualification.get("name_confirmed") is not True:
            qualification.pop("first_name", None)
            qualification.pop("last_name", None)
        return lenient(LeadFields, qualification, "qualification")


# --- what the post-call steps write --------------------------------------------------------------

Sentiment = Literal["positive", "neutral", "negative"]


class SummaryDraft(BaseModel):
    """The after-call note for the sales rep: what a summarizer writes and judges."""

    summary: str = Field(description="2-4 sentences: who called, what they need, how the call ended")
    lead_score: int = Field(ge=0, le=100, description="how promising the lead is, 0-100")
    score_reasons: list[str] = Field(default_factory=list, description="one short phrase per scoring factor")
    sentiment: Sentiment = Field(description="the caller's mood over the call")
    next_step: str = Field(description="the rep's next action, one line")


class CallSummary(SummaryDraft):
    """`summary`: the note with the facts from the call document (never written by a model)."""

    model_config = ConfigDict(extra="allow")

    qualification: dict[str, Any] = Field(default_factory=dict)  # the known LeadFields
    unanswered_questions: list[str] = Field(default_factory=list)
    meeting: str | None = None  # "Meeting with Dana Lee on Tue 01 Dec 2026 10:00 EST"
    engine: str  # which summarizer wrote it


class SummarizeResult(Value):
    """`post_call.steps.summarize_call`, also summarize_call's answer to the workflow."""

    lead_score: int | None = None
    sentiment: str | None = None
    engine: str | None = None
    at_ms: int | None = None


class SyncCrmResult(Value):
    """`post_call.steps.sync_crm`, also sync_crm's answer to the workflow."""

    record_id: str | None = None
    record_kind: str | None = None
    task_id: str | None = None
    meeting_id: str | None = None
    at_ms: int | None = None


class ConfirmationResult(Value):
    """`post_call.steps.send_confirmation`, also send_confirmation's answer: `sent` and `reason` when
    nothing was sent; the message's sid, masked number and Twilio status when it was; `invitation`,
    when the meeting's invitation was owed, "emailed" or why it was not."""

    sent: bool = False
    reason: str | None = None
    sid: str | None = None
    to: str | None = None
    status: str | None = None
    at_ms: int | None = None
    invitation: str | None = None


class PostCallSteps(Part):
    summarize_call: SummarizeResult | None = None
    sync_crm: SyncCrmResult | None = None
    send_confirmation: ConfirmationResult | None = None


class PostCallRun(Value):
    """`post_call.run`: the latest execution of the post-call workflow (see `callbot.post_call.runs`)."""

    number: int = 1
    state: str | None = None  # "starting" once claimed, "started" once the execution is
    claimed_at_ms: int | None = None
    execution: str | None = None
    started_at_ms: int | None = None
    request_id: str | None = None  # the RerunPostCall that started it (a redelivery starts nothing)
    requested_by: str | None = None


class PostCall(Part):
    """`post_call`: the post-call workflow's runs, each step's result and the outcome."""

    run: PostCallRun | None = None
    status: str | None = None  # RUNNING, then one of RUN_OUTCOMES
    steps: PostCallSteps | None = None
    finished_at_ms: int | None = None
    after_hang_up_ms: int | None = None
    failed_step: str | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        """The latest run has an outcome (a run's start sets `status` back to running)."""
        started = self.run.started_at_ms if self.run is not None else None
        return self.status in RUN_OUTCOMES and (self.finished_at_ms or 0) >= (started or 0)


class GuardedSend(Part):
    """What `confirmation_sms` and `invitation_email` share: the guard of a message sent once (see
    send_confirmation), claimed as `sending`, then `sent`, `unconfirmed` or `rejected`."""

    meeting_id: str | None = None
    state: str | None = None  # sending, sent, unconfirmed or rejected
    attempt: int | None = None
    claimed_at_ms: int | None = None
    attempt_at_ms: int | None = None
    attempts: dict[str, int] = Field(default_factory=dict)  # "n2": when attempt 2 claimed its turn
    error: str | None = None
    sent_at_ms: int | None = None


class ConfirmationSms(GuardedSend):
    """`confirmation_sms`: the guard and record of the confirmation text (see send_confirmation)."""

    to: str | None = None
    from_: str | None = Field(None, alias="from")
    body: str | None = None
    language: str | None = None
    sid: str | None = None
    status: str | None = None  # Twilio's, when it accepted the message
    recovered: bool | None = None  # found at Twilio after an interrupted attempt


class InvitationEmail(GuardedSend):
    """`invitation_email`: the guard and record of the calendar invitation emailed to the caller when
    the calendar could not invite them (see send_confirmation's `invitation.py`)."""

    uid: str | None = None  # the invitation's iCalendar UID
    message_id: str | None = None  # the provider's, when it accepted the message


# --- the document --------------------------------------------------------------------------------

class CallDocument(Part):
    """`calls/{CallSid}`. Every field is optional: a writer sets the ones it changes."""

    from_: str | None = Field(None, alias="from")
    to: str | None = None
    status: str | None = None  # a CallStatus
    language: str | None = None
    relay_instance: str | None = None
    voice_idempotency_token: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    expire_at: datetime | None = None
    stream_sid: str | None = None
    stream_started_at_ms: int | None = None
    transfer_requested: bool | None = None
    transferred_to: str | None = None
    ended_by: str | None = None  # caller, bot, transfer, timeout or error
    end_reason: str | None = None
    ended_at_ms: int | None = None
    inbound_frames: int | None = None
    inbound_lag_p50_ms: int | None = None
    inbound_lag_p99_ms: int | None = None
    outbound_underruns: int | None = None
    outbound_underrun_ms: int | None = None
    recording_uri: str | None = None
    twilio_status: str | None = None  # the latest CallStatus Twilio reported
    duration_s: int | None = None  # Twilio's CallDuration
    lead_id: str | None = None
    meeting: CallMeeting | None = None
    agent: AgentOutcome | None = None
    summary: CallSummary | None = None
    crm_record_id: str | None = None
    confirmation_sms: ConfirmationSms | None = None
    invitation_email: InvitationEmail | None = None
    post_call: PostCall | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_is_none(cls, data: Any) -> Any:
        """An empty meeting, confirmation or invitation record is none (as agent_turn and
        send_confirmation have always read one)."""
        if isinstance(data, dict):
            empty = [name for name in ("meeting", "confirmation_sms", "invitation_email")
                     if data.get(name) == {}]
            return {**data, **dict.fromkeys(empty)} if empty else data
        return data

    @classmethod
    def stored(cls, data: dict[str, Any]) -> CallDocument:
        """The document as read from the store (leniently: see the module's docstring)."""
        return cls.model_validate(data, context={STORED: True})

    @property
    def outcome(self) -> AgentOutcome:
        """`agent`, or an empty outcome when agent_turn wrote none."""
        return self.agent if self.agent is not None else AgentOutcome()

    @property
    def booked_meeting(self) -> CallMeeting | None:
        return self.meeting if self.meeting is not None and self.meeting.booked else None

    def length_s(self) -> int | None:
        """How long the call lasted: Twilio's duration when it reported one, else from the stream's
        start to the hang-up; None when neither is known."""
        if self.duration_s is not None:
            return self.duration_s
        if self.ended_at_ms and self.stream_started_at_ms:
            return max(0, round((self.ended_at_ms - self.stream_started_at_ms) / 1000))
        return None

    def started_at(self) -> datetime | None:
        """When the media stream started, else when the document was created."""
        if self.stream_started_at_ms:
            return datetime.fromtimestamp(self.stream_started_at_ms / 1000, UTC)
        return as_datetime(self.created_at)


# --- claims: a part set only if it is not set yet (`CallRecords.claim`) ------------------------------

class Claim(NamedTuple):
    path: str  # a Firestore field path
    value: Any


def run_claim(run: PostCallRun) -> Claim:
    """The post-call run a trigger starts, claimed so a second `CallEnded` starts nothing."""
    return Claim("post_call.run", run.stored_form())


def confirmation_claim(record: ConfirmationSms) -> Claim:
    """The confirmation text about to be sent, claimed so it is sent once."""
    return Claim("confirmation_sms", record.stored_form())


def attempt_claim(number: int, at_ms: int) -> Claim:
    """A later attempt at the confirmation, claimed so two attempts never send at once."""
    return Claim(f"confirmation_sms.attempts.n{number}", at_ms)


def invitation_claim(record: InvitationEmail) -> Claim:
    """The calendar invitation about to be emailed, claimed so it is sent once."""
    return Claim("invitation_email", record.stored_form())


def invitation_attempt_claim(number: int, at_ms: int) -> Claim:
    """A later attempt at the invitation, claimed so two attempts never send at once."""
    return Claim(f"invitation_email.attempts.n{number}", at_ms)
