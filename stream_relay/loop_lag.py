"""How late the relay's event loop runs: a ticker that asks to wake every 20 ms (one audio frame)
and records how late it woke. A loop late by more than a frame delays every call on the instance;
`/healthz` reports the recent p99 so benchmarks and probes can see it."""

from __future__ import annotations

import asyncio
import collections

TICK_S = 0.02
WINDOW_TICKS = 3000  # the last minute


class LoopLag:
    def __init__(self) -> None:
        self._recent: collections.deque[float] = collections.deque(maxlen=WINDOW_TICKS)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + TICK_S
            await asyncio.sleep(TICK_S)
            self._recent.append(max(0.0, loop.time() - due))

    def p99_ms(self) -> float | None:
        if not self._recent:
            return None
        ordered = sorted(self._recent)
        return round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1)
