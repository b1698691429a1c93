"""Email: the `EmailPort` and the messages it speaks.

Adapters: `sendgrid_email.py` (Twilio SendGrid's v3 Mail Send API through the `sendgrid` SDK; a
local SendGrid server in dev) and `memory.py` (a recording fake for unit tests).

Errors: a send that may succeed later (a timeout, 429, 5xx) raises `RetryableError`; one the
provider refuses (a bad address, an unverified sender, a wrong API key) raises `EmailRejected`, a
`PermanentError` that carries the HTTP status.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, EmailStr

from callbot.errors import PermanentError


class Attachment(BaseModel):
    """A file sent with the message; `content_type` may carry parameters (`text/calendar; method=REQUEST`)."""

    model_config = ConfigDict(frozen=True)

    filename: str
    content_type: str
    content: bytes
    disposition: Literal["attachment", "inline"] = "attachment"


class EmailMessage(BaseModel):
    """One message to one recipient. `key` names it for idempotency and tracing: the same message
    sent again carries the same key (providers without idempotency record it with the message)."""

    model_config = ConfigDict(frozen=True)

    key: str
    to: EmailStr
    to_name: str = ""
    from_: EmailStr
    from_name: str = ""
    reply_to: EmailStr | None = None
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()


class SentEmail(BaseModel):
    """A message the provider accepted for delivery; `message_id` is the provider's id for it."""

    model_config = ConfigDict(frozen=True)

    key: str
    message_id: str


class EmailRejected(PermanentError):
    """The provider refused the message (`status`: its HTTP status, 400 bad request, 401 wrong key...)."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(f"email refused ({status}): {message}" if status else f"email refused: {message}")
        self.status = status


class EmailPort(Protocol):
    def send(self, message: EmailMessage) -> SentEmail:
        """Hand `message` to the provider for delivery; the accepted message. Not idempotent at the
        provider (SendGrid has no idempotency key): guard it (see send_confirmation's invitation)."""
        ...
