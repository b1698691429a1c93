"""Google TTS adapter against a fake client: the request it builds, the WAV it parses, its retries.

The fake stands in for `TextToSpeechAsyncClient` (same `synthesize_speech(request=, timeout=)` call,
real request and response types), rather than an in-process gRPC server: the GAPIC package ships no
servicer base class, so a server would mean hand-written method handlers that test grpc, not us.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import threading

import numpy as np
import pytest
from google.api_core import exceptions
from google.cloud import texttospeech

from callbot.errors import PermanentError, RetryableError
from stream_relay.speech.google_tts import GoogleTextToSpeech
from stream_relay.speech.wav import write_wav

VOICES = {"en-US": "en-US-Neural2-F", "fr-FR": "fr-FR-Neural2-A"}
AUDIO = bytes(range(0, 250, 3)) * 4  # mu-law codes, not silence


def google_style_wav(audio: bytes) -> bytes:
    """A mu-law WAV with a LIST chunk between fmt and data, as ffmpeg-based writers produce: a reader
    that cut a fixed 44-byte header would return part of the LIST chunk as audio."""
    fmt = struct.pack("<HHIIHH", 7, 1, 8000, 8000, 1, 8)
    info = b"INFOISFT" + struct.pack("<I", 14) + b"Lavf61.7.100\x00\x00"
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"LIST" + struct.pack("<I", len(info)) + info
            + b"data" + struct.pack("<I", len(audio)) + audio)
    return b"RIFF" + struct.pack("<I", len(body)) + body


class FakeTextToSpeechClient:
    """Records each request; answers with the queued outcomes (WAV bytes, or an exception to raise)."""

    def __init__(self, *outcomes: bytes | Exception) -> None:
        self.calls: list[tuple[texttospeech.SynthesizeSpeechRequest, float | None]] = []
        self._outcomes = list(outcomes)

    async def synthesize_speech(self, request=None, *, timeout=None, **_):
        self.calls.append((request, timeout))
        outcome = self._outcomes.pop(0) if len(self._outcomes) > 1 else self._outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return texttospeech.SynthesizeSpeechResponse(audio_content=outcome)


def engine(client: FakeTextToSpeechClient, rate: float = 1.0) -> GoogleTextToSpeech:
    return GoogleTextToSpeech(VOICES, rate, client=client, timeout_s=5.0, retry_delay_s=0.0)


async def test_request_asks_for_8k_mulaw_in_the_calls_voice() -> None:
    client = FakeTextToSpeechClient(google_style_wav(AUDIO))
    await engine(client, rate=1.15).synthesize("Bonjour, et merci de votre appel.", "fr-FR")
    [(request, timeout)] = client.calls
    assert isinstance(request, texttospeech.SynthesizeSpeechRequest)
    assert request.input.text == "Bonjour, et merci de votre appel."
    assert (request.voice.language_code, request.voice.name) == ("fr-FR", "fr-FR-Neural2-A")
    assert request.audio_config.audio_encoding == texttospeech.AudioEncoding.MULAW
    assert request.audio_config.sample_rate_hertz == 8000
    assert request.audio_config.speaking_rate == pytest.approx(1.15)
    assert timeout == 5.0


async def test_wav_header_is_parsed_not_cut_at_a_fixed_offset() -> None:
    wav = google_style_wav(AUDIO)
    audio = await engine(FakeTextToSpeechClient(wav)).synthesize("Hello.", "en-US")
    assert audio == AUDIO
    assert wav[44:44 + len(AUDIO)] != AUDIO  # what a fixed 44-byte cut would have played


async def test_linear16_answer_is_resampled_to_8k_mulaw() -> None:
    pcm = (np.sin(np.arange(2400) / 4) * 9000).astype("<i2")
    wav = write_wav(pcm.tobytes(), format_tag=1, channels=1, sample_rate=24000, bits_per_sample=16)
    audio = await engine(FakeTextToSpeechClient(wav)).synthesize("Hello.", "en-US")
    assert len(audio) == 800


async def test_unknown_language_uses_the_first_voice_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeTextToSpeechClient(google_style_wav(AUDIO))
    tts = engine(client)
    with caplog.at_level(logging.WARNING, logger="stream_relay.speech.google_tts"):
        await tts.synthesize("Hallo.", "de-DE")
        await tts.synthesize("Tschüss.", "de-DE")
    voices = [(request.voice.language_code, request.voice.name) for request, _ in client.calls]
    assert voices == [("en-US", "en-US-Neural2-F")] * 2
    assert len([r for r in caplog.records if "de-DE" in r.getMessage()]) == 1


def test_voice_id_names_engine_voices_and_rate() -> None:
    client = FakeTextToSpeechClient(b"")
    voice_id = engine(client).voice_id
    assert voice_id.startswith("google:")
    assert "en-US-Neural2-F" in voice_id and "fr-FR-Neural2-A" in voice_id
    assert engine(client, rate=1.2).voice_id != voice_id
    other = GoogleTextToSpeech({**VOICES, "en-US": "en-US-Chirp3-HD-Aoede"}, client=client)
    assert other.voice_id != voice_id
    # the order of the mapping does not matter
    assert GoogleTextToSpeech(dict(reversed(VOICES.items())), client=client).voice_id == voice_id


@pytest.mark.parametrize(
    "error", [exceptions.ServiceUnavailable("down"), exceptions.DeadlineExceeded("slow"),
              exceptions.ResourceExhausted("quota")])
async def test_transient_error_is_tried_once_more(error: Exception) -> None:
    client = FakeTextToSpeechClient(error, google_style_wav(AUDIO))
    assert await engine(client).synthesize("Hello.", "en-US") == AUDIO
    assert len(client.calls) == 2


async def test_transient_error_twice_raises_retryable() -> None:
    client = FakeTextToSpeechClient(exceptions.ServiceUnavailable("down"))
    with pytest.raises(RetryableError) as raised:
        await engine(client).synthesize("Hello.", "en-US")
    assert isinstance(raised.value.__cause__, exceptions.ServiceUnavailable)
    assert len(client.calls) == 2


async def test_rejected_request_raises_permanent_without_retry() -> None:
    client = FakeTextToSpeechClient(exceptions.InvalidArgument("no such voice"))
    with pytest.raises(PermanentError) as raised:
        await engine(client).synthesize("Hello.", "en-US")
    assert isinstance(raised.value.__cause__, exceptions.InvalidArgument)
    assert len(client.calls) == 1


async def test_unreadable_audio_raises_permanent() -> None:
    with pytest.raises(PermanentError):
        await engine(FakeTextToSpeechClient(b"ID3 not a wav")).synthesize("Hello.", "en-US")


@pytest.mark.parametrize("voices, rate", [({}, 1.0), (VOICES, 0.1), (VOICES, 4.5)])
def test_bad_configuration_fails_fast(voices: dict[str, str], rate: float) -> None:
    with pytest.raises(ValueError):
        GoogleTextToSpeech(voices, rate, client=FakeTextToSpeechClient(b""))


async def test_client_is_created_lazily_once_per_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[FakeTextToSpeechClient] = []

    def fake_async_client() -> FakeTextToSpeechClient:
        created.append(FakeTextToSpeechClient(google_style_wav(AUDIO)))
        return created[-1]

    monkeypatch.setattr(texttospeech, "TextToSpeechAsyncClient", fake_async_client)
    tts = GoogleTextToSpeech(VOICES, 1.0)
    assert created == []
    await tts.synthesize("One.", "en-US")
    await tts.synthesize("Two.", "en-US")
    assert len(created) == 1

    other_loop = threading.Thread(target=lambda: asyncio.run(tts.synthesize("Three.", "en-US")))
    other_loop.start()
    other_loop.join()
    assert len(created) == 2
