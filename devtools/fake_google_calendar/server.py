"""Run the fake calendar in-process, on a free port, for the length of a `with` block; `admin` reads
and drives it (events, invitations, injected failures)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from devtools.fake_google_calendar.app import create_app
from devtools.in_process import admin, serving

__all__ = ["admin", "running_fake_calendar"]


@contextlib.contextmanager
def running_fake_calendar(seed: dict[str, Any] | None = None) -> Iterator[str]:
    """Serve a fresh fake calendar on 127.0.0.1 for the block; yields its root URL ("http://.../")."""
    with serving(create_app(seed), "fake-calendar") as url:
        yield url + "/"
