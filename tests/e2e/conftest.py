"""End-to-end fixtures: the whole local stack (`callbot dev up`) once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools import stack


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def local_stack(stack_dir):
    # the bot speaks three times as fast as a person: a call's time is mostly its audio, played in real time
    info = stack.up(stack_dir, stt="scripted", tts="tone",
                    settings={"CALLBOT_SILENCE_REPROMPT_S": "3", "CALLBOT_SILENCE_HANGUP_S": "3",
                              "CALLBOT_TTS_SPEAKING_RATE": "3"})
    try:
        yield info
    finally:
        stack.down(stack_dir)


@pytest.fixture(scope="session")
def three_turns_call(local_stack, stack_dir, tmp_path_factory) -> dict:
    """The report of one call placed once per session and looked at by several modules: a greeting,
    two questions, a barge-in that cuts the second answer, and the human digit that hands it over."""
    from tests.support.cli_call import callbot_call

    scenario = Path(__file__).parent / "scenarios" / "three_turns_barge_in.yaml"
    return callbot_call(stack_dir, scenario, tmp_path_factory.mktemp("reports") / "three_turns.json", timeout_s=180)
