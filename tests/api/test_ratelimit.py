"""The login attempt limiter never lets more than `limit` attempts into any window."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.api.ratelimit import AttemptLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 5),
    steps=st.lists(st.tuples(st.sampled_from("ab"), st.floats(0, 3)), max_size=60),
)
def test_no_window_ever_holds_more_than_limit_attempts(
    limit: int, steps: list[tuple[str, float]]
) -> None:
    clock = FakeClock()
    limiter = AttemptLimiter(limit, 5.0, clock=clock)
    allowed: dict[str, list[float]] = {"a": [], "b": []}
    for key, advance in steps:
        clock.now += advance
        retry_after = limiter.try_acquire(key)
        recent = [t for t in allowed[key] if t > clock.now - 5.0]
        if retry_after == 0.0:
            allowed[key].append(clock.now)
            assert len(recent) + 1 <= limit
        else:
            assert len(recent) == limit  # refused only when the window is really full
            assert 0 < retry_after <= 5.0


def test_refusals_end_when_the_window_slides() -> None:
    clock = FakeClock()
    limiter = AttemptLimiter(2, 10.0, clock=clock)
    assert limiter.try_acquire("k") == 0.0
    clock.now += 4
    assert limiter.try_acquire("k") == 0.0
    assert limiter.try_acquire("k") == 6.0
    clock.now += 6
    assert limiter.try_acquire("k") == 0.0
    limiter.reset("k")
    assert limiter.try_acquire("k") == 0.0


def test_tracked_keys_are_bounded() -> None:
    clock = FakeClock()
    limiter = AttemptLimiter(1, 60.0, max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        assert limiter.try_acquire(key) == 0.0
    assert limiter.try_acquire("a") > 0  # still tracked (and now most recently used)
    limiter.try_acquire("d")  # evicts "b", the least recently used
    assert limiter.try_acquire("b") == 0.0
    assert limiter.try_acquire("a") > 0
