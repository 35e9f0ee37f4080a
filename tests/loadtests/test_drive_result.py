"""The bench names the seconds of a load level where its slow replies were."""

from __future__ import annotations

import asyncio

from loadtests.drive import Driver, Result


def test_the_worst_seconds_point_at_where_the_slow_replies_were() -> None:
    # Second 0 is quiet, second 2 holds a burst of slow replies, second 5 one late reply.
    sent = [0.1, 0.5, 2.0, 2.1, 2.9, 5.5]
    latencies = [3.0, 4.0, 150.0, 230.0, 90.0, 120.0]
    result = Result(len(sent), len(sent), 0, 6.0, latencies, [], sent)

    assert result.worst_seconds(2) == [(2, 230.0, 2), (5, 120.0, 1)]
    assert result.summary()["worst_seconds"][-1] == (0, 4.0, 0)


class _ScriptedReplies(Driver):
    """A driver whose emulator answers with the given reply times, one answer per poll."""

    def __init__(self, answers: list[dict[int, list[float]]]) -> None:
        super().__init__("http://127.0.0.1:9/telegram/webhook", "http://127.0.0.1:9", 1)
        self.answers = answers
        self.polls = 0

    async def replies(self) -> dict[int, list[float]]:
        answer = self.answers[min(self.polls, len(self.answers) - 1)]
        self.polls += 1
        return answer


def test_a_surplus_reply_in_one_chat_does_not_stand_in_for_a_missing_one() -> None:
    posted = {1: [0.0], 2: [0.0]}
    # Chat 1 got its reply twice (a retried call that had gone through); chat 2's is late.
    driver = _ScriptedReplies([{1: [0.1, 0.2]}, {1: [0.1, 0.2]}, {1: [0.1, 0.2], 2: [0.3]}])
    got = asyncio.run(driver.settle(quiet_s=0.001, expect=2, posted=posted))
    assert (got, driver.polls) == (2, 3)
