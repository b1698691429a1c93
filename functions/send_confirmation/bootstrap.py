"""Composition root of send_confirmation: built once per instance, on first use (lazy global)."""

from __future__ import annotations

from callbot import logs
from callbot.composition import built_once
from callbot.email.sendgrid_email import SendGridEmail
from callbot.post_call.records import FirestoreCallRecords
from callbot.post_call.settings import DEV_SENDGRID_API_KEY, DEV_TWILIO_ACCOUNT_SID, PostCallSettings
from callbot.settings import DEV_TWILIO_AUTH_TOKEN, Environment
from callbot.sms.twilio_sms import TwilioSms
from functions.send_confirmation.invitation import EmailInvitation
from functions.send_confirmation.step import SendConfirmation


@built_once
def step() -> SendConfirmation:
    settings = PostCallSettings()
    logs.configure(settings.log_level)
    records = FirestoreCallRecords.from_project(settings.project_id)
    return SendConfirmation(records, make_sms(settings), settings,
                            invitation=EmailInvitation(records, make_email(settings), settings))


def make_sms(settings: PostCallSettings) -> TwilioSms:
    """Twilio with the account's credentials; in dev, the local server's placeholders when unset."""
    token = settings.twilio_auth_token.get_secret_value()
    if settings.environment is not Environment.DEV:
        if not token:
            raise ValueError("CALLBOT_TWILIO_AUTH_TOKEN is required outside dev")
        if settings.twilio_account_sid == DEV_TWILIO_ACCOUNT_SID:
            raise ValueError("CALLBOT_TWILIO_ACCOUNT_SID is required outside dev")
    return TwilioSms(settings.twilio_account_sid, token or DEV_TWILIO_AUTH_TOKEN, settings.twilio_api_url)


def make_email(settings: PostCallSettings) -> SendGridEmail | None:
    """SendGrid with the API key when invitations have a sender (`invitation_from`), else none (a
    calendar that invites the caller itself needs none); in dev, the local server's key when unset."""
    if not settings.invitation_from:
        return None
    key = settings.sendgrid_api_key.get_secret_value()
    if not key and settings.environment is not Environment.DEV:
        raise ValueError("CALLBOT_SENDGRID_API_KEY is required when CALLBOT_INVITATION_FROM is set")
    return SendGridEmail(key or DEV_SENDGRID_API_KEY, settings.sendgrid_api_url)
