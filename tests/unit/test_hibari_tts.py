"""hibari text-to-speech: the bundled neural voice to 8 kHz mu-law, English only (other languages go to
the engine given for them), silence trimmed, the same audio for the same text, nothing downloaded.

The real model runs here (8 MB, about 1 s to load once for the module, ~20 ms a sentence)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from stream_relay import mulaw
from stream_relay.speech import hibari_tts
from stream_relay.speech.hibari_tts import LETTER_A, HibariTextToSpeech, HibariVoice, letters_said
from stream_relay.speech.line_audio import KEEP_SILENCE_MS, SILENCE_LEVEL
from tests.support.telephone_audio import voice_band_share


class RecordingTextToSpeech:
    """A fake engine for the other languages: records each call, answers a recognisable byte string."""

    voice_id = "fake-french:v1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def synthesize(self, text: str, language: str) -> bytes:
        self.calls.append((text, language))
        return b"\x01" * 160


@pytest.fixture(scope="module")
def voice() -> HibariVoice:
    return HibariVoice()


@pytest.fixture
def others() -> RecordingTextToSpeech:
    return RecordingTextToSpeech()


async def test_english_is_spoken_as_8khz_mulaw_of_a_plausible_length_and_level(voice, others):
    tts = HibariTextToSpeech(others, voice=voice)
    audio = await tts.synthesize("I would like to book a demo next week.", "en-US")

    pcm = mulaw.decode(audio)
    assert 1500 <= mulaw.duration_ms(audio) <= 4000
    assert -35.0 < mulaw.rms_dbfs(pcm) < -6.0
    assert voice_band_share(audio) > 0.9
    assert others.calls == []


async def test_other_languages_go_to_the_other_engine(voice, others):
    tts = HibariTextToSpeech(others, voice=voice)

    assert await tts.synthesize("Bonjour.", "fr-FR") == b"\x01" * 160
    assert others.calls == [("Bonjour.", "fr-FR")]
    assert await tts.synthesize("Hello.", "en-GB") != b"\x01" * 160


async def test_the_same_text_gives_the_same_audio_and_the_rate_scales_it(voice, others):
    text = "We can book a demo for Tuesday afternoon."
    normal = HibariTextToSpeech(others, voice=voice)
    fast = HibariTextToSpeech(others, speaking_rate=1.5, voice=voice)

    first, again = await asyncio.gather(normal.synthesize(text, "en-US"), normal.synthesize(text, "en-US"))
    assert first == again
    assert 0.55 < len(await fast.synthesize(text, "en-US")) / len(first) < 0.8


async def test_silence_is_trimmed_and_blank_text_is_no_audio(voice, others):
    tts = HibariTextToSpeech(others, voice=voice)
    pcm = mulaw.decode(await tts.synthesize("Great, thank you.", "en-US"))
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > SILENCE_LEVEL)

    limit = KEEP_SILENCE_MS * mulaw.SAMPLE_RATE // 1000 + 8
    assert loud[0] <= limit and len(pcm) - 1 - loud[-1] <= limit
    assert await tts.synthesize("   ", "en-US") == b""


def test_voice_id_names_the_package_the_voice_the_rate_and_the_other_engine(voice, others):
    voice_id = HibariTextToSpeech(others, speaking_rate=1.1, voice=voice).voice_id

    assert voice_id.startswith("hibari-0.2.1:heart:1.1x") and voice_id.endswith("others=fake-french:v1")
    assert HibariTextToSpeech(others, speaking_rate=3.0, voice=voice).voice_id.startswith(
        "hibari-0.2.1:heart:2x")
    with pytest.raises(ValueError, match="speaking_rate"):
        HibariTextToSpeech(others, speaking_rate=0, voice=voice)


def test_a_voice_that_is_not_in_the_wheel_is_refused(monkeypatch):
    monkeypatch.setattr(hibari_tts, "VOICE", "fenrir")  # a voice hibari would download on first use

    with pytest.raises(RuntimeError, match="never downloaded"):
        HibariVoice()


@pytest.mark.parametrize(("text", "said"), [
    ("It's j o r d a n dot e.", f"It's j o r d {LETTER_A} n dot e."),
    ("D-A-N-A at acme", f"D-{LETTER_A}-N-{LETTER_A} at acme"),
    ("K, O, W, A, L", f"K, O, W, {LETTER_A}, L"),
    ("the letter a, then p", f"the letter {LETTER_A}, then p"),
    ("Book a demo at a time that suits you.", "Book a demo at a time that suits you."),
    ("Plan A or plan B", "Plan A or plan B"),
])
def test_a_spelled_a_is_said_as_the_letter_and_the_article_is_left_alone(text, said):
    assert letters_said(text) == said


def test_hibari_reads_the_marked_letter_as_its_name(voice):
    assert voice._model.phonemize(letters_said("d a n a")) == ["dˈi ˈA ˈɛn ˈA"]
    assert voice._model.phonemize("d a n a") == ["dˈi ɐ ˈɛn ɐ"]  # unmarked: the article, twice
