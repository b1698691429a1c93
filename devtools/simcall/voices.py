"""The simulated caller's voices: what a scenario's words sound like on the line.

| name | what | for |
|---|---|---|
| `hibari` | the neural voice (hibari's af_heart, as the bot's local voice), American female | a stack whose STT listens for real: the default there |
| `hibari-low` | the same model read 18 % slower than it was made (pitch and formants lower), spoken 18 % faster to keep its pace: a second, lower speaker | a caller who does not sound like the bot |
| `espeak` | espeak-ng's en-us+m3 (fr-fr+m3 for French): robotic, hard to recognize | a deliberately bad line |
| `tone` | a speech-like buzz as long as the line, no words | a stack whose STT is scripted: the default there |

hibari speaks English only: a French scenario is spoken by espeak-ng whatever its voice. A scenario
names its voice in its YAML (`voice: hibari-low`); `callbot call --voice` overrides it.
Piper's voices are not offered: piper-tts is GPL-3.0-or-later, and this module would import it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable

from stream_relay.speech.synthetic_voice import synthesize_mulaw

CallerVoice = Callable[[str], Awaitable[bytes]]
VOICES = ("hibari", "hibari-low", "espeak", "tone")
CALLER_PITCH_HZ = 110.0
LOW_VOICE_FACTOR = 0.82  # hibari-low: the audio read at this share of its rate, spoken this much faster


def caller_voice(name: str, language: str) -> CallerVoice:
    """The voice `name` (one of VOICES) speaking `language`."""
    match name:
        case "tone":
            return tone_voice
        case "espeak":
            return _espeak(language)
        case "hibari" | "hibari-low":
            from stream_relay.speech.hibari_tts import speaks

            if not speaks(language):
                return _espeak(language)
            return _hibari(1.0 if name == "hibari" else LOW_VOICE_FACTOR)
    raise ValueError(f"unknown caller voice {name!r} (the voices: {', '.join(VOICES)})")


async def tone_voice(text: str) -> bytes:
    """A speech-like buzz as long as the line: enough for VAD and a scripted STT."""
    return synthesize_mulaw(text, pitch_hz=CALLER_PITCH_HZ)


def _espeak(language: str) -> CallerVoice:
    from stream_relay.speech.espeak_tts import EspeakTextToSpeech

    engine = EspeakTextToSpeech({"en-US": "en-us+m3", "fr-FR": "fr-fr+m3"})

    async def speak(text: str) -> bytes:
        return await engine.synthesize(text, language)

    return speak


def _hibari(factor: float) -> CallerVoice:
    from stream_relay.speech.line_audio import line_mulaw

    voice = _hibari_model()

    def line(text: str) -> bytes:
        return line_mulaw(voice.speech(text, speed=1.0 / factor), voice.sample_rate * factor)

    async def speak(text: str) -> bytes:
        return await asyncio.to_thread(line, text)

    return speak


@functools.cache
def _hibari_model():
    from stream_relay.speech.hibari_tts import HibariVoice

    return HibariVoice()
