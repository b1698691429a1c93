"""The relay's event loop in rounds (stream_relay/loop_rounds.py): everything still runs."""

import asyncio
import threading

import pytest

from stream_relay.loop_rounds import run_in_rounds


async def test_timers_tasks_and_other_threads_callbacks_all_run_in_rounds():
    loop = asyncio.get_running_loop()
    rounds = asyncio.create_task(run_in_rounds(0.01))
    seen: list[str] = []
    for delay in (0.003, 0.012, 0.001):
        loop.call_later(delay, seen.append, f"timer {delay}")
    threading.Thread(target=lambda: loop.call_soon_threadsafe(seen.append, "from a thread")).start()

    async def chain(depth: int) -> None:
        for _ in range(depth):
            await asyncio.sleep(0)
        seen.append(f"chain of {depth}")

    await asyncio.gather(chain(1), chain(5))
    while len(seen) < 6:
        await asyncio.sleep(0.005)
    rounds.cancel()
    assert sorted(seen) == sorted(["timer 0.001", "timer 0.003", "timer 0.012", "from a thread", "chain of 1",
                                   "chain of 5"])
    assert [s for s in seen if s.startswith("timer")] == ["timer 0.001", "timer 0.003", "timer 0.012"]


async def test_a_round_of_zero_returns_at_once_and_a_negative_one_is_refused():
    await asyncio.wait_for(run_in_rounds(0), 1)
    with pytest.raises(ValueError):
        await run_in_rounds(-0.01)


async def test_rounds_run_only_while_busy(monkeypatch):
    from stream_relay import loop_rounds

    slept: list[float] = []
    monkeypatch.setattr(loop_rounds.time, "sleep", slept.append)  # a round's wait, counted, not waited

    async def turns_of_the_loop(n: int) -> None:
        for _ in range(n):
            await asyncio.sleep(0)

    busy = asyncio.Event()
    rounds = asyncio.create_task(run_in_rounds(0.01, busy))
    await turns_of_the_loop(20)
    assert slept == []  # not busy: no round, the loop reacts at once
    busy.set()
    await turns_of_the_loop(20)
    assert len(slept) >= 5
    busy.clear()
    await turns_of_the_loop(5)  # the round under way ends
    after = len(slept)
    await turns_of_the_loop(20)
    assert len(slept) == after
    rounds.cancel()


def test_the_registry_is_busy_from_its_threshold_of_calls():
    from types import SimpleNamespace

    from stream_relay.replies import CallRegistry

    registry = CallRegistry(busy_from=2)
    registry.add(SimpleNamespace(call_id="CA1"))
    assert not registry.busy.is_set()
    registry.add(SimpleNamespace(call_id="CA2"))
    assert registry.busy.is_set()
    registry.remove("CA1")
    assert not registry.busy.is_set()
    assert CallRegistry(busy_from=0).busy.is_set()
