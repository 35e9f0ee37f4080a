"""The two retry tools every part of YABOT shares: exponential backoff and a circuit breaker.

Backoff::

    retry = Backoff(base_s=0.5, max_s=30.0)
    await asyncio.sleep(retry.delay(attempt))   # 0.25-0.5 s, 0.5-1 s, 1-2 s ... up to 15-30 s

Circuit breaker::

    breaker = CircuitBreaker("mongodb", failure_threshold=3, reset_s=5.0)
    if breaker.allow():
        try:
            do_io()
        except StoreDown:
            breaker.record_failure()
        else:
            breaker.record_success()

or ``breaker.call(do_io)``, which raises :class:`CircuitOpenError` while the circuit is open.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

from prometheus_client import Counter, Gauge

from yabot.observability.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

BREAKER_STATE = Gauge(
    "yabot_circuit_breaker_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open", ["name"]
)
BREAKER_REJECTED = Counter(
    "yabot_circuit_breaker_rejected_total", "Calls refused while a circuit was open", ["name"]
)
BREAKER_OPENED = Counter("yabot_circuit_breaker_opened_total", "Times a circuit opened", ["name"])


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with "equal jitter": attempt ``n`` waits between half and all of
    ``min(max_s, base_s * 2 ** (n - 1))`` (all of it with ``jitter=False``).

    Jitter keeps many callers that failed together from retrying together; the lower half
    bound keeps a retry from coming back at once.

    Args:
        base_s: The first delay's ceiling.
        max_s: The largest delay.
        jitter: Draw the delay at random in its upper half.
    """

    base_s: float
    max_s: float
    jitter: bool = True

    def delay(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1 for the first retry; 0 below 1)."""
        if attempt < 1 or self.base_s <= 0:
            return 0.0
        ceiling = min(self.max_s, self.base_s * 2.0 ** min(attempt - 1, 64))
        return random.uniform(ceiling / 2, ceiling) if self.jitter else ceiling


class BreakerState(IntEnum):
    """The gauge value of each state."""

    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


class CircuitOpenError(Exception):
    """Raised by :meth:`CircuitBreaker.call` while the circuit is open."""


class CircuitBreaker:
    """Counts consecutive failures of a dependency and stops calling it for a while.

    Closed: calls pass; ``failure_threshold`` consecutive failures open the circuit.
    Open: calls are refused until ``reset_s`` has passed, then one probe is let through
    (half-open). A successful probe closes the circuit, a failed one opens it again. A probe
    that never reports back is replaced by a new one after another ``reset_s``, or at once
    after :meth:`abandon_probe`.

    Its state is ``yabot_circuit_breaker_state{name}``; each opening and refusal is counted.

    Args:
        name: The dependency (metric label and log field).
        failure_threshold: Consecutive failures that open the circuit.
        reset_s: How long the circuit stays open before a probe.
        clock: Monotonic time source.
        on_change: Called with the new state after each change (under the breaker's lock:
            it must not call the breaker), e.g. to wake callers waiting for a probe.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        reset_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1, got {failure_threshold}")
        if reset_s <= 0:
            raise ValueError(f"reset_s must be > 0, got {reset_s}")
        self.name = name
        self._threshold = failure_threshold
        self._reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._changed_at = clock()
        self._last_error: str | None = None
        self._on_change = on_change
        BREAKER_STATE.labels(name).set(BreakerState.CLOSED)

    @property
    def state(self) -> BreakerState:
        """The current state (an open circuit past its reset time still reads OPEN)."""
        return self._state

    def allow(self) -> bool:
        """Return True if a call may go ahead now (counts a refusal otherwise)."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            if self._clock() - self._changed_at >= self._reset_s:
                self._set(BreakerState.HALF_OPEN)
                return True
            BREAKER_REJECTED.labels(self.name).inc()
            return False

    def seconds_until_probe(self) -> float:
        """Seconds until ``allow`` would let a call through (0 when closed)."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return 0.0
            return max(0.0, self._reset_s - (self._clock() - self._changed_at))

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        with self._lock:
            self._failures = 0
            if self._state is not BreakerState.CLOSED:
                self._set(BreakerState.CLOSED)

    def record_failure(self, error: BaseException | str | None = None) -> None:
        """A call failed: count it, and open the circuit at the threshold or after a probe."""
        with self._lock:
            self._failures += 1
            if error is not None:
                self._last_error = str(error)[:300]
            if self._state is BreakerState.HALF_OPEN or (
                self._state is BreakerState.CLOSED and self._failures >= self._threshold
            ):
                BREAKER_OPENED.labels(self.name).inc()
                self._set(BreakerState.OPEN)

    def abandon_probe(self) -> None:
        """The half-open probe ended without an answer (e.g. cancelled): let the next call
        probe now instead of after another ``reset_s``."""
        with self._lock:
            if self._state is BreakerState.HALF_OPEN:
                self._changed_at = self._clock() - self._reset_s
                if self._on_change is not None:
                    self._on_change(self._state)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` through the breaker; any exception it raises counts as a failure.

        Raises:
            CircuitOpenError: The circuit is open; ``fn`` was not called.
        """
        if not self.allow():
            raise CircuitOpenError(
                f"{self.name} circuit is open; next probe in {self.seconds_until_probe():.1f}s"
            )
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            self.record_failure(exc)
            raise
        self.record_success()
        return result

    def health(self) -> dict[str, Any]:
        """State, consecutive failures, seconds in this state and the last error message."""
        with self._lock:
            return {
                "name": self.name,
                "state": self._state.name.lower(),
                "consecutive_failures": self._failures,
                "seconds_in_state": round(self._clock() - self._changed_at, 3),
                "last_error": self._last_error,
            }

    def _set(self, state: BreakerState) -> None:
        previous = self._state
        self._state = state
        self._changed_at = self._clock()
        BREAKER_STATE.labels(self.name).set(state)
        event = (
            "circuit_closed" if state is BreakerState.CLOSED else "circuit_" + state.name.lower()
        )
        level = log.info if state is not BreakerState.OPEN else log.warning
        level(event, breaker=self.name, previous=previous.name.lower(), failures=self._failures)
        if self._on_change is not None:
            self._on_change(state)
