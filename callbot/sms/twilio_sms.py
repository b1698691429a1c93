"""`SmsPort` on Twilio's Messaging API (2010-04-01 `Messages` resource) through the `twilio` SDK.

`api_url` points the SDK at another server (the local Twilio server in dev): the SDK's own request
code runs unchanged, only `https://api.twilio.com` in its URLs is replaced. The SDK is built without
HTTP retries, since a POST repeated by the transport could send a message twice; retrying is the
caller's decision, made under its own guard.

Errors: 429, 5xx, timeouts and connection failures raise `RetryableError`; any other 4xx raises
`SmsRejected` with Twilio's code and message (21211 invalid 'To', 21610 unsubscribed recipient,
20003 wrong credentials...).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from callbot.errors import CallbotError, RetryableError
from callbot.sms import SentSms, SmsRejected

log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com"
TIMEOUT_S = 8.0
LOOKUP_LIMIT = 200
T = TypeVar("T")


class _HttpClient(TwilioHttpClient):
    """The SDK's HTTP client, sending what it meant for api.twilio.com to `api_url` when one is set,
    and logging only method, path and status: the SDK's own log lines carry the query string, whose
    URL-encoded phone numbers (`To=%2B1415...`) the log masking cannot recognise."""

    def __init__(self, api_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=log)
        self._api_url = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._api_url and url.startswith(TWILIO_API):
            url = self._api_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)

    def log_request(self, kwargs: dict[str, Any]) -> None:
        log.debug("Twilio request: %s %s", kwargs["method"], urlsplit(kwargs["url"]).path)

    def log_response(self, status_code: int, response: Any) -> None:
        log.debug("Twilio answered %s", status_code)


class TwilioSms:
    def __init__(self, account_sid: str, auth_token: str, api_url: str = "", timeout_s: float = TIMEOUT_S) -> None:
        if not account_sid or not auth_token:
            raise ValueError("a Twilio account SID and auth token are required")
        self._client = Client(account_sid, auth_token, http_client=_HttpClient(api_url, timeout_s))

    def send(self, *, to: str, from_: str, body: str) -> SentSms:
        message = _calling(lambda: self._client.messages.create(to=to, from_=from_, body=body))
        return _sent(message)

    def sent_to(self, *, to: str, since: datetime) -> list[SentSms]:
        """The recipient's latest messages (at most `LOOKUP_LIMIT`) created since `since`. Twilio's
        list filters on `DateSent` only, which a message has once it left Twilio's queue: a message
        still `queued` (a backed-up sender, a rate limit) would not be found by it, and be sent again.
        `DateCreated` is set when Twilio accepts the message, so it is compared here instead."""
        messages = _calling(lambda: self._client.messages.list(to=to, limit=LOOKUP_LIMIT))
        found = [_sent(m) for m in messages if m.date_created is not None and m.date_created >= since]
        return sorted(found, key=lambda m: m.date_created or since, reverse=True)


def _calling(request: Callable[[], T]) -> T:
    try:
        return request()
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise RetryableError(f"Twilio unreachable: {type(exc).__name__}") from exc
    except TwilioException as exc:
        raise _classify(exc) from exc


def _classify(exc: TwilioException) -> CallbotError:
    if isinstance(exc, TwilioRestException):
        status, code, message = exc.status, exc.code, str(exc.msg).removeprefix("Unable to create record: ")
    elif isinstance(exc, TwilioServiceException):
        status, code, message = exc.status, exc.code, exc.detail or exc.title
    else:  # a list page that did not answer 200: TwilioException("Unable to fetch page", response)
        response = next((a for a in exc.args if isinstance(a, Response)), None)
        status = response.status_code if response is not None else 500
        code, message = _error_of(response)
    if status == 429 or status >= 500:
        return RetryableError(f"Twilio answered {status}: {message}")
    return SmsRejected(code, message)


def _error_of(response: Response | None) -> tuple[int | None, str]:
    if response is None:
        return None, "no response"
    try:
        body = json.loads(response.text)
        return body.get("code"), str(body.get("message") or response.text)
    except (ValueError, AttributeError):
        return None, response.text[:200]


def _sent(message: Any) -> SentSms:
    return SentSms(sid=message.sid, to=message.to or "", from_=message.from_ or "", body=message.body or "",
                   status=message.status or "", date_created=message.date_created)
