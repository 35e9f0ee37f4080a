"""Helpers shared by the actor runtime tests."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from actors import ActorMetrics


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.001)


class Recorder(ActorMetrics):
    """An ``ActorMetrics`` hook that counts every event by its name and labels."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, ...]] = Counter()

    def count(self, event: str, *labels: str) -> int:
        """How many times ``event`` was reported with ``labels`` (dropped: messages)."""
        with self._lock:
            return self._counts[(event, *labels)]

    def _add(self, n: int, *key: str) -> None:
        with self._lock:
            self._counts[key] += n

    def rejected(self, actor_class: str, reason: str) -> None:
        self._add(1, "rejected", actor_class, reason)

    def dropped(self, actor_class: str, count: int) -> None:
        self._add(count, "dropped", actor_class)

    def failed(self, actor_class: str) -> None:
        self._add(1, "failed", actor_class)

    def activated(self, directory: str) -> None:
        self._add(1, "activated", directory)

    def passivated(self, directory: str, reason: str) -> None:
        self._add(1, "passivated", directory, reason)

    def restarted(self, supervisor: str) -> None:
        self._add(1, "restarted", supervisor)

    def escalated(self, supervisor: str) -> None:
        self._add(1, "escalated", supervisor)


RECORDER = Recorder()
