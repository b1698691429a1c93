"""How late the relay handles the caller's audio frames, per call: the benchmark's measure of
whether one relay process keeps up with its calls.

Twilio stamps each inbound frame with its stream time. Lag is the time the frame was handled minus
its stamp, relative to the smallest such difference seen in the whole call (network and start-up
offsets cancel out). Offsets are kept in a 1 ms histogram around the first frame's offset, so
memory stays flat however long the call, and a later, smaller offset re-bases every frame.
"""

from __future__ import annotations

import numpy as np

BELOW_MS = 1000  # how far below the first frame's offset a later offset may be recorded
ABOVE_MS = 2000  # lags past this are counted at this value


class FrameLag:
    def __init__(self) -> None:
        self._histogram = [0] * (BELOW_MS + ABOVE_MS + 1)  # a list: counting in numpy costs a micro-second a frame
        self._first: float | None = None

    def frame(self, handled_ms: float, stamp_ms: int) -> None:
        offset = handled_ms - stamp_ms
        if self._first is None:
            self._first = offset
        index = round(offset - self._first) + BELOW_MS
        self._histogram[min(max(index, 0), BELOW_MS + ABOVE_MS)] += 1

    @property
    def frames(self) -> int:
        return sum(self._histogram)

    def percentile(self, q: float) -> int | None:
        """The q-th percentile of lag in ms."""
        total = self.frames
        if total == 0:
            return None
        histogram = np.array(self._histogram, dtype=np.int64)
        base = int(np.flatnonzero(histogram)[0])
        return int(np.searchsorted(np.cumsum(histogram), q / 100 * total)) - base

    def summary(self) -> dict[str, int | None]:
        return {"inbound_frames": self.frames, "inbound_lag_p50_ms": self.percentile(50),
                "inbound_lag_p99_ms": self.percentile(99)}
