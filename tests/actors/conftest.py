"""Fixtures of the actor runtime tests: a fresh WorkerPool per test, shut down afterwards."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from actor_helpers import RECORDER, wait_until

from actors import WorkerPool, list_actors, set_metrics, use_pool


def stop_new_actors(before: set[str]) -> None:
    """Stop the PooledActors a test left running (not other tests') and wait for them."""
    left = [info.ref for info in list_actors() if info.urn not in before]
    for ref in left:
        with contextlib.suppress(Exception):
            ref.stop(block=False)
    urns = {ref.actor_urn for ref in left}
    wait_until(lambda: not urns & {info.urn for info in list_actors()}, timeout=5.0)


@pytest.fixture(autouse=True)
def recorded_metrics() -> Iterator[None]:
    """Count the runtime's events in ``actor_helpers.RECORDER`` during each test."""
    set_metrics(RECORDER)
    yield
    set_metrics(None)


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    """A 4-thread pool set as the default pool; actors and threads are cleaned up after."""
    threads_before = threading.active_count()
    live_before = {info.urn for info in list_actors()}
    worker_pool = WorkerPool(4, name="test-actors")
    use_pool(worker_pool)
    try:
        yield worker_pool
    finally:
        stop_new_actors(live_before)
        use_pool(None)
        assert worker_pool.shutdown(timeout=5.0)
        wait_until(lambda: threading.active_count() <= threads_before, timeout=5.0)
