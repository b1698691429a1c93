"""Run the fake Salesforce in-process, on a free port, for the length of a `with` block."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from devtools.fake_salesforce.app import create_app
from devtools.in_process import serving


@contextlib.contextmanager
def running_fake_salesforce(seed: dict | None = None, sandbox: bool = False) -> Iterator[str]:
    """Serve a fresh org (a sandbox if `sandbox`) loaded with `seed` on 127.0.0.1; yields its base URL
    (`http://127.0.0.1:PORT`)."""
    with serving(create_app(seed, sandbox=sandbox), "fake-salesforce") as url:
        yield url
