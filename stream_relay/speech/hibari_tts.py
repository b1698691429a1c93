"""Local neural text-to-speech with hibari (the PyPI package `hibari-tts`, Apache-2.0): Kokoro-82M's
"af_heart" voice (American English, female) distilled to an 8 MB int8 ONNX model, run with
onnxruntime on the CPU, 24 kHz out. It sounds like a person, where espeak-ng sounds like a machine,
and Whisper hears it far better (bench/README.md, `bench.speech`).

Only the voice inside the wheel is used: hibari's other voices download on first use, and nothing
here ever downloads (the model path is asked for with `download_missing=False`). hibari speaks
English only, so a call in another language (fr-FR) is spoken by `others` (espeak-ng locally).

One model per engine, loaded at construction (about 0.5 s, plus 0.4 s for its first sentence, which
loads the text-to-phoneme tables; both done here so the first caller does not wait). Sentences are
synthesized one at a time in the engine's own worker thread, so the event loop never waits on one:
about 15 ms for a short sentence and 70 ms for a long one on one core. The noise component is seeded,
so the same text always gives the same audio. The 24 kHz audio goes to the line as every local
engine's does (`line_audio.py`).

hibari reads a lone "a" as the article ("uh"), also inside a spelled word ("j o r d a n", "the letter
a"), so an email read back letter by letter would lose its a's: `letters_said` marks those with
hibari's inline pronunciation of the letter's name.
"""

from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version

import numpy as np
from hibari import Hibari
from hibari.voices import VOICES, voice_path

from stream_relay.speech.line_audio import line_mulaw, trim_silence
from stream_relay.speech.tts import TextToSpeech

VOICE = "heart"  # the only voice in the wheel
MIN_SPEED, MAX_SPEED = 0.5, 2.0  # hibari's range; 1.0 is Kokoro's own pace
SEED = 0
SENTENCE_PAUSE_MS = 200
LETTER_A = "[A](/ˈA/)"  # misaki's inline phonemes: the letter's name, stressed
_SPELLED = re.compile(r"(?<![\w'’])[A-Za-z](?:[ ,-]+[A-Za-z](?![\w'’]))+")  # "j o r d a n", "D-A-N-A"
_LONE_A = re.compile(r"(?<!\w)[aA](?!\w)")
_THE_LETTER_A = re.compile(r"\b(letter) [aA]\b", re.IGNORECASE)


class HibariVoice:
    """The bundled hibari voice, loaded once: text in, 24 kHz float samples out (blocking)."""

    def __init__(self, threads: int = 1) -> None:
        if not VOICES[VOICE].get("bundled"):
            raise RuntimeError(f"hibari-tts {version('hibari-tts')} does not ship the {VOICE!r} voice in its "
                               "wheel; it would be downloaded, and models are never downloaded")
        self.sample_rate: int = Hibari.sample_rate
        self.version = version("hibari-tts")
        self._model: Hibari = Hibari(voice=VOICE, model=voice_path(VOICE, download_missing=False),
                                     threads=threads)
        self._lock = threading.Lock()  # one sentence at a time: hibari's text-to-phoneme state is shared
        self.speech("Hello.")

    def speech(self, text: str, speed: float = 1.0) -> np.ndarray:
        """`text` spoken at `speed`, as float32 samples in [-1, 1] at `sample_rate`. Sentences are
        joined by SENTENCE_PAUSE_MS: hibari's own lead-in and tail add up to about 750 ms between two,
        which an endpointer (450 ms) takes for the end of a caller's turn."""
        with self._lock:
            sentences = [trim_silence(part, self.sample_rate)
                         for part in self._model.stream(letters_said(text), speed=speed, seed=SEED)]
        pause = np.zeros(int(self.sample_rate * SENTENCE_PAUSE_MS / 1000), np.float32)
        joined = [piece for sentence in sentences if sentence.size for piece in (pause, sentence)][1:]
        return np.concatenate(joined) if joined else np.zeros(0, np.float32)


class HibariTextToSpeech:
    """The TTS port on hibari for English (any en-* language); `others` speaks every other language."""

    def __init__(self, others: TextToSpeech, speaking_rate: float = 1.0, voice: HibariVoice | None = None) -> None:
        if speaking_rate <= 0:
            raise ValueError(f"speaking_rate must be positive, got {speaking_rate}")
        self._voice = voice or HibariVoice()
        self._others = others
        self._speed = min(MAX_SPEED, max(MIN_SPEED, speaking_rate))
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="hibari")
        self.voice_id = f"hibari-{self._voice.version}:{VOICE}:{self._speed:g}x;others={others.voice_id}"

    async def synthesize(self, text: str, language: str) -> bytes:
        if not speaks(language):
            return await self._others.synthesize(text, language)
        if not text.strip():
            return b""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._line_audio, text)

    def _line_audio(self, text: str) -> bytes:
        return line_mulaw(self._voice.speech(text, self._speed), self._voice.sample_rate)


def letters_said(text: str) -> str:
    """`text` with each spelled letter a marked to be said as the letter, not the article."""
    spelled = _SPELLED.sub(lambda run: _LONE_A.sub(LETTER_A, run.group()), text)
    return _THE_LETTER_A.sub(lambda said: f"{said.group(1)} {LETTER_A}", spelled)


def speaks(language: str) -> bool:
    """Whether hibari speaks `language` (BCP-47): English, with its American voice."""
    return language.split("-")[0].lower() == "en"
