"""One timer thread that runs short callbacks after a delay."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class TimerHandle:
    """A scheduled callback; ``cancel()`` prevents it from running if it has not yet."""

    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run the callback (no effect once it ran)."""
        self.cancelled = True


class Timers:
    """A heap of delayed callbacks served by one lazily started daemon thread.

    Callbacks run on the timer thread and must be short and non-blocking (typically a
    ``tell``); an exception in one is logged and does not affect the others.
    """

    def __init__(self, name: str = "actors-timer") -> None:
        self._name = name
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` on the timer thread after ``delay`` seconds.

        Raises:
            RuntimeError: if the timers were closed.
        """
        handle = TimerHandle(time.monotonic() + max(0.0, delay), callback)
        with self._cond:
            if self._closed:
                raise RuntimeError(f"timers {self._name} are closed")
            heapq.heappush(self._heap, (handle.when, next(self._seq), handle))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            # The thread sleeps until the earliest timer: wake it only when that changed
            # (a wake-up per timer was a context switch per player message, for pack timers
            # set 30 s ahead).
            if self._heap[0][2] is handle:
                self._cond.notify()
        return handle

    def close(self, timeout: float | None = 1.0) -> None:
        """Drop pending callbacks and stop the thread."""
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(wait)
                if self._closed:
                    return
                _, _, handle = heapq.heappop(self._heap)
            if handle.cancelled:
                continue
            try:
                handle.callback()
            except Exception:
                logger.exception("timer callback failed")
