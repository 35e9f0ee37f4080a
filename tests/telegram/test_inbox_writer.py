"""The inbox writer: group commits on its thread, each caller settled with its own result, and
one wake-up of the caller's event loop per group, not one per update."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from yabot.storage.inbox import Appended, Arrival
from yabot.telegram.inbox_writer import InboxWriter
from yabot.telegram.sink import Overloaded
from yabot.telegram.types import parse_update


class GatedInbox:
    """Holds the first append until released, so the rest queue up into one group."""

    def __init__(self, fail: bool = False) -> None:
        self.gate = threading.Event()
        self.groups: list[list[int]] = []
        self.fail = fail

    def append_many(self, entries: Sequence[Arrival]) -> list[Appended]:
        self.gate.wait(5)
        self.groups.append([e.update_id for e in entries])
        if self.fail and len(self.groups) > 1:
            raise RuntimeError("database away")
        return [Appended(1000 + e.update_id, e.update_id % 2 == 0) for e in entries]


def _update(update_id: int) -> object:
    raw = (
        f'{{"update_id":{update_id},"message":{{"message_id":1,"date":1,'
        f'"chat":{{"id":5,"type":"private"}},"from":{{"id":5,"is_bot":false,"first_name":"a"}},'
        f'"text":"hi"}}}}'
    ).encode()
    return parse_update(raw, 1.0)


@pytest.mark.parametrize("fail", [False, True], ids=["stored", "refused"])
def test_a_group_settles_every_caller_with_one_wake_up_of_its_loop(fail: bool) -> None:
    inbox = GatedInbox(fail)
    writer = InboxWriter(inbox)  # type: ignore[arg-type]  # append_many is all it uses

    async def scenario() -> tuple[list[object], int]:
        loop = asyncio.get_running_loop()
        wakeups = 0
        threadsafe = loop.call_soon_threadsafe

        def counted(*args: object, **kwargs: object) -> object:
            nonlocal wakeups
            wakeups += 1
            return threadsafe(*args, **kwargs)  # type: ignore[arg-type]

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign,assignment]
        first = asyncio.ensure_future(writer.append(_update(0)))  # type: ignore[arg-type]
        await asyncio.sleep(0.05)  # the writer holds it at the gate
        rest = [
            asyncio.ensure_future(writer.append(_update(n)))  # type: ignore[arg-type]
            for n in range(1, 41)
        ]
        await asyncio.sleep(0.05)
        inbox.gate.set()
        results = await asyncio.gather(first, *rest, return_exceptions=True)
        return list(results), wakeups

    results, wakeups = asyncio.run(scenario())
    writer.close()
    assert inbox.groups == [[0], list(range(1, 41))]
    assert wakeups == 2  # one per group
    assert results[0] == Appended(1000, True)
    if fail:
        assert all(isinstance(r, Overloaded) for r in results[1:])
    else:
        assert results[1:] == [Appended(1000 + n, n % 2 == 0) for n in range(1, 41)]
