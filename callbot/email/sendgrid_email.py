"""`EmailPort` on Twilio SendGrid's v3 Mail Send API (`POST /v3/mail/send`, bearer API key) through
the `sendgrid` SDK.

`api_url` points the SDK at another server (the local SendGrid server in dev) as its `host`; the
SDK's own request code runs unchanged. SendGrid answers 202 with the message's id in the
`X-Message-Id` header. It has no idempotency key: the message's `key` travels as the custom
argument `callbot_key` (shown in SendGrid's activity and event webhook), and repeating a send is the
caller's decision, made under its own guard. Attachments are sent base64-encoded with their
content type as given (`text/calendar; method=REQUEST` for an invitation).

Errors: 429, 5xx, timeouts and connection failures raise `RetryableError`; any other 4xx raises
`EmailRejected` with SendGrid's first error message (400 a bad field, 401 a wrong key, 403 a sender
not verified...).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import urllib.error

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    Attachment,
    CustomArg,
    Disposition,
    FileContent,
    FileName,
    FileType,
    From,
    Mail,
    ReplyTo,
    To,
)

from callbot.email import EmailMessage, EmailRejected, SentEmail
from callbot.errors import RetryableError

log = logging.getLogger(__name__)
SENDGRID_API = "https://api.sendgrid.com"
TIMEOUT_S = 8.0
KEY_ARG = "callbot_key"


class SendGridEmail:
    def __init__(self, api_key: str, api_url: str = "", timeout_s: float = TIMEOUT_S) -> None:
        if not api_key:
            raise ValueError("a SendGrid API key is required")
        self._client = SendGridAPIClient(api_key=api_key, host=(api_url or SENDGRID_API).rstrip("/"))
        self._client.client.timeout = timeout_s
        # the SDK's HTTP client logs every request's headers (the API key) and body (addresses) at DEBUG
        logging.getLogger("python_http_client").setLevel(logging.INFO)

    def send(self, message: EmailMessage) -> SentEmail:
        try:
            response = self._client.send(_mail(message))
        except HTTPError as exc:
            status = int(exc.status_code)
            if status == 429 or status >= 500:
                raise RetryableError(f"SendGrid answered {status}: {_error_of(exc.body)}") from exc
            raise EmailRejected(status, _error_of(exc.body)) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            raise RetryableError(f"SendGrid unreachable: {type(exc).__name__}") from exc
        message_id = response.headers.get("X-Message-Id") or ""
        log.debug("SendGrid accepted the message: %s", message_id)
        return SentEmail(key=message.key, message_id=message_id)


def _mail(message: EmailMessage) -> Mail:
    mail = Mail(from_email=From(message.from_, message.from_name or None),
                to_emails=To(message.to, message.to_name or None), subject=message.subject,
                plain_text_content=message.text)
    if message.reply_to:
        mail.reply_to = ReplyTo(message.reply_to)
    for attachment in message.attachments:
        mail.attachment = Attachment(FileContent(base64.b64encode(attachment.content).decode("ascii")),
                                     FileName(attachment.filename), FileType(attachment.content_type),
                                     Disposition(attachment.disposition))
    mail.custom_arg = CustomArg(KEY_ARG, message.key)
    return mail


def _error_of(body: bytes | str | None) -> str:
    """SendGrid's first error message (`{"errors": [{"message", "field", "help"}]}`), else the body."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        first = json.loads(text)["errors"][0]
        return f"{first.get('field')}: {first['message']}" if first.get("field") else str(first["message"])
    except (ValueError, KeyError, IndexError, TypeError):
        return text[:200] or "no response body"
