"""Each function's composition root is built once per instance, on first use (a lazy global).

`functools.cache` alone builds it as often as threads ask for it before the first build ends: a
burst reaching a fresh instance of a function process with several threads (the local stack gives
each function as many threads as production's `max_instances`) would build clients and graphs
several times over. `built_once` lets one thread build while the others wait for its result.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class built_once(Generic[T]):
    """`build()` run once, its result returned to every caller; a build that raises is tried again by
    the next caller. `cache_clear()` forgets the result (tests)."""

    def __init__(self, build: Callable[[], T]) -> None:
        functools.update_wrapper(self, build)
        self._build = build
        self._lock = threading.Lock()
        self._built: tuple[T] | None = None

    def __call__(self) -> T:
        built = self._built
        if built is None:
            with self._lock:
                if self._built is None:
                    self._built = (self._build(),)
                built = self._built
        return built[0]

    def cache_clear(self) -> None:
        with self._lock:
            self._built = None
