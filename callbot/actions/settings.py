"""Settings of the action functions (prefix `CALLBOT_`), with the adapter chosen for each port."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from callbot.settings import CommonSettings


class RepSetting(BaseModel):
    """A sales rep whose calendar meetings are booked on (`CALLBOT_CALENDAR_REPS`, a JSON list)."""

    name: str
    email: str
    calendar_id: str = ""  # default: the email (a user's primary calendar)
    timezone: str = "America/New_York"


class ActionSettings(CommonSettings):
    """crm_action, calendar_action and knowledge_action. `memory` backends are the demo company in
    memory (unit tests, and a stack without the local servers); the others are the real adapters,
    pointed at the local servers by the `*_url` settings in dev."""

    max_message_age_s: int = Field(default=600, ge=1, description="older messages are dropped, not retried")
    action_retry_s: float = Field(
        default=8.0, gt=0, description="a request still failing (timeout, 429, 5xx) this long after it was "
        "published is reported as failed instead of retried: the caller, who heard the holding line, is "
        "answered rather than left waiting; what the call collected is still synced after it (sync_crm)")
    request_timeout_s: float = Field(
        default=5.0, gt=0, description="per request to Salesforce or Google Calendar: a hung request fails in "
        "time to be retried within action_retry_s")
    crm_backend: Literal["memory", "salesforce"] = "memory"
    calendar_backend: Literal["memory", "google", "salesforce"] = "memory"
    knowledge_backend: Literal["memory", "firestore"] = "memory"

    # Salesforce: JWT bearer (client id, username, private key) or username + password + token
    salesforce_login_url: str = Field(default="https://login.salesforce.com",
                                      description="the OAuth server; the local fake's URL in dev")
    salesforce_api_version: str = "62.0"
    salesforce_client_id: str = ""
    salesforce_username: str = ""
    salesforce_private_key: SecretStr = SecretStr("")
    salesforce_password: SecretStr = SecretStr("")
    salesforce_security_token: SecretStr = SecretStr("")

    # Google Calendar
    google_calendar_root_url: str = Field(default="", description="the local fake's URL; empty: Google")
    calendar_reps: list[RepSetting] = Field(default_factory=list, description="empty in dev: the demo company's")
    calendar_organizer_id: str = Field(default="", description="a shared calendar that holds every meeting")
    business_hours_start: time = time(9, 0)
    business_hours_end: time = time(17, 0)
    meeting_minutes: int = Field(default=30, ge=5, le=480)
    meeting_buffer_minutes: int = Field(default=10, ge=0, le=120)
    meeting_min_notice_minutes: int = Field(default=120, ge=0)
    meeting_horizon_days: int = Field(default=14, ge=1, le=90)
    slot_assignment: Literal["round_robin", "owner_first"] = "round_robin"
    calendar_owner_email: str = Field(default="", description="owner_first: whose slots come first")

    # knowledge base
    knowledge_collection: str = "knowledge_chunks"
    knowledge_threshold: float = Field(default=0.0, ge=0, le=1, description="0: the adapter's default")
    embedding_backend: Literal["offline", "vertexai"] = "offline"
    embedding_model: str = "text-embedding-005"
    demo_clock: str = Field(
        default="", description="ISO date-time the in-memory calendar takes as now (tests); empty: the real now")

    @field_validator("demo_clock")
    @classmethod
    def _aware_iso(cls, value: str) -> str:
        if value and datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("demo_clock needs a UTC offset, e.g. 2026-12-01T09:00:00+00:00")
        return value

    def calendar_clock(self) -> Callable[[], datetime]:
        """What the calendars take as now: the fixed `demo_clock` when set, else the real time."""
        if self.demo_clock:
            fixed = datetime.fromisoformat(self.demo_clock)
            return lambda: fixed
        return lambda: datetime.now(UTC)
