"""The local recognizer gets the context: espeak-ng speaks a caller's answer, faster-whisper (the
bundled tiny.en model) hears it through 8 kHz mu-law after the bot asked the question, primed with
the hints the relay would give it. Answers tiny.en gets wrong without them ("this folder", "next,
zoom next and end") and right with them. No emulator, no network; a few seconds on two cores."""

from __future__ import annotations

import shutil

import pytest

from callbot.settings import RelaySettings
from stream_relay.speech.espeak_tts import EspeakTextToSpeech
from stream_relay.speech.hints import speech_hints
from stream_relay.speech.whisper_stt import WhisperSpeechToTextFactory, whisper_stt_factory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]
OFFERED = "I can offer Tuesday at 10 AM, Wednesday at 2 PM or Thursday at 11 AM. Which works best?"


@pytest.fixture(scope="module")
def settings() -> RelaySettings:
    return RelaySettings(stt_engine="whisper", tts_engine="espeak", whisper_model_dir="", whisper_threads=1)


@pytest.fixture(scope="module")
def tts(settings) -> EspeakTextToSpeech:
    return EspeakTextToSpeech(settings.espeak_voices, settings.tts_speaking_rate)


@pytest.fixture(scope="module")
async def stt_factory(settings) -> WhisperSpeechToTextFactory:
    factory = whisper_stt_factory(settings)
    await factory.warm_up()
    return factory


@pytest.mark.parametrize(("slot", "question", "answer", "heard"), [
    ("timeline", "When are you hoping to get started?", "This quarter.", ["this", "quarter"]),
    ("slot_choice", OFFERED, "Yes, next Tuesday at 10 am please.", ["tuesday", "10"]),
    ("need", "What are you hoping to solve?", "We want to answer every call from new customers.",
     ["answer", "every", "call"]),
])
async def test_an_answer_is_heard_once_the_recognizer_knows_the_question(
        settings, tts, stt_factory, slot, question, answer, heard):
    audio = await tts.synthesize(answer, "en-US")
    stt = stt_factory("CA-hinted", "en-US", {})
    stt.expect(speech_hints(settings.stt_vocabulary, "en-US", slot, question))

    transcript = await stt.transcribe(audio)
    await stt.close()

    words = transcript.text.lower().replace(",", " ").replace(".", " ").split()
    assert all(word in words for word in heard), transcript
