"""A bounded set of worker threads that run actor turns."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from actors._timers import TimerHandle, Timers

logger = logging.getLogger(__name__)

_STOP = object()


class PoolShutDown(RuntimeError):
    """Work was submitted to a WorkerPool after ``shutdown()``."""


class WorkerPool:
    """``size`` threads taking tasks (actor turns) from one FIFO queue.

    A task is a zero-argument callable; it must not block for long, since it holds one of
    the pool's threads. The pool also owns one timer thread (``call_later``).

    Args:
        size: number of worker threads (>= 1).
        name: prefix of the thread names.
    """

    def __init__(self, size: int, name: str = "actors") -> None:
        if size < 1:
            raise ValueError(f"WorkerPool size must be >= 1, got {size}")
        self.size = size
        self.name = name
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._timers = Timers(f"{name}-timer")
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(size)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def closed(self) -> bool:
        """True once ``shutdown()`` was called."""
        return self._closed

    def submit(self, task: Callable[[], None]) -> None:
        """Queue ``task`` to run on a worker thread (FIFO).

        Raises:
            PoolShutDown: if the pool was shut down.
        """
        if self._closed:
            raise PoolShutDown(f"worker pool {self.name} is shut down")
        self._queue.put(task)

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Run a short, non-blocking ``callback`` on the pool's timer thread after ``delay`` s."""
        return self._timers.call_later(delay, callback)

    def shutdown(self, timeout: float | None = 5.0, *, drop_queued: bool = False) -> bool:
        """Run the tasks already queued, then stop the workers and the timer thread.

        Args:
            timeout: Seconds to wait for the worker threads at most; None waits for them.
            drop_queued: Stop right after the tasks running now; the queued ones never run
                (their number is logged). For a shutdown that has run out of time.

        Returns:
            True if every worker thread exited within ``timeout`` seconds.
        """
        with self._lock:
            if not self._closed:
                self._closed = True
                if drop_queued:
                    self._drop_queued()
                for _ in self._threads:
                    self._queue.put(_STOP)
        self._timers.close(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        current = threading.current_thread()
        for thread in self._threads:
            if thread is current:
                continue
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(remaining)
        return not any(t.is_alive() for t in self._threads if t is not current)

    def _drop_queued(self) -> None:
        dropped = 0
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            dropped += 1
        if dropped:
            logger.warning(
                "worker pool %s dropped %d queued turns at shutdown",
                self.name,
                dropped,
                extra={"pool": self.name, "dropped": dropped},
            )

    def _work(self) -> None:
        get = self._queue.get
        while True:
            task = get()
            if task is _STOP:
                return
            try:
                task()  # type: ignore[operator]
            except BaseException:
                logger.exception("actor turn raised outside the actor's own handling")
