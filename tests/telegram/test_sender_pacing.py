"""Properties of the sender's per-chat pacing, for any pattern of submissions and 429 pauses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.telegram.sender import _Pacer

gaps = st.lists(st.floats(0, 3, allow_nan=False), min_size=1, max_size=40)


def send_times(pacer: _Pacer, arrivals: list[float], pauses: dict[int, float]) -> list[float]:
    """Simulate one chat's lane: each call waits for the pacer, then is charged when sent."""
    sent: list[float] = []
    clock = 0.0
    for index, arrival in enumerate(arrivals):
        clock = max(clock, arrival)
        clock += pacer.wait_time(clock)
        pacer.commit(clock)
        sent.append(clock)
        if index in pauses:
            pacer.pause(clock + pauses[index])
    return sent


@settings(max_examples=300, deadline=None)
@given(
    gaps,
    st.floats(0.1, 50, allow_nan=False),
    st.integers(1, 10),
    st.dictionaries(st.integers(0, 39), st.floats(0.5, 5, allow_nan=False), max_size=3),
)
def test_no_window_holds_more_than_burst_plus_rate(
    arrival_gaps: list[float], rate: float, burst: int, pauses: dict[int, float]
) -> None:
    arrivals = [sum(arrival_gaps[: i + 1]) for i in range(len(arrival_gaps))]
    sent = send_times(_Pacer(rate, burst), arrivals, pauses)
    assert sent == sorted(sent)
    assert all(s >= a for s, a in zip(sent, arrivals, strict=True))
    for first in range(len(sent)):
        for last in range(first, len(sent)):
            window = sent[last] - sent[first]
            assert last - first + 1 <= burst + window * rate + 1e-6
    for index, pause in pauses.items():
        if index + 1 < len(sent):
            assert sent[index + 1] >= sent[index] + pause - 1e-9


@settings(max_examples=100, deadline=None)
@given(st.floats(0.1, 50, allow_nan=False), st.integers(1, 10))
def test_an_idle_chat_gets_its_burst_back(rate: float, burst: int) -> None:
    pacer = _Pacer(rate, burst)
    assert send_times(pacer, [0.0] * burst, {}) == pytest.approx([0.0] * burst, abs=1e-9)
    later = 1000.0
    assert send_times(pacer, [later] * burst, {}) == pytest.approx([later] * burst, abs=1e-9)
    assert pacer.rested(later + burst / rate + 1e-6)
