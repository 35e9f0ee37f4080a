"""Shard ownership: fair shares, takeover on crash and on hang, fencing, graceful handoff."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from yabot.cluster.leases import Fenced, Lease, ShardCoordinator, check_fence, fair_shares
from yabot.storage.postgres.fencing import fence_shards

SHARDS = 8


def test_fair_shares_split_evenly_and_give_the_remainder_to_the_first_ids() -> None:
    assert fair_shares(["b", "a", "c"], 8) == {"a": 3, "b": 3, "c": 2}
    assert fair_shares(["a"], 8) == {"a": 8}
    assert sum(fair_shares([str(i) for i in range(5)], 64).values()) == 64
    assert fair_shares([], 8) == {}


class Member:
    """A coordinator with the callbacks an application would wire, recorded for asserts."""

    def __init__(
        self, dsn: str, name: str, lease_timeout_s: float, interval_s: float = 0.1
    ) -> None:
        self.events: list[tuple[str, int, int]] = []
        self.coordinator = ShardCoordinator(
            dsn,
            shards=SHARDS,
            lease_timeout_s=lease_timeout_s,
            member_id=name,
            on_acquired=self._record("acquired"),
            on_releasing=self._record("releasing"),
            on_lost=self._record("lost"),
            interval_s=interval_s,
        )

    def _record(self, kind: str) -> Any:
        async def record(lease: Lease) -> None:
            self.events.append((kind, lease.shard, lease.epoch))

        return record

    @property
    def shards(self) -> set[int]:
        return set(self.coordinator.owned)


async def _crash(coordinator: ShardCoordinator) -> None:
    """What SIGKILL does to a member: its rounds and renewals stop, its sessions end."""
    coordinator.pause()
    for task in (coordinator._listener, coordinator._ticker):
        assert task is not None
        task.cancel()
    coordinator._renewer_stop.set()
    assert coordinator._renewer is not None and coordinator._conn is not None
    await asyncio.to_thread(coordinator._renewer.join)
    await coordinator._conn.close()


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
    await _crash(b.coordinator)  # the process dies: no more rounds, its sessions end
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
    b_leases_shards = [lease.shard for lease in b_leases]
    assert all(_fence_holds(pg_dsn, lease) for lease in b_leases)
    b.coordinator.pause()  # paused: the sessions (and the lock) stay, renewals stop
    await asyncio.sleep(1.5 * 0.9)
    # Its own deadline passed before the database's: it offers no lease to write with.
    assert all(b.coordinator.lease(lease.shard) is None for lease in b_leases)
    await _until(lambda: len(a.shards) == SHARDS, timeout=10)
    assert not any(_fence_holds(pg_dsn, lease) for lease in b_leases)
    await asyncio.to_thread(b.coordinator.renew_once)  # b wakes up: it learns it lost them
    await _until(lambda: {s for kind, s, _ in b.events if kind == "lost"} == set(b_leases_shards))
    b.coordinator.resume()  # ... then rejoins and gets its share by graceful handoff
    await _until(lambda: len(a.shards) == 4, timeout=10)
    await _until(lambda: len(b.shards) == 4, timeout=10)
    await b.coordinator.stop()
    await a.coordinator.stop()


async def test_an_acquisition_waits_for_a_write_that_checked_the_fence(pg_dsn: str) -> None:
    a = Member(pg_dsn, "a", lease_timeout_s=0.5)
    await a.coordinator.start()
    lease = a.coordinator.owned[0]
    a.coordinator.pause()
    writer = psycopg.connect(pg_dsn)  # the fence check as the stores run it (no await inside)
    with writer.transaction(), writer.cursor() as cursor:
        check_fence(cursor, lease, "test")
        await asyncio.sleep(0.6)  # the lease expires while the write is in its transaction
        b = Member(pg_dsn, "b", lease_timeout_s=0.5)
        start = asyncio.create_task(b.coordinator.start())
        await asyncio.sleep(0.5)
        assert 0 not in b.shards  # blocked behind the writer's row lock
    await start
    await _until(lambda: 0 in b.shards)
    writer.close()
    await b.coordinator.stop()


async def test_a_renewal_never_waits_for_the_shards_writers(pg_dsn: str) -> None:
    # The fence's row lock must not make the owner's renewal queue behind its own writers
    # (and every later writer behind the renewal): under load that stalled every write.
    a = Member(pg_dsn, "a", lease_timeout_s=30)
    await a.coordinator.start()
    a.coordinator.pause()  # only the renewal below touches the lease rows
    leases = [a.coordinator.owned[0], a.coordinator.owned[1]]
    writer = psycopg.connect(pg_dsn)
    try:
        with writer.transaction(), writer.cursor() as cursor:
            check_fence(cursor, leases[0], "test")
            fence_shards(cursor, a.coordinator, [1], "test")
            renewal = asyncio.create_task(asyncio.to_thread(a.coordinator.renew_once))
            await asyncio.sleep(1.0)
            assert renewal.done()  # it did not wait for the writer's commit
        await renewal
    finally:
        writer.close()
        a.coordinator.resume()
        await a.coordinator.stop()


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
    member.coordinator.pause()


async def test_a_slow_handoff_never_starves_the_renewal_of_the_other_leases(pg_dsn: str) -> None:
    # Each graceful handoff of a takes 2 leases; its other shards must stay renewed meanwhile.
    a = Member(pg_dsn, "a", lease_timeout_s=1.5)
    await a.coordinator.start()

    async def slow_handoff(lease: Lease) -> None:
        a.events.append(("releasing", lease.shard, lease.epoch))
        await asyncio.sleep(3.0)

    a.coordinator._on_releasing = slow_handoff
    b = Member(pg_dsn, "b", lease_timeout_s=1.5)
    await b.coordinator.start()
    await _until(lambda: any(kind == "releasing" for kind, _, _ in a.events))
    for _ in range(6):  # 3 s: twice the lease, while 4 handoffs wait
        await asyncio.sleep(0.5)
        kept = [lease for lease in a.coordinator.owned.values() if lease.shard < 4]
        assert len(kept) == 4
        assert all(_fence_holds(pg_dsn, lease) for lease in kept)
        assert a.coordinator.renewal_age_s() < 1.0
    await _until(lambda: len(a.shards) == 4 and len(b.shards) == 4)
    assert not any(kind == "lost" for kind, _, _ in a.events)
    await b.coordinator.stop()
    await a.coordinator.stop()


async def test_the_first_refused_write_drops_the_shard_at_once(pg_dsn: str) -> None:
    # Renewals every 5 s: only the refused write can tell a within the 2 s waited below.
    a = Member(pg_dsn, "a", lease_timeout_s=30, interval_s=5.0)
    await a.coordinator.start()
    lease = a.coordinator.owned[5]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # taken over behind a's back
        conn.execute("UPDATE shard_leases SET owner = 'x', epoch = epoch + 1 WHERE shard = 5")
    with psycopg.connect(pg_dsn) as conn, conn.cursor() as cursor, pytest.raises(Fenced):
        fence_shards(cursor, a.coordinator, [5], "test")
    await _until(lambda: ("lost", 5, lease.epoch) in a.events, timeout=2)
    # Its later writes under the old epoch never reach the database; the orphaned shard
    # ('x' is no member) is acquired again under a new epoch.
    assert a.coordinator.lease(5) != lease
    await _until(lambda: 5 in a.shards and a.coordinator.owned[5].epoch == lease.epoch + 2)
    assert a.coordinator.lease(4) is not None
    await a.coordinator.stop()
