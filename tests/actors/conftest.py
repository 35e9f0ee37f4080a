"""Fixtures of the actor runtime tests: a fresh WorkerPool per test, shut down afterwards."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from actor_helpers import wait_until

from actors import WorkerPool, introspection, use_pool


def stop_leftovers() -> None:
    """Stop every PooledActor a test left running and wait for them to terminate."""
    for actor in list(introspection._live.values()):
        with contextlib.suppress(Exception):
            actor.actor_ref.stop(block=False)
    wait_until(lambda: introspection.live_count() == 0, timeout=5.0)


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    """A 4-thread pool set as the default pool; actors and threads are cleaned up after."""
    threads_before = threading.active_count()
    worker_pool = WorkerPool(4, name="test-actors")
    use_pool(worker_pool)
    try:
        yield worker_pool
    finally:
        stop_leftovers()
        use_pool(None)
        assert worker_pool.shutdown(timeout=5.0)
        wait_until(lambda: threading.active_count() <= threads_before, timeout=5.0)
