"""Integration fixtures: both emulators, the topology applied, a pull subscription to observe a topic."""

from __future__ import annotations

import pytest

from callbot.bus import topology
from callbot.messages import Topic
from devtools.processes import patched_environ
from tests.support.pubsub_tap import TopicTap

PROJECT = "callbot-it"


@pytest.fixture(scope="session")
def emulators(firestore_emulator, pubsub_emulator):
    with patched_environ({"CALLBOT_PROJECT_ID": PROJECT}):
        topology.apply(PROJECT, {"agent_turn": "http://127.0.0.1:9/unused"})  # push target set per test
        yield PROJECT


@pytest.fixture
def tap(emulators):
    taps = []

    def make(topic: Topic) -> TopicTap:
        taps.append(TopicTap(emulators, topic))
        return taps[-1]

    yield make
    for t in taps:
        t.close()
