"""The bench names the seconds of a load level where its slow replies were."""

from __future__ import annotations

from loadtests.drive import Result


def test_the_worst_seconds_point_at_where_the_slow_replies_were() -> None:
    # Second 0 is quiet, second 2 holds a burst of slow replies, second 5 one late reply.
    sent = [0.1, 0.5, 2.0, 2.1, 2.9, 5.5]
    latencies = [3.0, 4.0, 150.0, 230.0, 90.0, 120.0]
    result = Result(len(sent), len(sent), 0, 6.0, latencies, [], sent)

    assert result.worst_seconds(2) == [(2, 230.0, 2), (5, 120.0, 1)]
    assert result.summary()["worst_seconds"][-1] == (0, 4.0, 0)
