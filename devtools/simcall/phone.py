"""The phone line as Twilio plays it: caller audio out in real-time 20 ms frames (silence between
utterances), bot audio in, played back on a clock so that marks are echoed when their audio has
"played", and `clear` honoured as Twilio does (buffer dropped, pending marks echoed at once)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from stream_relay import mulaw

FRAME_S = mulaw.FRAME_MS / 1000


@dataclass
class BotSegment:
    """Bot audio between two marks, as the caller heard it."""

    first_frame_at: float
    played_until: float
    mark: str | None = None
    interrupted: bool = False


@dataclass
class PhoneLine:
    send: Callable[[str], Awaitable[None]]
    echo_mark: Callable[[str], Awaitable[None]]
    clock: Callable[[], float] = time.monotonic
    t0: float = field(default_factory=time.monotonic)
    media_in: int = 0
    media_out: int = 0
    marks: int = 0
    clears: int = 0
    clears_at: list[float] = field(default_factory=list)
    bot_frames_at: list[float] = field(default_factory=list)
    segments: list[BotSegment] = field(default_factory=list)
    echoed: list[tuple[float, str]] = field(default_factory=list)
    _outgoing: list[bytes] = field(default_factory=list)
    _play_end: float = 0.0
    _open_segment: BotSegment | None = None
    _pending_marks: list[tuple[float, str]] = field(default_factory=list)
    _utterance_done: asyncio.Event | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def ms(self, t: float) -> int:
        return round((t - self.t0) * 1000)

    # --- caller audio ------------------------------------------------------------------------

    async def speak(self, audio: bytes) -> tuple[float, float]:
        """Queue an utterance; return (start, end) clock times once its last frame has been sent."""
        done = asyncio.Event()
        frames = list(mulaw.frames(audio))
        self._outgoing.extend(frames)
        self._utterance_done = done
        started = self.clock()
        await done.wait()
        return started, self.clock()

    async def run_uplink(self, build_frame: Callable[[bytes], str]) -> None:
        """Send one frame every 20 ms on an absolute schedule, speech when queued, else silence."""
        silence = mulaw.silence(mulaw.FRAME_MS)
        next_at = self.clock()
        while True:
            frame = self._outgoing.pop(0) if self._outgoing else silence
            await self.send(build_frame(frame))
            self.media_out += 1
            if not self._outgoing and self._utterance_done is not None:
                self._utterance_done.set()
                self._utterance_done = None
            await self._echo_due_marks()
            next_at += FRAME_S
            await asyncio.sleep(max(0.0, next_at - self.clock()))

    # --- bot audio ---------------------------------------------------------------------------

    def on_media(self, audio: bytes) -> None:
        now = self.clock()
        self.media_in += 1
        self.bot_frames_at.append(now)
        start = max(now, self._play_end)
        self._play_end = start + FRAME_S * max(1, len(audio) // mulaw.FRAME_BYTES)
        if self._open_segment is None:
            self._open_segment = BotSegment(first_frame_at=now, played_until=self._play_end)
            self.segments.append(self._open_segment)
        self._open_segment.played_until = self._play_end
        self.changed.set()

    def on_mark(self, name: str) -> None:
        self.marks += 1
        if self._open_segment is not None:
            self._open_segment.mark = name
            self._open_segment = None
        self._pending_marks.append((max(self._play_end, self.clock()), name))

    async def on_clear(self) -> None:
        now = self.clock()
        self.clears += 1
        self.clears_at.append(now)
        for segment in self.segments:
            if segment.played_until > now:
                segment.played_until, segment.interrupted = now, True
        self._open_segment = None
        self._play_end = now
        pending, self._pending_marks = self._pending_marks, []
        for _, name in pending:
            await self._echo(name, interrupted=True)

    async def _echo_due_marks(self) -> None:
        """Echo the marks whose audio has played by now, in order, on the uplink's own task (so a
        failed send surfaces there instead of in a task nobody awaits)."""
        now = self.clock()
        while self._pending_marks and self._pending_marks[0][0] <= now:
            _, name = self._pending_marks.pop(0)
            await self._echo(name, interrupted=False)

    async def _echo(self, name: str, interrupted: bool) -> None:
        await self.echo_mark(name)
        if not interrupted:
            self.echoed.append((self.clock(), name))
        self.changed.set()

    # --- what the caller observes --------------------------------------------------------------

    @property
    def bot_playing(self) -> bool:
        return self._play_end > self.clock()

    def first_bot_frame_after(self, t: float) -> float | None:
        return next((f for f in self.bot_frames_at if f >= t), None)

    def reply_finished(self, turn_seq: int, since: float) -> bool:
        """Has the last segment of a reply to turn `turn_seq` or later played to its end?"""
        for at, name in self.echoed:
            parts = name.split(".")
            if at >= since and parts[-1] == "end" and parts[0].isdigit() and int(parts[0]) >= turn_seq:
                return True
        return False

    def reply_started(self, since: float) -> bool:
        return any(t >= since for t in self.bot_frames_at)
