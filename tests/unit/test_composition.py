"""A composition root asked for by several threads at once is built once (callbot/composition.py)."""

import threading

import pytest

from callbot.composition import built_once


def test_threads_asking_at_once_share_one_build():
    builds = []
    release = threading.Event()

    @built_once
    def root() -> object:
        builds.append(threading.current_thread().name)
        release.wait(5)  # the first build is still running while the others ask
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(root())) for _ in range(8)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)


def test_a_failed_build_is_tried_again_and_cache_clear_forgets():
    attempts = []

    @built_once
    def root() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("Firestore not reachable yet")
        return len(attempts)

    with pytest.raises(ConnectionError):
        root()
    assert root() == 2 and root() == 2
    root.cache_clear()
    assert root() == 3
    assert root.__name__ == "root"
