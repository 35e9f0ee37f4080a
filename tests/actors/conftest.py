"""Fixtures of the actor runtime tests: a fresh WorkerPool per test, shut down afterwards."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from actor_helpers import wait_until

from actors import WorkerPool, introspection, use_pool


def stop_new_actors(before: set[str]) -> None:
    """Stop the PooledActors a test left running (not other tests') and wait for them."""
    left = [a for urn, a in list(introspection._live.items()) if urn not in before]
    for actor in left:
        with contextlib.suppress(Exception):
            actor.actor_ref.stop(block=False)
    wait_until(lambda: all(a.actor_urn not in introspection._live for a in left), timeout=5.0)


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    """A 4-thread pool set as the default pool; actors and threads are cleaned up after."""
    threads_before = threading.active_count()
    live_before = set(introspection._live)
    worker_pool = WorkerPool(4, name="test-actors")
    use_pool(worker_pool)
    try:
        yield worker_pool
    finally:
        stop_new_actors(live_before)
        use_pool(None)
        assert worker_pool.shutdown(timeout=5.0)
        wait_until(lambda: threading.active_count() <= threads_before, timeout=5.0)
