"""Typed messages between the relay and the functions, and the one map of topics they travel on.

Commands are imperative, events past tense. Every message carries the call id (Twilio CallSid), a
monotonic `turn_seq` within the call and a deterministic `message_key` used for deduplication.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from callbot.errors import BadMessage

SCHEMA_VERSION = 1


class Topic(StrEnum):
    """Pub/Sub topics. Names are the same in every environment (one project per environment)."""

    TURNS = "callbot-turns"  # caller input and action results, ordering key = call id, to agent_turn
    REPLIES = "callbot-replies"  # bot speech back to the relay instance that holds the call
    CALL_EVENTS = "callbot-call-events"  # call lifecycle, to the post-call pipeline
    DEAD_LETTER = "callbot-dead-letter"  # messages that failed permanently or too often
    CRM_ACTIONS = "callbot-crm-actions"  # ActionRequested for the CRM, to crm_action
    CALENDAR_ACTIONS = "callbot-calendar-actions"  # ActionRequested for calendars, to calendar_action
    KNOWLEDGE_ACTIONS = "callbot-knowledge-actions"  # ActionRequested for the knowledge base, to knowledge_action


class Subscription(StrEnum):
    """Subscriptions other than the relay's own per-instance reply subscriptions."""

    AGENT_TURN = "callbot-turns-agent-turn"  # push, ordered, to the agent_turn function
    DEAD_LETTER_AUDIT = "callbot-dead-letter-audit"  # pull, kept for inspection and alerting
    CRM_ACTION = "callbot-crm-actions-crm-action"  # push, to the crm_action function
    CALENDAR_ACTION = "callbot-calendar-actions-calendar-action"  # push, to calendar_action
    KNOWLEDGE_ACTION = "callbot-knowledge-actions-knowledge-action"  # push, to knowledge_action
    POST_CALL_TRIGGER = "callbot-call-events-post-call-trigger"  # push, to post_call_trigger


class ActionPort(StrEnum):
    """The external systems an agent acts on; one action function and one topic each."""

    CRM = "crm"
    CALENDAR = "calendar"
    KNOWLEDGE = "knowledge"


ACTION_TOPICS: dict[ActionPort, Topic] = {
    ActionPort.CRM: Topic.CRM_ACTIONS,
    ActionPort.CALENDAR: Topic.CALENDAR_ACTIONS,
    ActionPort.KNOWLEDGE: Topic.KNOWLEDGE_ACTIONS,
}


def reply_subscription(relay_instance: str) -> str:
    """The name of one relay instance's subscription on the replies topic."""
    return f"{Topic.REPLIES}-{relay_instance}"


class Message(BaseModel):
    """Fields every message has."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_version: int = SCHEMA_VERSION
    call_id: str = Field(min_length=1, max_length=64)
    turn_seq: int = Field(ge=0)
    sent_at_ms: int = Field(default=0, ge=0, description="publisher's wall clock, ms since epoch")

    @property
    def message_key(self) -> str:
        return f"{self.type}:{self.call_id}:{self.turn_seq}"  # type: ignore[attr-defined]

    @property
    def topic(self) -> Topic:
        return TOPIC_OF[self.type]  # type: ignore[attr-defined]

    @property
    def ordering_key(self) -> str:
        return self.call_id


class CallStarted(Message):
    """The media stream of a call opened on a relay instance; the agent greets the caller."""

    type: Literal["CallStarted"] = "CallStarted"
    relay_instance: str
    from_number: str = ""
    to_number: str = ""
    language: str = "en-US"


class UserUtterance(Message):
    """The caller finished saying something (endpointed and transcribed by the relay).

    A `tentative` utterance is sent on the STT's final, before the endpointer has closed the turn (a
    preemptive turn): the agent answers it at once, but runs no action that writes, and the relay
    holds the reply, until a `TurnSettled` for the same `turn_seq` keeps it or withdraws it."""

    type: Literal["UserUtterance"] = "UserUtterance"
    relay_instance: str
    text: str
    language: str = "en-US"
    speech_ended_at_ms: int = Field(default=0, ge=0)
    tentative: bool = False


class TurnSettled(Message):
    """The relay decided a tentative utterance (`turn_seq`): `kept` when the caller had in fact
    finished (its reply plays, its held writes run), withdrawn when they went on speaking (the
    agent forgets the turn as if it had never come; the whole utterance follows as a new turn)."""

    type: Literal["TurnSettled"] = "TurnSettled"
    relay_instance: str
    kept: bool


class DtmfReceived(Message):
    """The caller pressed a key."""

    type: Literal["DtmfReceived"] = "DtmfReceived"
    relay_instance: str
    digit: str = Field(pattern=r"^[0-9*#A-D]$")


class BotInterrupted(Message):
    """The caller cut the bot off during its reply to `turn_seq`; `heard` is what they heard of it."""

    type: Literal["BotInterrupted"] = "BotInterrupted"
    relay_instance: str
    heard: str


class BotSpeech(Message):
    """One sentence of the bot's reply to turn `turn_seq`, to be spoken in `segment` order. The last
    segment carries the directive, if any: end the call, or hand it to a person, once it was heard."""

    type: Literal["BotSpeech"] = "BotSpeech"
    relay_instance: str
    segment: int = Field(ge=0)
    text: str
    is_last: bool = True
    end_call: bool = False
    transfer: bool = False
    listen_for: str | None = Field(
        default=None, description="what the bot expects the caller to say next, as the conversation stood "
        "when the segment was spoken: a qualification field it asks for (first_name, last_name, company, role, "
        "need, team_size, timeline, email, email_confirmed, consent, ...) or slot_choice (meeting times were "
        "offered); None: nothing in particular. A hint for the recognizer: a value it does not know is ignored")

    @property
    def message_key(self) -> str:
        return f"{self.type}:{self.call_id}:{self.turn_seq}:{self.segment}"


class ActionRequested(Message):
    """Run `action` on `port` for the turn `turn_seq` (a command to one action function). The graph
    waits for the matching `ActionCompleted`; `request_id` is unique within the call."""

    type: Literal["ActionRequested"] = "ActionRequested"
    relay_instance: str
    request_id: str = Field(min_length=1, max_length=128)
    port: ActionPort
    action: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)
    language: str = "en-US"
    caller_number: str = ""

    @property
    def message_key(self) -> str:
        return f"{self.type}:{self.call_id}:{self.request_id}"

    @property
    def topic(self) -> Topic:
        return ACTION_TOPICS[self.port]


class ActionCompleted(Message):
    """An action function finished `request_id`: `ok` with a `result`, or a permanent `error`
    (retryable errors are not reported: the action function raises and Pub/Sub redelivers)."""

    type: Literal["ActionCompleted"] = "ActionCompleted"
    relay_instance: str
    request_id: str = Field(min_length=1, max_length=128)
    port: ActionPort
    action: str
    ok: bool = True
    result: dict[str, Any] = Field(default_factory=dict)
    error: str = ""
    duration_ms: int = Field(default=0, ge=0, description="how long the action itself took")
    requested_at_ms: int = Field(default=0, ge=0, description="the request's sent_at_ms, for the round trip")

    @property
    def message_key(self) -> str:
        return f"{self.type}:{self.call_id}:{self.request_id}"


class CallEnded(Message):
    """The call is over, however it ended."""

    type: Literal["CallEnded"] = "CallEnded"
    relay_instance: str
    ended_by: Literal["caller", "bot", "transfer", "timeout", "error"]
    reason: str = ""


class RerunPostCall(Message):
    """Run the call's post-call workflow again (the call console asks; post_call_trigger starts the
    run, since the console may not write call data). `turn_seq` is 0: it is not part of a turn."""

    type: Literal["RerunPostCall"] = "RerunPostCall"
    requested_by: str = Field(min_length=1, description="who asked (the console user's identity)")
    request_id: str = Field(min_length=1, max_length=64, description="one per request: a redelivery repeats it")

    @property
    def message_key(self) -> str:
        return f"{self.type}:{self.call_id}:{self.request_id}"


class DeadLettered(Message):
    """A message that failed permanently, kept with the reason for inspection and alerting."""

    type: Literal["DeadLettered"] = "DeadLettered"
    source: str = Field(description="the function or process that gave up on it")
    reason: str
    payload: str = Field(description="the original payload, as received")

    @property
    def message_key(self) -> str:
        return f"{self.type}:{self.call_id}:{self.turn_seq}:{self.source}"


AnyMessage = Annotated[
    CallStarted | UserUtterance | TurnSettled | DtmfReceived | BotInterrupted | BotSpeech | CallEnded
    | RerunPostCall | DeadLettered | ActionRequested | ActionCompleted,
    Field(discriminator="type"),
]
TurnInput = CallStarted | UserUtterance | TurnSettled | DtmfReceived | BotInterrupted | ActionCompleted

TOPIC_OF: dict[str, Topic] = {
    "CallStarted": Topic.TURNS,
    "UserUtterance": Topic.TURNS,
    "TurnSettled": Topic.TURNS,
    "DtmfReceived": Topic.TURNS,
    "BotInterrupted": Topic.TURNS,
    "ActionCompleted": Topic.TURNS,
    "ActionRequested": Topic.CRM_ACTIONS,  # the default; each request goes to its port's topic
    "BotSpeech": Topic.REPLIES,
    "CallEnded": Topic.CALL_EVENTS,
    "RerunPostCall": Topic.CALL_EVENTS,
    "DeadLettered": Topic.DEAD_LETTER,
}

_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage)


def encode(message: Message) -> tuple[bytes, dict[str, str]]:
    """Pub/Sub payload and attributes for `message`."""
    attributes = {
        "type": message.type,  # type: ignore[attr-defined]
        "call_id": message.call_id,
        "message_key": message.message_key,
        "schema_version": str(message.schema_version),
    }
    relay_instance = getattr(message, "relay_instance", "")
    if relay_instance:
        attributes["relay_instance"] = relay_instance
    return message.model_dump_json().encode(), attributes


def decode(data: bytes | str) -> AnyMessage:
    """Parse a payload written by `encode`; raises `BadMessage` for anything else."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage(f"payload is not JSON: {exc}") from exc
    except RecursionError as exc:  # nested deeper than the parser goes: never a message of ours
        raise BadMessage("payload is not JSON: nested too deeply") from exc
    if not isinstance(raw, dict):
        raise BadMessage("payload is not a JSON object")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise BadMessage(f"unsupported schema_version {version!r}")
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        raise BadMessage(f"invalid message: {exc.errors(include_url=False)}") from exc
