"""The text-to-speech engine settings name (`tts_engine`): one choice shared by the relay's
composition root (`stream_relay.bootstrap`) and the audio cache's builder (`stream_relay.audio_cache`),
so the cache is filled with exactly the voice the relay speaks with. Engines are imported only when
chosen."""

from __future__ import annotations

from callbot.settings import RelaySettings
from stream_relay.speech.tts import TextToSpeech


def make_tts(settings: RelaySettings) -> TextToSpeech:
    match settings.tts_engine:
        case "tone":
            from stream_relay.speech.tone_tts import ToneTextToSpeech

            return ToneTextToSpeech(latency_ms=settings.tone_tts_latency_ms, speaking_rate=settings.tts_speaking_rate)
        case "espeak":
            from stream_relay.speech.espeak_tts import EspeakTextToSpeech

            return EspeakTextToSpeech(settings.espeak_voices, settings.tts_speaking_rate)
        case "hibari":
            from stream_relay.speech.espeak_tts import EspeakTextToSpeech
            from stream_relay.speech.hibari_tts import HibariTextToSpeech

            others = EspeakTextToSpeech(settings.espeak_voices, settings.tts_speaking_rate)
            return HibariTextToSpeech(others, settings.tts_speaking_rate)
        case "google":
            from stream_relay.speech.google_tts import GoogleTextToSpeech

            return GoogleTextToSpeech(settings.google_tts_voices, settings.tts_speaking_rate)
    raise ValueError(f"unknown tts_engine {settings.tts_engine!r}")
