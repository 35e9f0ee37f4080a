"""The shared retry tools: exponential backoff with jitter, and the circuit breaker."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from yabot.resilience import Backoff, BreakerState, CircuitBreaker, CircuitOpenError


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value("yabot_circuit_breaker_state", {"name": name})


def test_opens_after_threshold_consecutive_failures_and_refuses_calls() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("t-open", failure_threshold=3, reset_s=5, clock=clock)
    breaker.record_failure("boom")
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()
    breaker.record_failure(RuntimeError("down"))
    assert breaker.health()["state"] == "open"
    assert gauge("t-open") == 1
    before = REGISTRY.get_sample_value("yabot_circuit_breaker_rejected_total", {"name": "t-open"})
    assert not breaker.allow()
    after = REGISTRY.get_sample_value("yabot_circuit_breaker_rejected_total", {"name": "t-open"})
    assert after == (before or 0) + 1
    assert breaker.seconds_until_probe() == pytest.approx(5)
    assert breaker.health()["last_error"] == "down"


def test_half_open_probe_closes_on_success_and_reopens_on_failure() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("t-probe", failure_threshold=1, reset_s=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow() and breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # one probe at a time
    breaker.record_failure()
    assert breaker.health()["state"] == "open" and not breaker.allow()
    clock.now += 5
    assert breaker.allow()
    breaker.record_success()
    assert breaker.health()["state"] == "closed" and gauge("t-probe") == 0


def test_a_lost_probe_is_replaced_after_the_reset_time() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("t-lost", failure_threshold=1, reset_s=2, clock=clock)
    breaker.record_failure()
    clock.now += 2
    assert breaker.allow()
    clock.now += 2
    assert breaker.allow()


def test_call_wraps_a_function() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("t-call", failure_threshold=1, reset_s=1, clock=clock)
    assert breaker.call(lambda x: x + 1, 1) == 2

    def fail() -> None:
        raise OSError("refused")

    with pytest.raises(OSError):
        breaker.call(fail)
    with pytest.raises(CircuitOpenError, match="t-call circuit is open"):
        breaker.call(lambda: None)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker("x", failure_threshold=0, reset_s=1)
    with pytest.raises(ValueError, match="reset_s"):
        CircuitBreaker("x", failure_threshold=1, reset_s=0)


def test_an_abandoned_probe_lets_the_next_call_probe_at_once() -> None:
    clock = FakeClock()
    changes: list[BreakerState] = []
    breaker = CircuitBreaker(
        "t-abandon", failure_threshold=1, reset_s=5, clock=clock, on_change=changes.append
    )
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow() and breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # one probe at a time
    breaker.abandon_probe()
    assert breaker.seconds_until_probe() == 0 and breaker.allow()
    breaker.record_success()
    assert changes == [
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
        BreakerState.HALF_OPEN,  # abandoned: waiters are woken
        BreakerState.HALF_OPEN,
        BreakerState.CLOSED,
    ]
    breaker.abandon_probe()  # closed: nothing to abandon
    assert breaker.state is BreakerState.CLOSED and len(changes) == 5


@pytest.mark.parametrize("attempt", range(1, 12))
def test_backoff_doubles_to_its_cap_with_equal_jitter(attempt: int) -> None:
    backoff = Backoff(base_s=0.5, max_s=30.0)
    ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
    delays = [backoff.delay(attempt) for _ in range(200)]
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert max(delays) - min(delays) > ceiling / 4  # it really is spread
    assert Backoff(0.5, 30.0, jitter=False).delay(attempt) == ceiling


def test_backoff_edges() -> None:
    assert Backoff(0.5, 30.0).delay(0) == 0.0
    assert Backoff(0.0, 30.0).delay(3) == 0.0
    assert Backoff(1.0, 60.0, jitter=False).delay(10_000) == 60.0  # no overflow
