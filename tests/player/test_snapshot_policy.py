"""When an actor snapshots: every N transitions, or T seconds after the oldest one not covered."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from yabot.player.snapshot_policy import SnapshotPolicy


def test_a_first_transition_after_a_long_idle_is_not_snapshotted_alone() -> None:
    policy = SnapshotPolicy(every=20, every_s=60.0)
    assert not policy.transition(now=10_000.0)  # idle for hours: the inbox holds it
    assert not policy.transition(now=10_030.0)
    assert policy.transition(now=10_060.0)  # 60 s after the oldest transition not covered
    assert policy.taken() == 3
    assert not policy.transition(now=10_061.0)


def test_each_key_has_its_own_period_within_half_and_all_of_every_s() -> None:
    periods = [SnapshotPolicy.for_key(user, 20, 60.0).every_s for user in range(1, 5001)]
    assert all(30.0 < p <= 60.0 for p in periods)
    assert SnapshotPolicy.for_key(42, 20, 60.0) == SnapshotPolicy.for_key(42, 20, 60.0)
    assert max(periods) - min(periods) > 25.0  # spread over the range, not clustered


def test_every_n_transitions_are_snapshotted_however_fast_they_come() -> None:
    policy = SnapshotPolicy(every=3, every_s=60.0)
    due = [policy.transition(now=1.0 + i * 0.001) for i in range(3)]
    assert due == [False, False, True]
    assert policy.taken() == 3


def test_players_woken_together_do_not_snapshot_together() -> None:
    # 10,000 players woken at t=0 (a start-up, a broadcast) come back after 3 minutes and
    # act every 10 s on average: snapshots spread out instead of one per update at first.
    rng = random.Random(7)
    policies = [SnapshotPolicy.for_key(user, every=20, every_s=60.0) for user in range(10_000)]
    clock = [180.0 + rng.uniform(0, 10) for _ in policies]
    per_second: dict[int, int] = {}
    for _ in range(12):  # two minutes of play
        for index, policy in enumerate(policies):
            if policy.transition(clock[index]):
                policy.taken()
                second = int(clock[index])
                per_second[second] = per_second.get(second, 0) + 1
            clock[index] += rng.expovariate(1 / 10)
    first_ten_seconds = sum(n for s, n in per_second.items() if s < 190)
    assert first_ten_seconds == 0  # was 10,000: every player's first transition
    # Later, about one snapshot per player per minute: 10,000 / 60 s, never a herd.
    assert max(per_second.values()) < 3 * 10_000 / 60


@given(
    gaps=st.lists(st.floats(min_value=0, max_value=200), min_size=1, max_size=60),
    every=st.integers(min_value=1, max_value=25),
)
def test_no_transition_waits_longer_than_the_bounds_for_a_snapshot(
    gaps: list[float], every: int
) -> None:
    policy = SnapshotPolicy(every=every, every_s=60.0)
    now = 0.0
    for gap in gaps:
        now += gap
        oldest = policy.oldest_at if policy.oldest_at is not None else now
        pending = policy.pending + 1
        due = policy.transition(now)
        # Due exactly when N transitions wait, or the oldest waited T seconds.
        assert due == (pending >= every or now - oldest >= 60.0)
        if due:
            assert policy.taken() == pending
