"""Settings of the post-call functions (prefix `CALLBOT_`): the workflow engine, the summary's LLM,
the SMS confirmation and the calendar invitation emailed when the calendar could not send it."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field, SecretStr

from callbot.settings import LlmSettings

DEV_TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEV_SENDGRID_API_KEY = "SG.dev-key.local-sendgrid-server"  # what the local SendGrid server accepts


class PostCallSettings(LlmSettings):
    """post_call_trigger, summarize_call, sync_crm, send_confirmation and record_post_call."""

    max_message_age_s: int = Field(default=86400, ge=1, description="older CallEnded messages are dropped")
    workflow_engine: Literal["cloud", "emulator"] = Field(
        default="cloud", description="cloud: Cloud Workflows executions API; emulator: workflows-emulator (dev)")
    workflow_id: str = "post-call"
    workflow_location: str = "us-central1"
    workflows_emulator_url: str = Field(default="", description="the local workflows-emulator (dev)")
    restart_unstarted_after_s: int = Field(
        default=120, ge=1, description="a post-call run claimed but never started (a crash in between) is "
        "started again by a redelivered CallEnded after this long")

    summary_timeout_s: float = Field(default=60.0, gt=0, description="the LLM's time to summarize a call "
                                     "(no caller waits for it; a timeout is retried by the workflow)")

    twilio_account_sid: str = DEV_TWILIO_ACCOUNT_SID
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_api_url: str = Field(default="", description="empty: api.twilio.com; dev: the local Twilio server")
    sms_from: str = Field(default="", description="E.164 sender of confirmations; empty: the number called")
    sms_enabled: bool = True
    reschedule_number: str = Field(
        default="", description="the number a prospect calls to move the meeting; empty: the number called")

    sendgrid_api_key: SecretStr = SecretStr("")
    sendgrid_api_url: str = Field(default="", description="empty: api.sendgrid.com; dev: the local SendGrid server")
    invitation_from: EmailStr | Literal[""] = Field(
        default="", description="the address (a sender verified in SendGrid) that emails a caller the calendar "
        "invitation their calendar could not send (calendar_auth service_account); empty: none is emailed")
