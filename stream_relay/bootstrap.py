"""Composition root of the relay: which adapters run is decided here, from settings."""

from __future__ import annotations

from dataclasses import dataclass

from callbot.bus import Publisher
from callbot.settings import RelaySettings
from callbot.store import CallStore
from stream_relay.replies import ReplySource
from stream_relay.speech.stt import SpeechToTextFactory
from stream_relay.speech.tts import TextToSpeech


@dataclass
class RelayServices:
    settings: RelaySettings
    publisher: Publisher
    calls: CallStore
    replies: ReplySource
    stt_factory: SpeechToTextFactory
    tts: TextToSpeech


def build_services(settings: RelaySettings) -> RelayServices:
    from callbot.bus.pubsub import PubSubPublisher
    from callbot.store.firestore import FirestoreCallStore
    from stream_relay.replies import PubSubReplySource

    match settings.stt_engine:
        case "scripted":
            from stream_relay.speech.scripted_stt import ScriptedSpeechToText

            stt_factory = ScriptedSpeechToText.for_call
        case other:
            raise ValueError(f"unknown stt_engine {other!r}")
    match settings.tts_engine:
        case "tone":
            from stream_relay.speech.tone_tts import ToneTextToSpeech

            tts = ToneTextToSpeech()
        case other:
            raise ValueError(f"unknown tts_engine {other!r}")
    return RelayServices(
        settings=settings,
        publisher=PubSubPublisher(settings.project_id),
        calls=FirestoreCallStore(settings.project_id, settings.call_retention_days),
        replies=PubSubReplySource(settings.project_id, settings.relay_instance),
        stt_factory=stt_factory,
        tts=tts,
    )
