"""Give the free pages of the C heap back to the system after a call (glibc's `malloc_trim`).

A call's buffers (the recording's current part and its copies for upload, speech and endpointer
audio, frames) are freed when it ends, but glibc keeps freed memory inside its heaps, where it is
resident until reused: after a soak of 20 calls the relay stayed 12-24 MiB above its idle RSS (35
after three soaks, then flat: retention, not a leak), and `malloc_trim(0)` gave back all but ~4 MiB
of it (`bench.soak --memory-report`). So a second after a call ends the relay trims, in a worker
thread, one trim at a time (calls ending meanwhile share it). Without glibc there is nothing to call:
the relay says so once at start-up and does not trim.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
DELAY_S = 1.0  # the ended call's session and buffers are collected by then


def glibc_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is None:
        log.warning("no malloc_trim in the C library (%s): freed heap memory is not given back after calls", name)
    return trim


class HeapTrim:
    def __init__(self, trim: Callable[[int], int] | None) -> None:
        self._trim = trim
        self._pending = False

    def after_call(self) -> None:
        """A call ended: trim soon, unless a trim is already on its way."""
        if self._trim is None or self._pending:
            return
        self._pending = True
        asyncio.get_running_loop().call_later(DELAY_S, self._start)

    def _start(self) -> None:
        trimming = asyncio.get_running_loop().run_in_executor(None, self._trim, 0)
        trimming.add_done_callback(self._done)

    def _done(self, trimming: asyncio.Future) -> None:
        self._pending = False
        if not trimming.cancelled() and trimming.exception() is not None:
            log.error("malloc_trim failed: %r", trimming.exception())


_heap: HeapTrim | None = None


def after_call() -> None:
    """The process's heap trimmer (one heap per process), made on first use."""
    global _heap
    if _heap is None:
        _heap = HeapTrim(glibc_malloc_trim())
    _heap.after_call()
