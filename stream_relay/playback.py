"""Outbound audio of one call: reply segments in order, paced near real time, each followed by a
`mark` so that Twilio's echo tells us what the caller has actually heard.

Segments are played in (turn, segment) order, one turn after the other; a segment of a turn that is
older than the caller's latest input, or of a turn cut off by a barge-in, is dropped. Nothing
starts playing while the caller is speaking.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from callbot.messages import BotSpeech
from stream_relay import mulaw

log = logging.getLogger(__name__)
FRAME_S = mulaw.FRAME_MS / 1000


@dataclass
class Segment:
    speech: BotSpeech
    audio: asyncio.Task[bytes]
    system: str = ""  # a line of the relay's own (reprompt, goodbye...), not part of a reply
    started_at: float | None = None  # loop time at which its first frame plays
    wall_started_ms: int = 0
    duration_s: float = 0.0
    interrupted: bool = False
    frames_sent: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return (self.speech.turn_seq, self.speech.segment)

    @property
    def mark(self) -> str:
        """Mark names: `turn.segment`, with `.end` on the last segment of a reply; the relay's own
        lines are `sys-<kind>.turn.end`."""
        if self.system:
            return f"sys-{self.system}.{self.speech.turn_seq}.end"
        suffix = ".end" if self.speech.is_last else ""
        return f"{self.speech.turn_seq}.{self.speech.segment}{suffix}"


    def heard_text(self, now: float) -> str:
        """The words played before `now`: the audio sent and already due to have played, with the
        words assumed to be spread evenly over it."""
        if self.started_at is None or self.duration_s <= 0:
            return ""
        played_s = min(now - self.started_at, self.frames_sent * FRAME_S)
        words = self.speech.text.split()
        fraction = min(max(played_s / self.duration_s, 0.0), 1.0)
        return " ".join(words[: int(len(words) * fraction)])


@dataclass
class Playback:
    """Queues, paces and sends one call's reply audio. `send` writes one wire message."""

    send_media: Callable[[bytes], Awaitable[None]]
    send_mark: Callable[[str], Awaitable[None]]
    lead_s: float
    frames_per_message: int = 1  # 20 ms frames in one outbound media message
    clock: Callable[[], float] = time.monotonic
    pending: dict[tuple[int, int], Segment] = field(default_factory=dict)
    system: list[Segment] = field(default_factory=list)  # the relay's own lines, played first
    playing: Segment | None = None
    next_segment: dict[int, int] = field(default_factory=dict)
    min_turn: int = 0  # segments of older turns are stale
    last_turn: int = -1  # the turn of the latest segment that started playing
    play_clock: float = 0.0  # when the audio sent so far will have finished playing
    hold: bool = False  # the caller is speaking: start nothing new
    underruns: int = 0  # frames sent after the audio before them had finished playing
    underrun_s: float = 0.0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _interrupt: bool = False

    def enqueue(self, segment: Segment) -> bool:
        """Queue a segment; False when it is stale or already known."""
        if segment.speech.turn_seq < self.min_turn or segment.key in self.pending:
            segment.audio.cancel()
            return False
        if segment.speech.segment < self.next_segment.get(segment.speech.turn_seq, 0):
            segment.audio.cancel()
            return False
        self.pending[segment.key] = segment
        self._wake.set()
        return True

    def say(self, segment: Segment) -> None:
        """Queue one of the relay's own lines, ahead of reply segments."""
        self.system.append(segment)
        self._wake.set()

    def set_hold(self, hold: bool) -> None:
        self.hold = hold
        if not hold:
            self._wake.set()

    def drop_turns_before(self, turn_seq: int) -> None:
        """Forget every queued segment of turns older than `turn_seq`."""
        self.min_turn = max(self.min_turn, turn_seq)
        for key in [k for k in self.pending if k[0] < self.min_turn]:
            self.pending.pop(key).audio.cancel()

    @property
    def idle(self) -> bool:
        """Nothing is being sent and nothing is queued."""
        return self.playing is None and not self.pending and not self.system

    @property
    def speaking(self) -> bool:
        return self.playing is not None or self.play_clock > self.clock()

    def interrupt(self) -> Segment | None:
        """Barge-in: stop the segment being played, drop its turn and everything queued before it."""
        current = self.playing
        if current is not None:
            current.interrupted = True
            self._interrupt = True
        self.drop_turns_before(self.last_turn + 1)
        for key in list(self.pending):
            self.pending.pop(key).audio.cancel()
        for segment in self.system:
            segment.audio.cancel()
        self.system.clear()
        self.play_clock = self.clock()
        return current

    def _ready(self) -> Segment | None:
        if self.hold:
            return None
        if self.system:
            return self.system[0]
        for key in sorted(self.pending):
            turn, index = key
            if index == self.next_segment.get(turn, 0):
                return self.pending[key]
            return None
        return None

    async def run(self, on_started: Callable[[Segment], None],
                  on_played: Callable[[Segment], Awaitable[None]],
                  on_failed: Callable[[Segment, Exception], None]) -> None:
        """Play segments forever; `on_started` is called once a segment's first frame is sent,
        `on_played` after its mark has been sent, `on_failed` when its synthesis failed (the
        segment is skipped, playback goes on)."""
        while True:
            segment = self._ready()
            if segment is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            if segment.system:
                self.system.pop(0)
            else:
                del self.pending[segment.key]
                self.next_segment[segment.speech.turn_seq] = segment.speech.segment + 1
                self.min_turn = max(self.min_turn, segment.speech.turn_seq)
                self.last_turn = segment.speech.turn_seq
            try:
                audio = await segment.audio
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():
                    raise
                continue  # its synthesis was cancelled by a barge-in
            except Exception as exc:  # noqa: BLE001 - reported to the session, which logs it and apologises
                on_failed(segment, exc)
                continue
            if await self._play(segment, audio, on_started):
                await on_played(segment)

    async def _play(self, segment: Segment, audio: bytes, on_started: Callable[[Segment], None]) -> bool:
        self.playing, self._interrupt = segment, False
        now = self.clock()
        self.play_clock = max(self.play_clock, now)
        segment.started_at = self.play_clock
        segment.wall_started_ms = int((time.time() + (self.play_clock - now)) * 1000)
        segment.duration_s = mulaw.duration_ms(audio) / 1000
        try:
            for message in mulaw.frames(audio, self.frames_per_message):
                delay = self.play_clock - self.lead_s - self.clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                if self._interrupt:
                    return False
                await self.send_media(message)
                first = segment.frames_sent == 0
                segment.frames_sent += len(message) // mulaw.FRAME_BYTES
                if first:
                    on_started(segment)
                now = self.clock()
                if not first and now > self.play_clock:
                    # Twilio ran out of audio mid-segment: the caller heard a gap
                    self.underruns += 1
                    self.underrun_s += now - self.play_clock
                self.play_clock = max(self.play_clock, now) + FRAME_S * (len(message) // mulaw.FRAME_BYTES)
            await self.send_mark(segment.mark)
            return True
        finally:
            self.playing = None
