"""Composition root of send_confirmation: built once per instance, on first use (lazy global)."""

from __future__ import annotations

import functools

from callbot import logs
from callbot.post_call.records import FirestoreCallRecords
from callbot.post_call.settings import DEV_TWILIO_ACCOUNT_SID, PostCallSettings
from callbot.settings import DEV_TWILIO_AUTH_TOKEN, Environment
from callbot.sms.twilio_sms import TwilioSms
from functions.send_confirmation.step import SendConfirmation


@functools.cache
def step() -> SendConfirmation:
    settings = PostCallSettings()
    logs.configure(settings.log_level)
    return SendConfirmation(FirestoreCallRecords.from_project(settings.project_id), make_sms(settings), settings)


def make_sms(settings: PostCallSettings) -> TwilioSms:
    """Twilio with the account's credentials; in dev, the local server's placeholders when unset."""
    token = settings.twilio_auth_token.get_secret_value()
    if settings.environment is not Environment.DEV:
        if not token:
            raise ValueError("CALLBOT_TWILIO_AUTH_TOKEN is required outside dev")
        if settings.twilio_account_sid == DEV_TWILIO_ACCOUNT_SID:
            raise ValueError("CALLBOT_TWILIO_ACCOUNT_SID is required outside dev")
    return TwilioSms(settings.twilio_account_sid, token or DEV_TWILIO_AUTH_TOKEN, settings.twilio_api_url)
