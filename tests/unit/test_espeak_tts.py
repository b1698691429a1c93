"""espeak-ng text-to-speech: 8 kHz mu-law out, per-language voices, hostile text spoken, silence trimmed.

These run the real espeak-ng binary (a Debian package, ~20 ms per sentence); they skip where it is
not installed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time

import numpy as np
import pytest

from stream_relay import mulaw
from stream_relay.speech import espeak_tts
from stream_relay.speech.espeak_tts import EspeakTextToSpeech, SpeechSynthesisFailed
from tests.support.telephone_audio import voice_band_share

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

VOICES = {"en-US": "en-us", "fr-FR": "fr-fr"}


@pytest.fixture(scope="module")
def tts() -> EspeakTextToSpeech:
    return EspeakTextToSpeech(VOICES)


def _leading_silence_ms(pcm: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 100)
    return loud[0] * 1000 / mulaw.SAMPLE_RATE


def _trailing_silence_ms(pcm: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 100)
    return (len(pcm) - 1 - loud[-1]) * 1000 / mulaw.SAMPLE_RATE


async def test_speech_is_8khz_mulaw_of_a_plausible_length_and_level(tts):
    audio = await tts.synthesize("I would like to book a demo next week", "en-US")

    pcm = mulaw.decode(audio)
    # eight words at ~175 words per minute: about 2.3 s
    assert 1500 <= mulaw.duration_ms(audio) <= 3500
    assert -30.0 < mulaw.rms_dbfs(pcm) < -6.0
    assert voice_band_share(audio) > 0.9


async def test_longer_text_takes_longer_to_say(tts):
    short = await tts.synthesize("Hello.", "en-US")
    long = await tts.synthesize("Hello. Thanks for calling, how can I help you with your sales team today?",
                                "en-US")

    assert 200 <= mulaw.duration_ms(short) <= 1200
    assert mulaw.duration_ms(long) > 3 * mulaw.duration_ms(short)


async def test_speaking_rate_scales_duration():
    text = "We can book a demo for Tuesday afternoon."
    normal = await EspeakTextToSpeech(VOICES).synthesize(text, "en-US")
    fast = await EspeakTextToSpeech(VOICES, speaking_rate=1.5).synthesize(text, "en-US")

    assert 0.55 < len(fast) / len(normal) < 0.8


async def test_french_voice_speaks_french(tts, caplog):
    with caplog.at_level(logging.WARNING):
        audio = await tts.synthesize("Bonjour, je voudrais réserver une démonstration.", "fr-FR")

    assert 1500 <= mulaw.duration_ms(audio) <= 4500
    assert mulaw.rms_dbfs(mulaw.decode(audio)) > -30.0
    assert not caplog.records


async def test_unknown_language_falls_back_to_english_with_a_warning(tts, caplog):
    with caplog.at_level(logging.WARNING):
        audio = await tts.synthesize("Hello there.", "de-DE")

    assert mulaw.duration_ms(audio) > 300
    assert "de-DE" in caplog.text


@pytest.mark.parametrize("text", [
    '"; rm -rf {tmp} ; touch {tmp}/pwned; echo "',
    "$(touch {tmp}/pwned) `touch {tmp}/pwned` && touch {tmp}/pwned",
    "-w {tmp}/pwned.wav --help",
    "--stdout -v fr-fr -f /etc/passwd",
])
async def test_hostile_text_is_spoken_not_executed(tts, tmp_path, text):
    (tmp_path / "keep").write_text("still here")
    audio = await tts.synthesize(text.format(tmp=tmp_path), "en-US")

    assert mulaw.duration_ms(audio) > 1000  # the characters were read out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]


async def test_silence_is_trimmed_to_about_50_ms(tts):
    audio = await tts.synthesize("Great, thank you.", "en-US")

    pcm = mulaw.decode(audio)
    assert _leading_silence_ms(pcm) <= 60
    assert _trailing_silence_ms(pcm) <= 60


async def test_blank_text_is_no_audio(tts):
    assert await tts.synthesize("  ", "en-US") == b""
    assert await tts.synthesize("...", "en-US") == b""


async def test_voice_id_names_engine_voices_and_rate():
    assert EspeakTextToSpeech(VOICES).voice_id == "espeak-ng:en-US=en-us,fr-FR=fr-fr:175wpm"
    assert EspeakTextToSpeech(VOICES, speaking_rate=1.2).voice_id.endswith(":210wpm")


async def test_sentences_are_synthesized_concurrently(tts):
    texts = [f"This is sentence number {n} of the reply." for n in range(6)]
    audios = await asyncio.gather(*(tts.synthesize(t, "en-US") for t in texts))
    assert all(mulaw.duration_ms(a) > 1000 for a in audios)


async def test_synthesis_never_blocks_the_event_loop(stuck_espeak):
    """While espeak runs (here: hangs), the loop keeps serving other calls' audio."""
    tts = EspeakTextToSpeech(VOICES, executable=str(stuck_espeak))
    pending = asyncio.create_task(tts.synthesize("Hello there.", "en-US"))
    started = time.monotonic()
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert time.monotonic() - started < 5  # a blocking call would hold the loop for the 30 s hang
    assert not pending.done()
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending


@pytest.fixture
def stuck_espeak(tmp_path):
    """An executable that accepts any voice but then hangs, writing its pid first."""
    script = tmp_path / "stuck-espeak"
    script.write_text('#!/bin/sh\nfor arg; do [ "$arg" = -q ] && exit 0; done\n'
                      f'echo $$ > {tmp_path}/pid\nexec sleep 30\n')
    script.chmod(0o755)
    return script


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_cancelled_synthesis_leaves_no_process(stuck_espeak):
    tts = EspeakTextToSpeech(VOICES, executable=str(stuck_espeak))
    task = asyncio.create_task(tts.synthesize("Hello there.", "en-US"))
    pid_file = stuck_espeak.parent / "pid"
    while not pid_file.exists() or not pid_file.read_text().strip():
        await asyncio.sleep(0.01)
    task.cancel()  # a barge-in cancels pending speech
    with pytest.raises(asyncio.CancelledError):
        await task

    assert not _alive(int(pid_file.read_text()))


async def test_hung_espeak_times_out_and_is_killed(stuck_espeak, monkeypatch):
    monkeypatch.setattr(espeak_tts, "SYNTHESIS_TIMEOUT_S", 0.3)
    tts = EspeakTextToSpeech(VOICES, executable=str(stuck_espeak))

    with pytest.raises(SpeechSynthesisFailed, match="took more than"):
        await tts.synthesize("Hello there.", "en-US")
    assert not _alive(int((stuck_espeak.parent / "pid").read_text()))


def test_missing_executable_fails_at_construction():
    with pytest.raises(FileNotFoundError, match="no-such-espeak"):
        EspeakTextToSpeech(VOICES, executable="no-such-espeak")


def test_unknown_voice_fails_at_construction():
    with pytest.raises(ValueError, match="xx-nowhere"):
        EspeakTextToSpeech({"en-US": "en-us", "fr-FR": "xx-nowhere"})


def test_an_english_fallback_voice_is_required():
    with pytest.raises(ValueError, match="en-US"):
        EspeakTextToSpeech({"fr-FR": "fr-fr"})
