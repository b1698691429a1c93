"""Fixtures shared by every tier. Emulators are started once per session, on free ports, in their
own process groups, and stopped at the end: the suite leaves nothing running."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.emulators import start_emulator
from devtools.processes import patched_environ

LOG_DIR = Path(__file__).resolve().parent.parent / ".callbot" / "test-logs"


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
