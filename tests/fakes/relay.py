"""Relay services built from fakes: recording publisher, in-memory call store, scripted STT, and a
reply source that tests feed by hand."""

from __future__ import annotations

import asyncio

from callbot.bus.memory import RecordingPublisher
from callbot.messages import BotSpeech
from callbot.settings import RelaySettings
from callbot.store.memory import MemoryCallStore
from stream_relay.bootstrap import RelayServices, make_vad_factory
from stream_relay.speech.scripted_stt import ScriptedSpeechToText
from stream_relay.speech.tone_tts import ToneTextToSpeech


class HandFedReplies:
    """A `ReplySource` whose replies the test delivers with `deliver`."""

    def __init__(self) -> None:
        self.dispatch = None
        self.loop = None
        self.stopped = False

    async def start(self, dispatch) -> None:
        self.dispatch = dispatch
        self.loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self.stopped = True

    def deliver(self, speech: BotSpeech) -> None:
        """Hand a reply to the relay's event loop, as the Pub/Sub callback thread does."""
        self.loop.call_soon_threadsafe(self.dispatch, speech)


class MemoryRecordings:
    """Keeps finished calls' recorders instead of writing WAV files."""

    def __init__(self) -> None:
        self.calls: dict[str, object] = {}

    async def store(self, call_id: str, recorder) -> str:
        self.calls[call_id] = recorder
        return f"memory://recordings/{call_id}.wav"


def fake_services(**settings: object) -> RelayServices:
    relay_settings = RelaySettings(public_url="https://relay.example.com", relay_instance="test-relay",
                                   endpoint_silence_ms=300, playback_lead_ms=40, **settings)
    return RelayServices(
        settings=relay_settings,
        publisher=RecordingPublisher(), calls=MemoryCallStore(), replies=HandFedReplies(),
        stt_factory=ScriptedSpeechToText.for_call, tts=ToneTextToSpeech(),
        vad_factory=make_vad_factory(relay_settings), recordings=MemoryRecordings(),
    )
