"""The bench's stage breakdown reads quantiles of one load level from two metric scrapes."""

from __future__ import annotations

from loadtests.stages import quantile_bound

INF = float("inf")


def test_quantiles_count_only_what_was_observed_between_the_scrapes() -> None:
    before = {0.01: 100.0, 0.1: 100.0, 1.0: 100.0, INF: 100.0}  # an earlier level, all fast
    # This level: 98 fast, 1 under 100 ms, 1 under a second.
    after = {0.01: 198.0, 0.1: 199.0, 1.0: 200.0, INF: 200.0}
    assert quantile_bound(before, after, 0.5) == 0.01
    assert quantile_bound(before, after, 0.99) == 0.1
    assert quantile_bound(before, after, 1.0) == 1.0


def test_nothing_observed_reads_zero() -> None:
    same = {0.01: 5.0, INF: 5.0}
    assert quantile_bound(same, same, 0.99) == 0.0
