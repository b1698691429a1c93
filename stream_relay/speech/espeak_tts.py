"""Local text-to-speech with espeak-ng (the Debian package): robotic but intelligible, instant, offline.

Each sentence runs `espeak-ng --stdout` as an asyncio subprocess, so the event loop never waits on it.
The text goes in on stdin, never on the command line and never through a shell: quotes, `;` or a
leading `-` are spoken, not interpreted. espeak-ng writes a streamed WAV (its header's length fields
are placeholders, so the data is read to the end of the stream), 22050 Hz PCM16 mono for its own
voices; the rate is taken from the header. The audio goes to the line as every local engine's does
(`line_audio.py`: 8 kHz, silence trimmed, mu-law; espeak adds ~300 ms after each sentence).

Configuration errors (no executable, an unknown voice) fail at construction, not on the first call.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import shutil
import subprocess
import wave

import numpy as np

from callbot.errors import CallbotError
from stream_relay.speech.line_audio import line_mulaw

log = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en-US"
DEFAULT_WPM = 175  # espeak-ng's own default speed, the rate at speaking_rate 1.0
MIN_WPM, MAX_WPM = 80, 450  # espeak-ng's usable range; it clamps or garbles outside it
SYNTHESIS_TIMEOUT_S = 10.0


class SpeechSynthesisFailed(CallbotError):
    """espeak-ng exited with an error, timed out, or wrote something that is not a WAV."""


class EspeakTextToSpeech:
    """The TTS port on espeak-ng. `voices` maps a call language (en-US) to an espeak voice (en-us)."""

    def __init__(self, voices: dict[str, str], speaking_rate: float = 1.0,
                 executable: str = "espeak-ng") -> None:
        path = shutil.which(executable)
        if path is None:
            raise FileNotFoundError(f"{executable!r} not found on PATH: install the Debian package "
                                    "espeak-ng or choose another tts_engine")
        if FALLBACK_LANGUAGE not in voices:
            raise ValueError(f"espeak voices need a {FALLBACK_LANGUAGE} voice (the fallback), got {voices}")
        if speaking_rate <= 0:
            raise ValueError(f"speaking_rate must be positive, got {speaking_rate}")
        for voice in set(voices.values()):
            _check_voice(path, voice)
        self._executable = path
        self._voices = dict(voices)
        self._wpm = min(MAX_WPM, max(MIN_WPM, round(DEFAULT_WPM * speaking_rate)))
        voice_list = ",".join(f"{lang}={voice}" for lang, voice in sorted(self._voices.items()))
        self.voice_id = f"espeak-ng:{voice_list}:{self._wpm}wpm"

    async def synthesize(self, text: str, language: str) -> bytes:
        if not text.strip():
            return b""
        wav = await self._run_espeak(text, self._voice_for(language))
        return _trimmed_mulaw(wav)

    def _voice_for(self, language: str) -> str:
        voice = self._voices.get(language)
        if voice is None:
            log.warning("no espeak voice for language %s; speaking it with the %s voice",
                        language, FALLBACK_LANGUAGE)
            voice = self._voices[FALLBACK_LANGUAGE]
        return voice

    async def _run_espeak(self, text: str, voice: str) -> bytes:
        # the text is an argument, not written to a stdin pipe: under uvloop (the relay's loop), a write
        # to the pipe of a process that has closed it raised "the handler is closed" now and then, and
        # the sentence was skipped; a leading space keeps a text starting with "-" from being an option
        process = await asyncio.create_subprocess_exec(
            self._executable, "--stdout", "-b", "1", "-v", voice, "-s", str(self._wpm),
            f" {text}" if text.startswith("-") else text,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            wav, errors = await asyncio.wait_for(process.communicate(), SYNTHESIS_TIMEOUT_S)
        except TimeoutError as exc:
            raise SpeechSynthesisFailed(f"espeak-ng took more than {SYNTHESIS_TIMEOUT_S:g} s") from exc
        finally:
            if process.returncode is None:  # timed out or cancelled (barge-in): leave no process behind
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await asyncio.shield(process.wait())
        if process.returncode != 0:
            raise SpeechSynthesisFailed(f"espeak-ng exited with {process.returncode}: "
                                        f"{errors.decode(errors='replace').strip()}")
        return wav


def _check_voice(executable: str, voice: str) -> None:
    """Fail fast on a voice espeak-ng does not know (it would otherwise fail on every sentence)."""
    result = subprocess.run([executable, "-q", "-v", voice, ""], stdin=subprocess.DEVNULL,
                            capture_output=True, timeout=10, check=False)
    if result.returncode != 0:
        raise ValueError(f"espeak-ng has no voice {voice!r}: "
                         f"{(result.stderr or result.stdout).decode(errors='replace').strip()}")


def _trimmed_mulaw(wav: bytes) -> bytes:
    if not wav:
        return b""
    rate, pcm = _read_wav(wav)
    return line_mulaw(pcm, rate)


def _read_wav(wav: bytes) -> tuple[int, np.ndarray]:
    try:
        with wave.open(io.BytesIO(wav)) as reader:
            if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
                raise SpeechSynthesisFailed(f"espeak-ng wrote {reader.getnchannels()} channel(s) of "
                                            f"{8 * reader.getsampwidth()}-bit audio, expected mono PCM16")
            rate = reader.getframerate()
            data = reader.readframes(len(wav))  # streamed WAV: the header's frame count is a placeholder
    except (wave.Error, EOFError) as exc:
        raise SpeechSynthesisFailed(f"espeak-ng output is not a WAV file: {exc}") from exc
    return rate, np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")

