"""Composition root of the relay: which adapters run is decided here, from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from callbot.blobs import open_blob_store
from callbot.bus import Publisher
from callbot.settings import RelaySettings
from callbot.store import CallStore
from stream_relay.audio_cache import AudioCache, CachedTextToSpeech
from stream_relay.recording import RecordingArchive
from stream_relay.replies import ReplySource
from stream_relay.speech.endpointer import VoiceActivityDetector
from stream_relay.speech.stt import SpeechToTextFactory
from stream_relay.speech.tts import TextToSpeech
from stream_relay.speech.tts_engines import make_tts


@dataclass
class RelayServices:
    settings: RelaySettings
    publisher: Publisher
    calls: CallStore
    replies: ReplySource
    stt_factory: SpeechToTextFactory
    tts: TextToSpeech
    vad_factory: Callable[[], VoiceActivityDetector]
    recordings: RecordingArchive | None = None


def build_services(settings: RelaySettings) -> RelayServices:
    from callbot.bus.pubsub import PubSubPublisher
    from callbot.store.firestore import FirestoreCallStore
    from stream_relay.replies import PubSubReplySource

    recordings = None
    if settings.recordings_uri:
        recordings = RecordingArchive(open_blob_store(settings.recordings_uri))
    return RelayServices(
        settings=settings,
        publisher=PubSubPublisher(settings.project_id),
        calls=FirestoreCallStore(settings.project_id, settings.call_retention_days),
        replies=PubSubReplySource(settings.project_id, settings.relay_instance),
        stt_factory=make_stt_factory(settings),
        tts=make_cached_tts(settings),
        vad_factory=make_vad_factory(settings),
        recordings=recordings,
    )


def make_stt_factory(settings: RelaySettings) -> SpeechToTextFactory:
    match settings.stt_engine:
        case "scripted":
            from stream_relay.speech.scripted_stt import ScriptedSpeechToText

            return ScriptedSpeechToText.factory(settings.scripted_stt_final_ms, settings.stt_vocabulary)
        case "whisper":
            from stream_relay.speech.whisper_stt import whisper_stt_factory

            return whisper_stt_factory(settings)
        case "google":
            from stream_relay.speech.google_stt import google_stt_factory

            return google_stt_factory(settings)
    raise ValueError(f"unknown stt_engine {settings.stt_engine!r}")


def make_cached_tts(settings: RelaySettings) -> TextToSpeech:
    """The TTS engine, behind the audio cache when one is configured (loaded into memory now)."""
    tts = make_tts(settings)
    if not settings.audio_cache_uri:
        return tts
    cache = AudioCache.load(open_blob_store(settings.audio_cache_uri), tts.voice_id, settings.languages)
    return CachedTextToSpeech(tts, cache)


def make_vad_factory(settings: RelaySettings) -> Callable[[], VoiceActivityDetector]:
    from stream_relay.speech.endpointer import EnergyVad, WebRtcVad

    match settings.vad_engine:
        case "webrtc":
            return lambda: WebRtcVad(settings.vad_aggressiveness)
        case "energy":
            return lambda: EnergyVad(settings.vad_energy_dbfs)
    raise ValueError(f"unknown vad_engine {settings.vad_engine!r}")
