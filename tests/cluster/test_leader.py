"""Leadership of a cluster-wide task (polling): a lease, replaced at once on a crash and
within the lease on a hang; a leader woken past its lease steps down before anything else."""

from __future__ import annotations

import asyncio
import time

import psycopg

from yabot.cluster.leader import Leadership


class Led:
    """A member's led task, recorded."""

    def __init__(self, dsn: str, name: str, lease_timeout_s: float) -> None:
        self.events: list[str] = []
        self.leadership = Leadership(
            dsn,
            "polling",
            self._record("lead"),
            self._record("step_down"),
            lease_timeout_s=lease_timeout_s,
            member_id=name,
        )

    def _record(self, kind: str):  # type: ignore[no-untyped-def]
        async def record() -> None:
            self.events.append(kind)

        return record


async def _connect(dsn: str) -> psycopg.AsyncConnection:  # type: ignore[type-arg]
    conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    from yabot.cluster.leader import SCHEMA

    await conn.execute(SCHEMA)
    return conn


async def _elected_within(led: Led, conn: psycopg.AsyncConnection, timeout: float) -> float:  # type: ignore[type-arg]
    started = time.monotonic()
    while not led.leadership.leading:
        assert time.monotonic() - started < timeout, "no election in time"
        await led.leadership.step(conn)
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_a_hung_leader_is_replaced_within_the_lease_and_steps_down_when_woken(
    pg_dsn: str,
) -> None:
    a, b = Led(pg_dsn, "a", 1.5), Led(pg_dsn, "b", 1.5)
    conn_a, conn_b = await _connect(pg_dsn), await _connect(pg_dsn)
    await a.leadership.step(conn_a)
    assert a.leadership.holds() and a.events == ["lead"]
    await b.leadership.step(conn_b)
    assert not b.leadership.leading  # one leader at a time
    # a hangs (its session stays open, it renews nothing): b leads once the lease is over.
    waited = await _elected_within(b, conn_b, timeout=3.0)
    assert 1.0 < waited < 2.5, waited
    assert not a.leadership.holds()  # a's own deadline passed before the database's
    await a.leadership.step(conn_a)  # a wakes up
    assert a.events == ["lead", "step_down"] and not a.leadership.leading
    assert b.leadership.holds()
    for conn in (conn_a, conn_b):
        await conn.close()


async def test_a_dead_leaders_task_is_taken_at_once(pg_dsn: str) -> None:
    a, b = Led(pg_dsn, "a", 60), Led(pg_dsn, "b", 60)
    conn_a, conn_b = await _connect(pg_dsn), await _connect(pg_dsn)
    await a.leadership.step(conn_a)
    assert a.leadership.leading
    await conn_a.close()  # the process dies: its session ends
    waited = await _elected_within(b, conn_b, timeout=5.0)
    assert waited < 5.0  # not the 60 s lease
    await conn_b.close()
