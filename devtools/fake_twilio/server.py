"""Run the fake Twilio in-process, on a free port, for the length of a `with` block; `admin` reads
and drives it (the messages sent, injected failures)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from callbot.post_call.settings import DEV_TWILIO_ACCOUNT_SID
from callbot.settings import DEV_TWILIO_AUTH_TOKEN
from devtools.fake_twilio.app import create_app
from devtools.in_process import admin, serving

__all__ = ["admin", "running_fake_twilio"]


@contextlib.contextmanager
def running_fake_twilio(account_sid: str = DEV_TWILIO_ACCOUNT_SID,
                        auth_token: str = DEV_TWILIO_AUTH_TOKEN) -> Iterator[str]:
    """Serve a fresh fake Twilio on 127.0.0.1; yields its root URL, the `api_url` of `TwilioSms`."""
    with serving(create_app(account_sid, auth_token), "fake-twilio") as url:
        yield url
