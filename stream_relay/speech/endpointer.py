"""Finds where the caller starts and stops talking, on the 20 ms mu-law frames Twilio sends.

The relay feeds every inbound frame to `Endpointer.process`. It reports `SpeechStarted` once a VAD has
heard `min_speech_ms` of consecutive speech (so a click or a cough does not start a turn, and
barge-in is not triggered by noise), and `SpeechEnded` after `silence_ms` of consecutive non-speech,
with the utterance's audio. That audio starts `pre_roll_ms` before the first speech frame, because an
energy VAD hears a soft first syllable late and the speech-to-text engine needs it.

Times are stream times in milliseconds, counted from the audio processed (frame n covers
[20n, 20n + 20)), not read from a clock, so they are exact and reproducible in tests.

The VAD is anything with `is_speech(pcm_frame) -> bool`; `EnergyVad` is the dependency-free one.
Thresholds are settings: the endpointer checks them in its constructor and fails fast.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from stream_relay import mulaw


class VoiceActivityDetector(Protocol):
    def is_speech(self, pcm_frame: np.ndarray) -> bool:
        """Whether one 20 ms frame of 8 kHz int16 PCM contains speech."""
        ...


class WebRtcVad:
    """Google's WebRTC VAD (GMM on spectral features): tells speech from steady noise far better
    than energy does, at ~2 us per frame. `aggressiveness` 0-3: higher rejects more non-speech."""

    def __init__(self, aggressiveness: int = 2) -> None:
        import webrtcvad

        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"aggressiveness must be 0-3, got {aggressiveness}")
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, pcm_frame: np.ndarray) -> bool:
        return self._vad.is_speech(pcm_frame.astype("<i2", copy=False).tobytes(), mulaw.SAMPLE_RATE)


class EnergyVad:
    """Speech is any frame louder than a fixed level. Cheap and deterministic; fooled by loud noise."""

    def __init__(self, threshold_dbfs: float = -45.0) -> None:
        if not mulaw.DBFS_FLOOR < threshold_dbfs < 0:
            raise ValueError(f"threshold_dbfs must be between {mulaw.DBFS_FLOOR} and 0, got {threshold_dbfs}")
        self.threshold_dbfs = threshold_dbfs

    def is_speech(self, pcm_frame: np.ndarray) -> bool:
        return mulaw.rms_dbfs(pcm_frame) > self.threshold_dbfs


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The caller started talking; `at_ms` is the start of the first speech frame."""

    at_ms: int


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """The caller stopped talking; `at_ms` is the end of the last speech frame.

    `audio` is mu-law from up to pre_roll_ms before the first speech frame to the end of the last one.
    """

    at_ms: int
    speech_ms: int
    audio: bytes = field(repr=False)


Event = SpeechStarted | SpeechEnded


class Endpointer:
    """Turns a stream of 20 ms mu-law frames into SpeechStarted / SpeechEnded events."""

    def __init__(
        self,
        vad: VoiceActivityDetector,
        min_speech_ms: int = 60,
        silence_ms: int = 500,
        pre_roll_ms: int = 200,
        silence_after_final_ms: int | None = None,
        ignore_first_ms: int = 100,
    ) -> None:
        if min_speech_ms <= 0 or silence_ms <= 0 or pre_roll_ms < 0:
            raise ValueError(
                "min_speech_ms and silence_ms must be positive and pre_roll_ms not negative, got "
                f"{min_speech_ms}, {silence_ms}, {pre_roll_ms}"
            )
        self._vad = vad
        self._min_speech_frames = _frames_for(min_speech_ms)
        self._silence_frames = _frames_for(silence_ms)
        # a fresh webrtcvad calls the first 80-100 ms of any noisy line speech (bench/endpointing.py)
        self._ignore_first_ms = ignore_first_ms
        self._silence_after_final_frames = min(self._silence_frames, _frames_for(silence_after_final_ms or silence_ms))
        self._pre_roll_frames = _frames_for(pre_roll_ms)
        self._frames_seen = 0
        self._pending = bytearray()  # less than one frame, waiting for the rest
        self._final_ready = False
        self.reset()

    @property
    def in_speech(self) -> bool:
        return self._utterance is not None

    @property
    def stream_ms(self) -> int:
        """Stream time at the end of the last frame processed."""
        return self._frames_seen * mulaw.FRAME_MS

    def reset(self) -> None:
        """Forget any utterance in progress and the audio heard so far; stream time keeps counting."""
        self._recent: deque[bytes] = deque(maxlen=self._pre_roll_frames + self._min_speech_frames)
        self._speech_run = 0
        self._utterance: list[bytes] | None = None
        self._speech_start_ms = 0
        self._last_speech_end_ms = 0
        self._frames_after_speech = 0

    def process(self, frame_mulaw: bytes, final_ready: bool = False) -> list[Event]:
        """Feed the next frame of mu-law; returns the events it completes (usually none).

        Twilio sends 160-byte (20 ms) frames. Other lengths are accepted: the audio is analysed in
        whole 20 ms frames and a partial frame waits for the rest, so stream time stays exact.
        `final_ready` says that the STT has already produced a final result for the utterance: the
        turn then closes after the shorter `silence_after_final_ms`.
        """
        self._final_ready = final_ready
        if not self._pending and len(frame_mulaw) == mulaw.FRAME_BYTES:
            return self._process_frame(bytes(frame_mulaw))  # Twilio's frames: no buffering needed
        self._pending += frame_mulaw
        events: list[Event] = []
        while len(self._pending) >= mulaw.FRAME_BYTES:
            frame = bytes(self._pending[: mulaw.FRAME_BYTES])
            del self._pending[: mulaw.FRAME_BYTES]
            events.extend(self._process_frame(frame))
        return events

    @property
    def silence_ms(self) -> int:
        """How long the caller has been quiet within the utterance in progress (0 outside one)."""
        return self._frames_after_speech * mulaw.FRAME_MS if self._utterance is not None else 0

    @property
    def speech_end_ms(self) -> int:
        """Stream time at the end of the latest speech frame of the utterance in progress."""
        return self._last_speech_end_ms

    @property
    def speech_ms(self) -> int:
        """How much speech the utterance in progress has had so far, up to its latest speech frame
        (trailing silence does not count; 0 when the caller is quiet)."""
        return self._last_speech_end_ms - self._speech_start_ms if self._utterance is not None else 0

    def _process_frame(self, frame: bytes) -> list[Event]:
        start_ms = self.stream_ms
        self._frames_seen += 1
        self._recent.append(frame)
        speech = self._vad.is_speech(mulaw.decode(frame)) and start_ms >= self._ignore_first_ms
        if self._utterance is None:
            return self._while_quiet(speech, start_ms)
        self._utterance.append(frame)
        return self._while_talking(self._utterance, speech, start_ms)

    def _while_quiet(self, speech: bool, start_ms: int) -> list[Event]:
        self._speech_run = self._speech_run + 1 if speech else 0
        if self._speech_run == 1:
            self._speech_start_ms = start_ms
        if self._speech_run < self._min_speech_frames:
            return []
        self._utterance = list(self._recent)
        self._last_speech_end_ms = start_ms + mulaw.FRAME_MS
        self._frames_after_speech = 0
        return [SpeechStarted(at_ms=self._speech_start_ms)]

    def _while_talking(self, utterance: list[bytes], speech: bool, start_ms: int) -> list[Event]:
        if speech:
            self._last_speech_end_ms = start_ms + mulaw.FRAME_MS
            self._frames_after_speech = 0
            return []
        self._frames_after_speech += 1
        needed = self._silence_after_final_frames if self._final_ready else self._silence_frames
        if self._frames_after_speech < needed:
            return []
        ended = SpeechEnded(
            at_ms=self._last_speech_end_ms,
            speech_ms=self._last_speech_end_ms - self._speech_start_ms,
            audio=b"".join(utterance[: -self._frames_after_speech]),
        )
        self._utterance = None
        self._speech_run = 0
        return [ended]


def _frames_for(ms: int) -> int:
    return math.ceil(ms / mulaw.FRAME_MS)
