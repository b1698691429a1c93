"""A call heard for real on the local stack's default speech: the simulated caller speaks with the
neural voice (hibari-low), the relay transcribes with local Whisper and answers with hibari, through
every process. What the caller heard of the bot (the recording's bot track) is heard back by Whisper."""

from pathlib import Path

import numpy as np
import pytest

from callbot.settings import RelaySettings
from devtools import stack
from devtools.simcall.scenario import load
from stream_relay import mulaw
from stream_relay.speech.wav import parse_wav
from stream_relay.speech.whisper_stt import whisper_stt_factory
from tests.support.cli_call import callbot_call

pytestmark = pytest.mark.e2e
SCENARIO = Path(__file__).parent / "scenarios" / "neural_voices.yaml"


@pytest.fixture(scope="module")
def heard_call(tmp_path_factory):
    """A stack of its own with the local stack's default speech engines, one call, stopped again."""
    tmp = tmp_path_factory.mktemp("neural-voices")
    stack_dir = tmp / "stack"
    info = stack.up(stack_dir, settings={"CALLBOT_SILENCE_REPROMPT_S": "30", "CALLBOT_SILENCE_HANGUP_S": "30"})
    try:
        assert (info.stt_engine, info.tts_engine) == ("whisper", "hibari")
        return callbot_call(stack_dir, SCENARIO, tmp / "report.json")
    finally:
        stack.down(stack_dir)


def test_the_recognizer_hears_the_callers_words_and_the_lead_gets_them(heard_call):
    said = load(SCENARIO).spoken
    assert heard_call["errors"] == [] and heard_call["expectations"]["failures"] == []
    heard = [e["stt_text"] for e in heard_call["transcript"] if e["speaker"] == "caller"]
    assert len(heard) == len(said)
    assert "Jordan Miller" in heard[0] and "Acme Logistics" in heard[0]


async def test_what_the_caller_heard_of_the_bot_is_speech_the_recognizer_understands(heard_call):
    recording = parse_wav(Path(heard_call["recording_uri"].removeprefix("file://")).read_bytes())
    bot_track = np.frombuffer(recording.frames, dtype="<i2").reshape(-1, 2)[:, 1].copy()
    factory = whisper_stt_factory(RelaySettings(stt_engine="whisper"))

    heard = (await factory("CA-bot-track", "en-US", {}).transcribe(mulaw.encode(bot_track))).text.lower()

    assert "thanks for calling" in heard and "read that back" in heard, heard
