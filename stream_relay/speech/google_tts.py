"""Google Cloud Text-to-Speech engine: one `SynthesizeSpeech` call per sentence, MULAW at 8 kHz.

The async gRPC client is used rather than the sync one in a worker thread: the relay cancels the
synthesis task on a barge-in, and only a native coroutine carries that cancellation to the RPC (a
thread would run the call to completion, holding a thread for nothing). A grpc.aio channel belongs
to the event loop it was created on, so the client is created lazily on first use, and again if a
later call runs on another loop (`asyncio.run` in a tool, a test's loop).

The response is a WAV file even for MULAW; its `data` chunk is found by `wav.mulaw_from_wav`.

Errors: UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are tried once more, then raised as
`RetryableError`; any other API error (a voice that does not exist, a rejected text) is raised as
`PermanentError`, as is an answer whose audio cannot be read. Each keeps the original exception
as its cause.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from callbot.errors import PermanentError, RetryableError
from stream_relay import mulaw
from stream_relay.speech.wav import BadWav, mulaw_from_wav

log = logging.getLogger(__name__)

MIN_SPEAKING_RATE, MAX_SPEAKING_RATE = 0.25, 4.0  # the API's range


class GoogleTextToSpeech:
    def __init__(
        self,
        voices: dict[str, str],
        speaking_rate: float = 1.0,
        client: Any | None = None,
        *,
        timeout_s: float = 10.0,
        retry_delay_s: float = 0.2,
    ) -> None:
        """`voices` maps a call language (BCP-47) to a voice name, e.g. {"en-US": "en-US-Neural2-F"}.
        The first entry is the fallback for a language that has no voice."""
        if not voices:
            raise ValueError("GoogleTextToSpeech needs at least one voice")
        if not MIN_SPEAKING_RATE <= speaking_rate <= MAX_SPEAKING_RATE:
            raise ValueError(
                f"speaking_rate {speaking_rate} outside {MIN_SPEAKING_RATE}..{MAX_SPEAKING_RATE}")
        self._voices = dict(voices)
        self._speaking_rate = speaking_rate
        self._timeout_s = timeout_s
        self._retry_delay_s = retry_delay_s
        self._client = client
        self._client_injected = client is not None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._warned_languages: set[str] = set()
        voice_list = ",".join(f"{language}={name}" for language, name in sorted(self._voices.items()))
        self.voice_id = f"google:{voice_list}:rate={speaking_rate:g}"

    async def synthesize(self, text: str, language: str) -> bytes:
        request = self._request(text, language)
        client = self._client_for_this_loop()
        from google.api_core import exceptions

        transient = (exceptions.ServiceUnavailable, exceptions.DeadlineExceeded, exceptions.ResourceExhausted)
        try:
            try:
                response = await client.synthesize_speech(request=request, timeout=self._timeout_s)
            except transient as error:
                log.warning("Google TTS failed, trying once more: %r", error)
                await asyncio.sleep(self._retry_delay_s)
                response = await client.synthesize_speech(request=request, timeout=self._timeout_s)
        except transient as error:
            raise RetryableError(f"Google TTS unavailable: {error}") from error
        except exceptions.GoogleAPICallError as error:
            raise PermanentError(f"Google TTS rejected the request: {error}") from error
        try:
            return mulaw_from_wav(response.audio_content)
        except BadWav as error:
            raise PermanentError(f"Google TTS returned unreadable audio: {error}") from error

    def _request(self, text: str, language: str) -> Any:
        from google.cloud import texttospeech

        voice_language, voice_name = self._voice(language)
        return texttospeech.SynthesizeSpeechRequest(
            input=texttospeech.SynthesisInput(text=text),
            voice=texttospeech.VoiceSelectionParams(language_code=voice_language, name=voice_name),
            audio_config=texttospeech.AudioConfig(
                audio_encoding=texttospeech.AudioEncoding.MULAW,
                sample_rate_hertz=mulaw.SAMPLE_RATE,
                speaking_rate=self._speaking_rate,
            ),
        )

    def _voice(self, language: str) -> tuple[str, str]:
        """(language code, voice name) for a call language; the first voice when it has none."""
        if language in self._voices:
            return language, self._voices[language]
        fallback_language, fallback_name = next(iter(self._voices.items()))
        if language not in self._warned_languages:
            self._warned_languages.add(language)
            log.warning("no Google TTS voice for %s, speaking it with %s", language, fallback_name)
        return fallback_language, fallback_name

    def _client_for_this_loop(self) -> Any:
        if self._client_injected:
            return self._client
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            from google.cloud import texttospeech

            self._client = texttospeech.TextToSpeechAsyncClient()
            self._client_loop = loop
        return self._client
