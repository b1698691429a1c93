"""How late the relay handles the caller's audio frames, per call: the benchmark's measure of
whether one relay process keeps up with its calls.

Twilio stamps each inbound frame with its stream time. Lag is the time the frame was handled minus
its stamp, relative to the smallest such difference seen in the call (network and start-up offsets
cancel out). Kept as a 1 ms histogram, so memory stays flat however long the call.
"""

from __future__ import annotations

import numpy as np

MAX_MS = 2000


class FrameLag:
    def __init__(self) -> None:
        self._histogram = np.zeros(MAX_MS + 1, dtype=np.int64)
        self._offsets: list[float] = []
        self._base: float | None = None

    def frame(self, handled_ms: float, stamp_ms: int) -> None:
        offset = handled_ms - stamp_ms
        if self._base is None or offset < self._base:
            self._base = offset
        self._histogram[min(int(offset - self._base), MAX_MS)] += 1

    @property
    def frames(self) -> int:
        return int(self._histogram.sum())

    def percentile(self, q: float) -> int | None:
        """The q-th percentile of lag in ms (an upper bound: lag only grows from the baseline)."""
        total = self.frames
        if total == 0:
            return None
        return int(np.searchsorted(np.cumsum(self._histogram), q / 100 * total))

    def summary(self) -> dict[str, int | None]:
        return {"inbound_frames": self.frames, "inbound_lag_p50_ms": self.percentile(50),
                "inbound_lag_p99_ms": self.percentile(99)}
