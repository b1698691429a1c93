"""Settings of the action functions (prefix `CALLBOT_`), with the adapter chosen for each port."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from callbot.settings import CommonSettings, Environment


class RepSetting(BaseModel):
    """A sales rep whose calendar meetings are booked on (`CALLBOT_CALENDAR_REPS`, a JSON list)."""

    name: str
    email: str
    calendar_id: str = ""  # default: the email (a user's primary calendar)
    timezone: str = "America/New_York"


PRODUCTION_BACKENDS = {"crm_backend": "salesforce", "calendar_backend": "google", "knowledge_backend": "firestore"}


class ActionSettings(CommonSettings):
    """crm_action, calendar_action, knowledge_action and sync_crm. The `memory` backends serve the
    company of a seed file (`memory_seed`, which the dev and test composition roots set) and exist
    only in dev: the default there, refused elsewhere. The others are the real adapters (the default
    outside dev), pointed at the local servers by the `*_url` settings in dev."""

    max_message_age_s: int = Field(default=600, ge=1, description="older messages are dropped, not retried")
    action_retry_s: float = Field(
        default=8.0, gt=0, description="a request still failing (timeout, 429, 5xx) this long after it was "
        "published is reported as failed instead of retried: the caller, who heard the holding line, is "
        "answered rather than left waiting; what the call collected is still synced after it (sync_crm)")
    request_timeout_s: float = Field(
        default=5.0, gt=0, description="per request to Salesforce or Google Calendar: a hung request fails in "
        "time to be retried within action_retry_s")
    crm_backend: Literal["memory", "salesforce"] | None = Field(
        default=None, description="dev: memory, else salesforce")
    calendar_backend: Literal["memory", "google", "salesforce"] | None = Field(
        default=None, description="dev: memory, else google")
    knowledge_backend: Literal["memory", "firestore"] | None = Field(
        default=None, description="dev: memory, else firestore")
    memory_seed: str = Field(default="", description="the seed file (YAML) of the company the memory backends "
                             "serve (callbot.action_functions.memory_seed); dev and tests only")

    # Salesforce: JWT bearer (client id, username, private key) or username + password + token
    salesforce_login_url: str = Field(default="https://login.salesforce.com",
                                      description="the OAuth server; the local fake's URL in dev")
    salesforce_sandbox: bool | None = Field(
        default=None, description="whether the org is a sandbox: the JWT bearer flow's audience is then "
        "https://test.salesforce.com, else https://login.salesforce.com, whatever salesforce_login_url is. "
        "Unset: a sandbox when salesforce_login_url is test.salesforce.com or a sandbox's or scratch org's "
        "My Domain (MyDomainName--SandboxName...), a production org otherwise (the local fake is one)")
    salesforce_api_version: str = "62.0"
    salesforce_client_id: str = Field(default="", description="the connected app's consumer key; both flows "
                                      "need it")
    salesforce_username: str = ""
    salesforce_private_key: SecretStr = SecretStr("")
    salesforce_password: SecretStr = SecretStr("")
    salesforce_security_token: SecretStr = SecretStr("")

    # Google Calendar
    google_calendar_root_url: str = Field(default="", description="the local fake's URL; empty: Google")
    calendar_reps: list[RepSetting] = Field(default_factory=list, description="required by the google and "
                                            "salesforce calendars")
    calendar_organizer_id: str = Field(
        default="", description="the email of the organizer whose calendar holds every meeting and invites the "
        "rep (delegation or organizer_oauth); empty: each meeting in its rep's calendar")
    calendar_auth: Literal["service_account", "delegation", "organizer_oauth"] = Field(
        default="service_account", description="who books (callbot/calendar/google_credentials.py): delegation, "
        "a service account with Workspace domain-wide delegation acting as the rep or organizer; organizer_oauth, "
        "the organizer's refresh token; service_account, the functions' own, which Google refuses attendees: "
        "the meeting is booked uninvited and the invitation owed")
    calendar_delegation_account: str = Field(
        default="", description="delegation: the email of the service account whose client id the Workspace "
        "admin authorized; the functions' own accounts sign as it (Service Account Token Creator on it)")
    calendar_organizer_oauth: SecretStr = Field(
        default=SecretStr(""), description="organizer_oauth: the organizer's authorized-user JSON (client_id, "
        "client_secret, refresh_token), from Secret Manager; read in no other set-up")
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
    embedding_backend: Literal["local", "deterministic", "vertexai"] = Field(
        default="local", description="local: the multilingual model shipped in a PyPI package; deterministic: "
                                     "hashed words, for tests; vertexai: Vertex AI (production)")
    retrieval_mode: Literal["hybrid", "vector", "keyword"] = Field(
        default="hybrid", description="the knowledge base's retrievers: both fused, or one alone")
    embedding_model: str = Field(default="text-multilingual-embedding-002", description="the Vertex AI "
                                 "embeddings model (vertexai backend): multilingual, for the French pages")
    demo_clock: str = Field(
        default="", description="ISO date-time the in-memory calendar takes as now (tests); empty: the real now")

    @model_validator(mode="after")
    def _backends_for_environment(self) -> ActionSettings:
        for field, production in PRODUCTION_BACKENDS.items():
            chosen = getattr(self, field)
            if chosen is None:
                object.__setattr__(self, field, "memory" if self.environment is Environment.DEV else production)
            elif chosen == "memory" and self.environment is not Environment.DEV:
                raise ValueError(f"CALLBOT_{field.upper()}=memory is for dev only (CALLBOT_ENVIRONMENT is "
                                 f"{self.environment.value}): use {production}, or leave it unset")
        return self

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
