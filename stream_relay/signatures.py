"""Twilio request signatures (`X-Twilio-Signature`), checked with the `twilio` library against the
configured public URL: behind Cloud Run the Host header is not the URL Twilio signed.

A signature is an HMAC of the URL (query string included) and the POST parameters, nothing else: no
time, no header (Twilio's `I-Twilio-Idempotency-Token` included), so a signed request can be replayed
as is, and the media stream's handshake, which has no parameters, carries the same signature for
every call. Replays are refused by the routes themselves (webhooks.py, media_stream.py)."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from callbot.settings import RelaySettings

HEADER = "X-Twilio-Signature"


def public_url(settings: RelaySettings, path: str, query: str = "") -> str:
    """The URL Twilio called, rebuilt from the public base URL, the path and the query string."""
    url = settings.public_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def stream_url(settings: RelaySettings, query: str = "") -> str:
    return f"{settings.stream_url}?{query}" if query else settings.stream_url


def is_valid(settings: RelaySettings, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    if not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    return bool(validator.validate(url, dict(params), signature))
