"""End-to-end fixtures: the whole local stack (`callbot dev up`) once per session."""

from __future__ import annotations

import pytest

from devtools import stack


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def local_stack(stack_dir):
    info = stack.up(stack_dir, stt="scripted", tts="tone",
                    settings={"CALLBOT_SILENCE_REPROMPT_S": "3", "CALLBOT_SILENCE_HANGUP_S": "3"})
    try:
        yield info
    finally:
        stack.down(stack_dir)
