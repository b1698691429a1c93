"""After a call the relay gives the heap's free pages back: one trim at a time, calls ending
meanwhile sharing it; nothing to do without glibc's malloc_trim."""

import asyncio

from stream_relay import heap_trim
from stream_relay.heap_trim import HeapTrim, glibc_malloc_trim


def test_calls_ending_together_share_one_trim_and_a_later_call_gets_its_own(monkeypatch):
    monkeypatch.setattr(heap_trim, "DELAY_S", 0.0)
    trims = []

    async def calls() -> None:
        heap = HeapTrim(lambda pad: trims.append(pad) or 1)
        for _ in range(5):
            heap.after_call()
        await asyncio.sleep(0.2)
        assert trims == [0]
        heap.after_call()
        await asyncio.sleep(0.2)

    asyncio.run(calls())
    assert trims == [0, 0]


def test_without_malloc_trim_nothing_is_scheduled():
    HeapTrim(None).after_call()  # outside an event loop: it would raise had it scheduled anything


def test_glibc_has_malloc_trim():
    assert glibc_malloc_trim()(0) in (0, 1)
