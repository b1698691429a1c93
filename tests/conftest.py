"""Fixtures shared by every tier. Emulators are started once per session, on free ports, in their
own process groups, and stopped at the end: the suite leaves nothing running."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.emulators import start_emulator

LOG_DIR = Path(__file__).resolve().parent.parent / ".callbot" / "test-logs"
PROJECT_ID = "callbot-test"


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[str]:
    """host:port of a running Firestore emulator; FIRESTORE_EMULATOR_HOST points at it."""
    child, host = start_emulator("firestore", LOG_DIR)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    try:
        yield host
    finally:
        child.stop()
        _restore("FIRESTORE_EMULATOR_HOST", previous)


@pytest.fixture(scope="session")
def pubsub_emulator() -> Iterator[str]:
    """host:port of a running Pub/Sub emulator; PUBSUB_EMULATOR_HOST points at it."""
    child, host = start_emulator("pubsub", LOG_DIR)
    previous = os.environ.get("PUBSUB_EMULATOR_HOST")
    os.environ["PUBSUB_EMULATOR_HOST"] = host
    try:
        yield host
    finally:
        child.stop()
        _restore("PUBSUB_EMULATOR_HOST", previous)


@pytest.fixture
def unique() -> str:
    """A short unique suffix for ids, so that tests sharing an emulator never see each other's data."""
    return uuid.uuid4().hex[:10]


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
