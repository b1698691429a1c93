"""Run the fake SendGrid in-process, on a free port, for the length of a `with` block; `admin` reads
and drives it (the messages sent, injected failures)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from callbot.post_call.settings import DEV_SENDGRID_API_KEY
from devtools.fake_sendgrid.app import create_app
from devtools.in_process import admin, serving

__all__ = ["admin", "running_fake_sendgrid"]


@contextlib.contextmanager
def running_fake_sendgrid(api_key: str = DEV_SENDGRID_API_KEY) -> Iterator[str]:
    """Serve a fresh fake SendGrid on 127.0.0.1; yields its root URL, the `api_url` of `SendGridEmail`."""
    with serving(create_app(api_key), "fake-sendgrid") as url:
        yield url
