import asyncio
import time

from stream_relay.loop_lag import LoopLag


async def test_a_blocked_loop_shows_as_lag():
    lag = LoopLag()
    lag.start()
    await asyncio.sleep(0.1)
    time.sleep(0.2)  # noqa: ASYNC251 - the point: something hogs the loop
    await asyncio.sleep(0.05)
    await lag.stop()
    assert lag.p99_ms() >= 100


async def test_no_ticks_no_figure():
    assert LoopLag().p99_ms() is None
