"""Shard ownership: fair shares, takeover on crash and on hang, fencing, graceful handoff."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from yabot.cluster.leases import Fenced, Lease, ShardCoordinator, check_fence, fair_shares

SHARDS = 8


def test_fair_shares_split_evenly_and_give_the_remainder_to_the_first_ids() -> None:
    assert fair_shares(["b", "a", "c"], 8) == {"a": 3, "b": 3, "c": 2}
    assert fair_shares(["a"], 8) == {"a": 8}
    assert sum(fair_shares([str(i) for i in range(5)], 64).values()) == 64
    assert fair_shares([], 8) == {}


class Member:
    """A coordinator with the callbacks an application would wire, recorded for asserts."""

    def __init__(self, dsn: str, name: str, lease_timeout_s: float) -> None:
        self.events: list[tuple[str, int, int]] = []
        self.coordinator = ShardCoordinator(
            dsn,
            shards=SHARDS,
            lease_timeout_s=lease_timeout_s,
            member_id=name,
            on_acquired=self._record("acquired"),
            on_releasing=self._record("releasing"),
            on_lost=self._record("lost"),
            interval_s=0.1,
        )

    def _record(self, kind: str) -> Any:
        async def record(lease: Lease) -> None:
            self.events.append((kind, lease.shard, lease.epoch))

        return record

    @property
    def shards(self) -> set[int]:
        return set(self.coordinator.owned)


async def _until(predicate: Any, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def _fence_holds(dsn: str, lease: Lease) -> bool:
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        try:
            check_fence(cursor, lease, "test")
        except Fenced:
            return False
        return True


async def test_members_share_the_shards_and_a_joiner_gets_them_by_graceful_handoff(
    pg_dsn: str,
) -> None:
    a = Member(pg_dsn, "a", lease_timeout_s=30)
    await a.coordinator.start()
    assert a.shards == set(range(SHARDS))
    b = Member(pg_dsn, "b", lease_timeout_s=30)
    await b.coordinator.start()
    await _until(lambda: len(a.shards) == 4 and len(b.shards) == 4)
    assert a.shards.isdisjoint(b.shards)
    released = {shard for kind, shard, _ in a.events if kind == "releasing"}
    assert released == b.shards  # a drained each shard before b could take it
    for shard in b.shards:
        assert b.coordinator.owned[shard].epoch == 2  # raised on a's and on b's acquisition
    await b.coordinator.stop()
    await _until(lambda: len(a.shards) == SHARDS)
    await a.coordinator.stop()


async def test_a_crashed_members_shards_are_taken_at_once_not_after_the_lease(
    pg_dsn: str,
) -> None:
    # A 60 s lease: only the dropped session (advisory lock gone) can explain a quick takeover.
    a = Member(pg_dsn, "a", lease_timeout_s=60)
    b = Member(pg_dsn, "b", lease_timeout_s=60)
    await a.coordinator.start()
    await b.coordinator.start()
    await _until(lambda: len(a.shards) == 4 and len(b.shards) == 4)
    b_leases = list(b.coordinator.owned.values())
    assert b.coordinator._task is not None and b.coordinator._conn is not None
    b.coordinator._task.cancel()  # the process dies: no more rounds, its session ends
    await b.coordinator._conn.close()
    await _until(lambda: len(a.shards) == SHARDS, timeout=10)
    for lease in b_leases:
        assert not _fence_holds(pg_dsn, lease)
        assert a.coordinator.owned[lease.shard].epoch == lease.epoch + 1
    await a.coordinator.stop()


async def test_a_hung_member_loses_its_shards_after_the_lease_and_is_fenced(
    pg_dsn: str,
) -> None:
    a = Member(pg_dsn, "a", lease_timeout_s=1.5)
    b = Member(pg_dsn, "b", lease_timeout_s=1.5)
    await a.coordinator.start()
    await b.coordinator.start()
    await _until(lambda: len(a.shards) == 4 and len(b.shards) == 4)
    b_leases = list(b.coordinator.owned.values())
    assert all(_fence_holds(pg_dsn, lease) for lease in b_leases)
    assert b.coordinator._task is not None
    b.coordinator._task.cancel()  # paused: the session (and its lock) stays, renewals stop
    await _until(lambda: len(a.shards) == SHARDS, timeout=10)
    assert not any(_fence_holds(pg_dsn, lease) for lease in b_leases)
    await b.coordinator.run_round()  # b wakes up: it learns it lost them, then rejoins
    lost = {shard for kind, shard, _ in b.events if kind == "lost"}
    assert lost == {lease.shard for lease in b_leases}
    await _until(lambda: len(a.shards) == 4, timeout=10)
    b.coordinator._task = asyncio.create_task(b.coordinator._loop())
    await _until(lambda: len(b.shards) == 4, timeout=10)
    await b.coordinator.stop()
    await a.coordinator.stop()


async def test_an_acquisition_waits_for_a_write_that_checked_the_fence(pg_dsn: str) -> None:
    a = Member(pg_dsn, "a", lease_timeout_s=0.5)
    await a.coordinator.start()
    lease = a.coordinator.owned[0]
    assert a.coordinator._task is not None
    a.coordinator._task.cancel()
    writer = await psycopg.AsyncConnection.connect(pg_dsn)
    async with writer.transaction():
        await writer.execute(
            "SELECT 1 FROM shard_leases WHERE shard = 0 AND owner = 'a' AND epoch = %s FOR SHARE",
            (lease.epoch,),
        )
        await asyncio.sleep(0.6)  # the lease expires while the write is in its transaction
        b = Member(pg_dsn, "b", lease_timeout_s=0.5)
        start = asyncio.create_task(b.coordinator.start())
        await asyncio.sleep(0.5)
        assert 0 not in b.shards  # blocked behind the writer's row lock
    await start
    await _until(lambda: 0 in b.shards)
    await writer.close()
    await b.coordinator.stop()


def test_check_fence_refuses_a_stale_epoch_of_the_same_member(pg_dsn: str) -> None:
    async def scenario() -> tuple[Lease, Lease]:
        first = Member(pg_dsn, "a", lease_timeout_s=30)
        await first.coordinator.start()
        old = first.coordinator.owned[3]
        await first.coordinator.stop()
        again = Member(pg_dsn, "a", lease_timeout_s=30)  # the same id, back after a restart
        again.coordinator.member_id = "a"
        await _rejoin(pg_dsn, again)
        new = again.coordinator.owned[3]
        return old, new

    old, new = asyncio.run(scenario())
    assert new.member_id == old.member_id and new.epoch == old.epoch + 1
    assert _fence_holds(pg_dsn, new)
    with pytest.raises(Fenced), psycopg.connect(pg_dsn) as conn, conn.cursor() as cursor:
        check_fence(cursor, old, "test")


async def _rejoin(dsn: str, member: Member) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM cluster_members WHERE member_id = %s", (member.coordinator.member_id,)
        )
    await member.coordinator.start()
    assert member.coordinator._task is not None
    member.coordinator._task.cancel()
