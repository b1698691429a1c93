"""Text messages: the `SmsPort` and the message it answers with.

Adapters: `twilio_sms.py` (Twilio's Messaging API through the `twilio` SDK; a local Twilio server in
dev) and `memory.py` (a recording fake for unit tests). Numbers are E.164 (`+14155550123`).

Errors: a send that may succeed later (a timeout, 429, 5xx) raises `RetryableError`; one Twilio
refuses (an invalid number, an unsubscribed recipient, bad credentials) raises `SmsRejected`, a
`PermanentError` that carries Twilio's error code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from callbot.errors import PermanentError


class SentSms(BaseModel):
    """A message the provider accepted (`status` as the provider reports it: queued, sent, ...)."""

    model_config = ConfigDict(frozen=True)

    sid: str
    to: str
    from_: str
    body: str
    status: str
    date_created: datetime | None = None


class SmsRejected(PermanentError):
    """The provider refused the message; `code` is its error code (Twilio: 21211, 21610, 20003...)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"SMS refused ({code}): {message}" if code else f"SMS refused: {message}")
        self.code = code


class SmsPort(Protocol):
    def send(self, *, to: str, from_: str, body: str) -> SentSms:
        """Send `body` to `to`; the accepted message. Not idempotent: guard it (see `send_confirmation`)."""
        ...

    def sent_to(self, *, to: str, since: datetime) -> list[SentSms]:
        """Messages accepted for `to` since `since` (timezone-aware, compared with when the provider
        accepted each one), newest first, whatever their status, one still queued included: how a send
        whose answer was lost is found again."""
        ...
