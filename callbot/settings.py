"""Settings of every deployable, read from the environment (prefix `CALLBOT_`) with typed defaults.

Business code receives a settings object; nothing else reads `os.environ`. Secrets come from Secret
Manager mounted as environment variables or files in staging and prod; the `dev` environment has
local placeholder values so that the stack runs with no credentials at all.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from enum import StrEnum
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_TWILIO_AUTH_TOKEN = "dev-twilio-auth-token-not-a-secret"


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class CommonSettings(BaseSettings):
    """What every process needs."""

    model_config = SettingsConfigDict(env_prefix="CALLBOT_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEV
    project_id: str = "callbot-local"
    log_level: str = "INFO"
    call_retention_days: int = Field(default=30, ge=1)


def _default_instance() -> str:
    host = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-")[:20] or "relay"
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class RelaySettings(CommonSettings):
    """The stream relay (Cloud Run)."""

    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="the URL Twilio calls; signatures are computed over it, never over the Host header",
    )
    twilio_auth_token: SecretStr = SecretStr("")
    relay_instance: str = Field(default_factory=_default_instance, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    stt_engine: Literal["scripted"] = "scripted"
    tts_engine: Literal["tone"] = "tone"
    vad_energy_dbfs: float = Field(default=-45.0, description="frames louder than this count as speech")
    vad_min_speech_ms: int = Field(default=60, ge=20, description="speech this long opens an utterance")
    endpoint_silence_ms: int = Field(default=500, ge=100, description="silence this long closes it")
    playback_lead_ms: int = Field(default=100, ge=0, description="audio sent ahead of real time")

    @model_validator(mode="after")
    def _secrets_present(self) -> RelaySettings:
        if not self.twilio_auth_token.get_secret_value():
            if self.environment is not Environment.DEV:
                raise ValueError("CALLBOT_TWILIO_AUTH_TOKEN is required outside dev")
            object.__setattr__(self, "twilio_auth_token", SecretStr(DEV_TWILIO_AUTH_TOKEN))
        return self

    @property
    def stream_url(self) -> str:
        """The media stream's WebSocket URL derived from the public URL."""
        base = self.public_url.rstrip("/")
        scheme, rest = base.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/twilio/stream"


class AgentTurnSettings(CommonSettings):
    """The agent_turn function."""

    max_message_age_s: int = Field(default=600, ge=1, description="older messages are dropped, not retried")
