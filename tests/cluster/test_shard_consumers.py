"""The shard consumers' hand-over: order, and no second decrypt and parse of an update this
instance's ingress stored (``ShardConsumers.stored``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

from yabot.cluster.leases import Lease
from yabot.cluster.node import ShardConsumers
from yabot.shards import shard_of

SHARDS = 4
USER = 7
SHARD = shard_of(USER, SHARDS)


@dataclass(frozen=True)
class Entry:
    seq: int
    payload: bytes
    received_at: float
    shard: int


@dataclass(frozen=True)
class Update:
    user_id: int | None
    text: str


class Inbox:
    """Entries of one shard; records which seqs each read was told it knows."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.known: list[set[int]] = []

    def shards_entries(
        self, after: Mapping[int, int], limit: int = 1000, *, known: Container[int] = ()
    ) -> list[Entry]:
        self.known.append({e.seq for e in self.entries if e.seq in known})
        return [
            Entry(e.seq, b"" if e.seq in known else e.payload, e.received_at, e.shard)
            for e in self.entries
            if e.shard in after and e.seq > after[e.shard]
        ][:limit]


class Router:
    def __init__(self) -> None:
        self.handed: list[tuple[Any, int]] = []

    def hand_over(self, update: Any, seq: int) -> None:
        self.handed.append((update, seq))

    def drop_deferred(self, keep: Callable[[int], bool]) -> int:
        return 0


class Replies:
    async def resend_shard(self, shard: int, epoch: int | None = None) -> int:
        return 0


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_a_locally_stored_update_is_handed_over_without_being_parsed_again() -> None:
    parsed: list[bytes] = []

    def parse(payload: bytes, received_at: float) -> Update:
        assert payload, "a known entry's payload was not decrypted: it must not be parsed"
        parsed.append(payload)
        return Update(USER, payload.decode())

    async def scenario() -> tuple[Router, Inbox, ShardConsumers]:
        # Entry 1 came through another instance; entry 2 through this one's ingress.
        inbox = Inbox([Entry(1, b"remote", 1.0, SHARD), Entry(2, b"local", 2.0, SHARD)])
        router = Router()
        consumers = ShardConsumers(
            "postgresql://unused",
            inbox,
            router,
            directory=None,  # type: ignore[arg-type]  # nothing is passivated here
            replies=Replies(),
            shards=SHARDS,
            parse=parse,
        )
        consumers._listen = _no_listen  # type: ignore[method-assign]  # no database here
        local = Update(USER, "local, parsed by ingress")
        await consumers.on_acquired(Lease(SHARD, 1, "me"))
        consumers.stored(local, 2)  # before the consumer is ready: kept for its entry
        consumers.start()
        await _until(lambda: len(router.handed) == 2)
        await consumers.stop()
        return router, inbox, consumers

    router, inbox, consumers = asyncio.run(scenario())
    assert [seq for _, seq in router.handed] == [1, 2]
    assert router.handed[1][0] == Update(USER, "local, parsed by ingress")  # the same object
    assert parsed == [b"remote"]  # only the other instance's entry was decrypted and parsed
    assert {2} in inbox.known
    assert consumers.cursors() == {}


async def _no_listen() -> None:
    await asyncio.Event().wait()


def test_a_notification_of_entries_already_read_wakes_nobody() -> None:
    async def scenario() -> list[bool]:
        consumers = ShardConsumers(
            "postgresql://unused",
            Inbox([]),
            Router(),
            directory=None,  # type: ignore[arg-type]
            replies=Replies(),
            shards=SHARDS,
            parse=lambda payload, at: Update(USER, ""),
        )
        await consumers.on_acquired(Lease(SHARD, 1, "me"))
        consumers._consumers[SHARD].cursor = 5  # entries up to seq 5 were handed over
        woken = []
        for payload in (
            f"{SHARD}:5",
            f"{SHARD}:4,{(SHARD + 1) % SHARDS}:9",
            f"{SHARD}:6",
            f"{SHARD}",
        ):
            consumers._wake.clear()
            consumers._news.clear()
            consumers._noted(payload)
            woken.append(consumers._wake.is_set() and consumers._news == {SHARD})
        await consumers.stop()
        return woken

    # Read already / read already (the other shard is not ours) / news / no seq: read.
    assert asyncio.run(scenario()) == [False, False, True, True]
