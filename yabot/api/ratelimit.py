"""A bounded in-memory sliding-window counter of attempts per key."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class AttemptLimiter:
    """Allows at most ``limit`` attempts per key in any ``window_s`` seconds.

    Memory is bounded: at most ``max_keys`` keys are tracked; past that the least recently
    used key is forgotten (an attacker spraying keys can only reset their own counters).
    Safe to call from several threads.

    Args:
        limit: Attempts allowed per window.
        window_s: Window length in seconds.
        max_keys: Keys tracked at most.
        clock: Monotonic time source (injectable for tests).
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("limit and max_keys must be >= 1 and window_s > 0")
        self._limit = limit
        self._window_s = window_s
        self._max_keys = max_keys
        self._clock = clock
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def try_acquire(self, key: str) -> float:
        """Count one attempt for ``key`` if allowed.

        Returns:
            0.0 when the attempt is allowed (and counted); otherwise the seconds until the
            oldest attempt leaves the window (the attempt is not counted).
        """
        now = self._clock()
        with self._lock:
            stamps = self._attempts.get(key)
            if stamps is None:
                stamps = deque()
                self._attempts[key] = stamps
                while len(self._attempts) > self._max_keys:
                    self._attempts.popitem(last=False)
            else:
                self._attempts.move_to_end(key)
            while stamps and stamps[0] <= now - self._window_s:
                stamps.popleft()
            if len(stamps) >= self._limit:
                # clamped: float rounding may put the sum a hair past the window
                return min(max(stamps[0] + self._window_s - now, 0.001), self._window_s)
            stamps.append(now)
            return 0.0

    def reset(self, key: str) -> None:
        """Forget ``key``'s attempts (e.g. after a successful login)."""
        with self._lock:
            self._attempts.pop(key, None)
