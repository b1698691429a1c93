"""The SendGrid v3 Mail Send subset the email adapter calls, on SendGrid's path and in its JSON
shapes, so the real `sendgrid` SDK runs against it.

API: POST `/v3/mail/send` with `Authorization: Bearer <API key>` (else 401), a JSON body with
`personalizations` (each with `to`), `from`, `subject`, `content` (`type`, `value`) and optional
`reply_to`, `attachments` (base64 `content`, `filename`, `type`, `disposition`) and `custom_args`;
answers 202 with no body and the message's id in `X-Message-Id`. Errors are
`{"errors": [{"message", "field", "help"}]}`, as SendGrid's.

Admin (for tests and the call report): GET `/__admin/health`; GET `/__admin/messages` (every message
accepted, oldest first, each attachment's content decoded as text); POST `/__admin/fail-next`
`{"status": 503, "count": 2}` (the next sends fail with that status); POST `/__admin/reset`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import threading
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from callbot.post_call.settings import DEV_SENDGRID_API_KEY

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SendGridError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field

    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "field": self.field, "help": None}]}


class Outbox:
    """The messages accepted and the failures queued, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._failures: list[int] = []

    def accept(self, message: dict[str, Any]) -> str:
        with self._lock:
            if self._failures:
                status = self._failures.pop(0)
                raise SendGridError(status, "injected failure")
            message_id = uuid.uuid4().hex[:22]
            self._messages.append({"message_id": message_id, "received_at": time.time(), **message})
            return message_id

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages)

    def fail_next(self, status: int, count: int) -> int:
        with self._lock:
            self._failures.extend([status] * count)
            return len(self._failures)

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._failures.clear()


def create_app(api_key: str = DEV_SENDGRID_API_KEY) -> FastAPI:
    """A fresh fake SendGrid accepting `api_key`; its outbox is `app.state.outbox`."""
    app = FastAPI(title="fake SendGrid Mail Send")
    outbox = Outbox()
    app.state.outbox = outbox

    @app.exception_handler(SendGridError)
    async def sendgrid_error(_: Request, error: SendGridError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @app.post("/v3/mail/send")
    async def send(request: Request) -> Response:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(key, api_key):
            raise SendGridError(401, "The provided authorization grant is invalid, expired, or revoked")
        try:
            body = await request.json()
        except ValueError as exc:
            raise SendGridError(400, "Bad Request", None) from exc
        message_id = outbox.accept(_validated(body))
        return Response(status_code=202, headers={"X-Message-Id": message_id})

    @app.get("/__admin/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/__admin/messages")
    def messages() -> dict[str, Any]:
        return {"messages": outbox.messages()}

    @app.post("/__admin/fail-next")
    async def fail_next(request: Request) -> dict[str, int]:
        body = await request.json()
        return {"queued": outbox.fail_next(int(body.get("status", 503)), int(body.get("count", 1)))}

    @app.post("/__admin/reset")
    def reset() -> dict[str, str]:
        outbox.reset()
        return {"status": "ok"}

    return app


def _validated(body: Any) -> dict[str, Any]:
    """The message as recorded, or the SendGrid error for the first field that is wrong."""
    if not isinstance(body, dict):
        raise SendGridError(400, "Bad Request")
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        raise SendGridError(400, "The personalizations field is required and must have at least one "
                            "personalization.", "personalizations")
    to = [_address(a, f"personalizations.{i}.to") for i, p in enumerate(personalizations)
          for a in (p.get("to") or [None])]
    sender = _address(body.get("from"), "from.email")
    if not body.get("subject") and not all(p.get("subject") for p in personalizations):
        raise SendGridError(400, "The subject is required.", "subject")
    content = body.get("content") or []
    if not content or not all(isinstance(c, dict) and c.get("type") and c.get("value") for c in content):
        raise SendGridError(400, "Unless a valid template_id is provided, the content parameter is required. "
                            "There must be at least one defined content block.", "content")
    reply_to = _address(body["reply_to"], "reply_to") if body.get("reply_to") else None
    return {"from": sender, "to": to, "reply_to": reply_to, "subject": body.get("subject"), "content": content,
            "attachments": [_attachment(a, i) for i, a in enumerate(body.get("attachments") or [])],
            "custom_args": body.get("custom_args") or {}}


def _address(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, dict) or not _EMAIL.match(str(value.get("email", ""))):
        raise SendGridError(400, "Does not contain a valid address.", field)
    return {"email": value["email"], **({"name": value["name"]} if value.get("name") else {})}


def _attachment(value: Any, index: int) -> dict[str, Any]:
    field = f"attachments.{index}"
    if not isinstance(value, dict) or not value.get("filename"):
        raise SendGridError(400, "The attachment filename parameter is required.", f"{field}.filename")
    try:
        raw = base64.b64decode(str(value.get("content", "")), validate=True)
    except binascii.Error as exc:
        raise SendGridError(400, "The attachment content must be base64 encoded.", f"{field}.content") from exc
    if not raw:
        raise SendGridError(400, "The attachment content is required.", f"{field}.content")
    return {"filename": value["filename"], "type": value.get("type", "application/octet-stream"),
            "disposition": value.get("disposition", "attachment"), "content": raw.decode("utf-8", "replace")}
