"""Relay services built from fakes: recording publisher, in-memory call store, scripted STT, and a
reply source that tests feed by hand."""

from __future__ import annotations

import asyncio

import numpy as np

from callbot.blobs import check_name
from callbot.bus.memory import RecordingPublisher
from callbot.messages import BotSpeech
from callbot.settings import RelaySettings
from callbot.store.memory import MemoryCallStore
from stream_relay import mulaw
from stream_relay.bootstrap import RelayServices, make_vad_factory
from stream_relay.recording import CallRecorder, CallRecording, RecordingArchive
from stream_relay.speech.scripted_stt import ScriptedSpeechToText
from stream_relay.speech.tone_tts import ToneTextToSpeech
from stream_relay.speech.wav import parse_wav


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


class MemoryBlobStore:
    """A `BlobStore` in a dict."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, name: str, data: bytes, content_type: str) -> str:
        self.objects[check_name(name)] = bytes(data)
        return f"memory://recordings/{name}"

    def get(self, name: str) -> bytes | None:
        return self.objects.get(check_name(name))

    def list(self, prefix: str = "") -> list[str]:
        return sorted(n for n in self.objects if n.startswith(prefix))

    def compose(self, name: str, sources: list[str], content_type: str) -> str:
        self.objects[check_name(name)] = b"".join(self.objects[source] for source in sources)
        return f"memory://recordings/{name}"

    def delete(self, names: list[str]) -> None:
        for name in names:
            self.objects.pop(name, None)


class MemoryRecordings(RecordingArchive):
    """The recordings archive over a `MemoryBlobStore`, with parts of 2 s so that a test call is
    written in several; `calls` keeps each call's recorder. The store is called on the event loop:
    the test client cancels a call's task when its socket closes, at the first await that yields."""

    def __init__(self) -> None:
        self.store = MemoryBlobStore()
        super().__init__(self.store, part_samples=2 * mulaw.SAMPLE_RATE, offload=_inline)
        self.calls: dict[str, CallRecorder] = {}

    def open(self, call_id: str) -> CallRecording:
        recording = super().open(call_id)
        self.calls[call_id] = recording.recorder
        return recording

    def tracks(self, call_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(caller, bot) int16 tracks of the call's stored WAV."""
        stereo = np.frombuffer(parse_wav(self.store.objects[f"{call_id}.wav"]).frames, dtype="<i2").reshape(-1, 2)
        return stereo[:, 0].copy(), stereo[:, 1].copy()


async def _inline(blocking, *args):
    return blocking(*args)


def fake_services(**settings: object) -> RelayServices:
    """The loop reacts at once unless told otherwise: in rounds, every send of the TestClient waits
    for the next round (tests/unit/test_relay.py runs a call in rounds too)."""
    relay_settings = RelaySettings(public_url="https://relay.example.com", relay_instance="test-relay",
                                   endpoint_silence_ms=300, playback_lead_ms=40,
                                   **{"loop_round_ms": 0, **settings})
    return RelayServices(
        settings=relay_settings,
        publisher=RecordingPublisher(), calls=MemoryCallStore(), replies=HandFedReplies(),
        stt_factory=ScriptedSpeechToText.for_call, tts=ToneTextToSpeech(),
        vad_factory=make_vad_factory(relay_settings), recordings=MemoryRecordings(),
    )
