from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from yabot.storage.breaker import BreakerState, CircuitBreaker, CircuitOpenError


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
