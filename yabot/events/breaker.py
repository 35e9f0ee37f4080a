"""A small circuit breaker for the relay's Redis calls (one caller thread at a time)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Opens after ``failures`` consecutive failures; lets one probe through after ``reset_s``.

    Args:
        failures: Consecutive failures that open the circuit.
        reset_s: Time the circuit stays open before a half-open probe.
        clock: Monotonic clock (tests pass a fake one).
    """

    def __init__(
        self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failures < 1 or reset_s <= 0:
            raise ValueError("failures must be >= 1 and reset_s > 0")
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._half_open = False

    @property
    def state(self) -> BreakerState:
        """The current state."""
        if self._opened_at is None:
            return "closed"
        if self._half_open or self._clock() - self._opened_at >= self._reset_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """True when a call may be attempted now."""
        state = self.state
        if state == "half_open":
            self._half_open = True
        return state != "open"

    def success(self) -> None:
        """Record a successful call: the circuit closes."""
        self._failures = 0
        self._opened_at = None
        self._half_open = False

    def failure(self) -> bool:
        """Record a failed call; returns True when this failure opened the circuit."""
        self._failures += 1
        if self._half_open or (self._opened_at is None and self._failures >= self._threshold):
            was_closed = self._opened_at is None
            self._opened_at = self._clock()
            self._half_open = False
            return was_closed
        return False
