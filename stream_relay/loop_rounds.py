"""The relay's event loop works in rounds: it looks at its sockets and timers at most once every
`round_s`, and handles everything that came in meanwhile together.

Each call sends a frame every 20 ms and is sent one every 20 ms, each at its own moment, so a loop
that reacts at once wakes up twice per call every 20 ms: with 10 calls, a thousand times a second,
and each wake-up (the scheduler switching back to the relay, the poll, the loop's own bookkeeping,
caches gone cold on a busy machine) cost the relay more than handling the frame itself
(bench/README.md, bench.relay_capacity). In rounds, the number of wake-ups no longer grows with the
calls. The price: a frame, a timer or a reply waits up to `round_s` more (10 ms against a 20 ms
frame and the 100 ms of audio Twilio holds ahead); when the loop has more work than a round, it no
longer waits at all.

The round is a task that blocks the loop's thread in `time.sleep` until the round's end (other
threads, such as the Pub/Sub client's, go on), then yields twice: the loop polls its sockets without
waiting (this task is ready) and fires its due timers, then runs what they woke up; only then does
the next round's sleep begin. Work that takes more steps (a task that wakes another) goes on in the
next round.

Rounds run only while the relay holds several calls (`loop_round_from_calls`): with one or two, the
wake-ups cost little CPU in all, and the round's wait would be on every turn's critical path
(about 20-40 ms of a turn on one call, `bench.side_by_side`), and an idle relay would wake 100
times a second for nothing.
"""

from __future__ import annotations

import asyncio
import time


async def run_in_rounds(round_s: float, busy: asyncio.Event | None = None) -> None:
    """Run the loop in rounds of `round_s` until cancelled, only while `busy` is set if given (in
    between, the loop reacts at once); with 0, return at once (the loop always reacts at once)."""
    if round_s < 0:
        raise ValueError(f"round_s must not be negative, got {round_s}")
    clock, sleep = time.monotonic, time.sleep
    while round_s:
        if busy is not None:
            await busy.wait()
        ends = clock()
        while busy is None or busy.is_set():
            ends = max(ends + round_s, clock())  # a late round is not made up for
            rest = ends - clock()
            if rest > 0:
                sleep(rest)
            await asyncio.sleep(0)  # the poll, and the timers due
            await asyncio.sleep(0)  # what they woke up
