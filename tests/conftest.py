"""Fixtures shared by every tier. Emulators are started once per session, on free ports, in their
own process groups, and stopped at the end: the suite leaves nothing running.

Every log record of the suite's own process, at every level, is formatted as production writes it
(`CloudLoggingFormatter`, extra fields included); a line that still shows a full phone number or an
email address fails the test during which it was written.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from callbot.logs import CloudLoggingFormatter
from devtools.demo_company import memory_settings
from devtools.emulators import start_emulator
from devtools.processes import patched_environ

LOG_DIR = Path(__file__).resolve().parent.parent / ".callbot" / "test-logs"
TESTS = Path(__file__).resolve().parent
TIERS = ("unit", "integration", "e2e", "lint")  # a folder each under tests/, a marker each


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked with its tier, the folder it lives in: `pytest -m unit` runs the unit
    tests wherever they are named on the command line."""
    for item in items:
        tier = Path(item.path).resolve().relative_to(TESTS).parts[0]
        if tier in TIERS:
            item.add_marker(tier)


def _emulator(kind: str, env_var: str) -> Iterator[str]:
    child, host = start_emulator(kind, LOG_DIR)
    try:
        with patched_environ({env_var: host}):
            yield host
    finally:
        child.stop()


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[str]:
    """host:port of a running Firestore emulator; FIRESTORE_EMULATOR_HOST points at it."""
    yield from _emulator("firestore", "FIRESTORE_EMULATOR_HOST")


@pytest.fixture(scope="session")
def pubsub_emulator() -> Iterator[str]:
    """host:port of a running Pub/Sub emulator; PUBSUB_EMULATOR_HOST points at it."""
    yield from _emulator("pubsub", "PUBSUB_EMULATOR_HOST")


@pytest.fixture
def unique() -> str:
    """A short unique suffix for ids, so that tests sharing an emulator never see each other's data."""
    return uuid.uuid4().hex[:10]


# a full E.164 number, or an email address; also URL-encoded (%2B..., ...%40...), as HTTP libraries log them
PII = re.compile(r"(?<![\w+])(?:\+|%2[Bb])\d{10,15}(?!\d)"
                 r"|(?<![\w.+-])[\w.+-]+(?:@|%40)[\w-]+\.[\w.]+")  # from the start of a run: linear time
# loggers allowed to show fixture data, each with the reason
PII_EXEMPT_LOGGERS: dict[str, str] = {}


class PiiLines(logging.Handler):
    """Keeps every formatted log line that shows a phone number or an email address."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(CloudLoggingFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in PII_EXEMPT_LOGGERS:
            return
        try:
            line = self.format(record)
        except (TypeError, ValueError) as exc:  # a record the formatter cannot write: its raw text
            line = f"unformattable record from {record.name} ({exc!r}): {record.msg!r}"
        if PII.search(line):
            self.lines.append(line)


@pytest.fixture(scope="session")
def pii_lines() -> Iterator[PiiLines]:
    handler = PiiLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@pytest.fixture(autouse=True)
def no_pii_in_logs(pii_lines: PiiLines) -> Iterator[None]:
    """Fails the test if a log line written during it shows a full phone number or an email."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)  # every level is checked, not only what production writes
    pii_lines.lines.clear()
    yield
    root.setLevel(level)
    leaked, pii_lines.lines[:] = list(pii_lines.lines), []
    assert not leaked, "log lines show a phone number or an email address:\n" + "\n".join(
        line[:1000] for line in leaked)


@pytest.fixture(scope="session", autouse=True)
def demo_company_seed() -> Iterator[None]:
    """The action functions' memory backends (the default in dev) serve the demo company: in the
    suite's process and in the function processes its tests start."""
    with patched_environ(memory_settings()):
        yield
