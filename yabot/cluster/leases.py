"""Shard ownership held in PostgreSQL: members, leases with epochs, fair shares, handoff.

Every instance is a *member*. A member is alive while its coordination connection holds a
session advisory lock on its own key (PostgreSQL drops the lock the moment the session ends, so a
crashed member's shards are free at once) and while it renews its leases (a member that hangs or
is cut off loses them ``lease_timeout_s`` after its last renewal).

A shard has one row in ``shard_leases``: its owner, an *epoch* raised on every acquisition, and
when the lease expires. Members share the shards fairly (the allocation is a pure function of the
sorted live members, as in Akka's least-shard strategy): a member under its share takes free,
expired or orphaned shards; a member over it hands its surplus off gracefully (the application
stops taking the shard's updates, finishes what is in flight, flushes snapshots) and releases it.

Fencing: every write of a shard's durable state runs :func:`check_fence` in its own transaction.
It locks the lease row ``FOR SHARE`` and requires owner, epoch and an unexpired lease, so an
instance paused past its lease writes nothing, and an acquisition waits for any write it would
overtake.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from prometheus_client import Counter, Gauge

from yabot.observability.logging import get_logger
from yabot.storage.postgres.fencing import FENCED, Fenced, check_fence

log = get_logger(__name__)

__all__ = ["FENCED", "Fenced", "Lease", "ShardCoordinator", "check_fence", "fair_shares"]

ADVISORY_NAMESPACE = 0x59414200  # "YAB\0": the first key of every member's advisory lock

OWNED = Gauge("yabot_cluster_owned_shards", "Shards this instance owns now")
HANDOFFS = Counter(
    "yabot_cluster_handoffs_total", "Shard ownership changes seen by this instance", ["kind"]
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS cluster_members (
        member_id text PRIMARY KEY,
        lock_key integer NOT NULL UNIQUE,
        url text NOT NULL DEFAULT '',
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        left_at timestamptz)""",
    "CREATE SEQUENCE IF NOT EXISTS cluster_member_lock_keys MINVALUE 1 MAXVALUE 2147483647 CYCLE",
    """CREATE TABLE IF NOT EXISTS shard_leases (
        shard integer PRIMARY KEY,
        owner text,
        epoch bigint NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL DEFAULT '-infinity',
        acquired_at timestamptz)""",
    """CREATE TABLE IF NOT EXISTS shard_handoffs (
        id bigserial PRIMARY KEY,
        shard integer NOT NULL,
        from_member text,
        to_member text,
        epoch bigint NOT NULL,
        kind text NOT NULL,
        at timestamptz NOT NULL DEFAULT now())""",
)

_ALIVE = """
    SELECT m.member_id FROM cluster_members m
    WHERE m.left_at IS NULL
      AND m.heartbeat_at > now() - make_interval(secs => %(lease)s)
      AND EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.classid = %(ns)s::bigint::oid AND l.objid = m.lock_key::bigint::oid)
"""


@dataclass(frozen=True, slots=True)
class Lease:
    """This member's hold on one shard: the epoch its writes are checked against."""

    shard: int
    epoch: int
    member_id: str


def fair_shares(members: Sequence[str], shards: int) -> dict[str, int]:
    """How many shards each live member should own: equal, the remainder to the first ids."""
    ordered = sorted(set(members))
    if not ordered:
        return {}
    base, extra = divmod(shards, len(ordered))
    return {member: base + (1 if i < extra else 0) for i, member in enumerate(ordered)}


def default_member_id() -> str:
    """A member id unique across restarts: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


ShardCallback = Callable[[Lease], Awaitable[None]]


@dataclass
class _Round:
    acquired: list[Lease] = field(default_factory=list)
    lost: list[Lease] = field(default_factory=list)
    released: list[Lease] = field(default_factory=list)


class ShardCoordinator:
    """One member's view of shard ownership; runs a round every ``interval_s``.

    Args:
        dsn: PostgreSQL connection string.
        shards: Number of shards (``runtime.shards``); the same on every member.
        lease_timeout_s: A member that has not renewed for this long loses its shards.
        on_acquired: Called after a shard is ours (start consuming it).
        on_releasing: Called before a shard is released (stop taking its updates, finish
            in-flight work, flush snapshots); the release waits for it.
        on_lost: Called when a shard was taken from us (we were paused or cut off): stop
            at once, our writes are fenced anyway.
        member_id: This member's id; unique by default.
        url: Where other members reach this one (admin API forwarding).
        interval_s: Time between rounds (heartbeat, renewal, rebalancing).
    """

    def __init__(
        self,
        dsn: str,
        *,
        shards: int,
        lease_timeout_s: float = 10.0,
        on_acquired: ShardCallback,
        on_releasing: ShardCallback,
        on_lost: ShardCallback,
        member_id: str | None = None,
        url: str = "",
        interval_s: float | None = None,
    ) -> None:
        self.dsn = dsn
        self.shards = shards
        self.lease_timeout_s = lease_timeout_s
        self.member_id = member_id or default_member_id()
        self.url = url
        self.interval_s = interval_s if interval_s is not None else min(1.0, lease_timeout_s / 4)
        self._on_acquired = on_acquired
        self._on_releasing = on_releasing
        self._on_lost = on_lost
        self.owned: dict[int, Lease] = {}
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_renewed = 0.0
        self._stopping = False

    # ---- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Create the schema, join as a live member and run the first round."""
        conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
        self._conn = conn
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (ADVISORY_NAMESPACE,))
            for statement in SCHEMA:
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO shard_leases (shard) SELECT generate_series(0, %s - 1)"
                " ON CONFLICT DO NOTHING",
                (self.shards,),
            )
        row = await (await conn.execute("SELECT nextval('cluster_member_lock_keys')")).fetchone()
        assert row is not None
        lock_key = int(row[0])
        await conn.execute("SELECT pg_advisory_lock(%s, %s)", (ADVISORY_NAMESPACE, lock_key))
        await conn.execute(
            "INSERT INTO cluster_members (member_id, lock_key, url) VALUES (%s, %s, %s)",
            (self.member_id, lock_key, self.url),
        )
        log.info("cluster.joined", member=self.member_id, shards=self.shards)
        await self.run_round()
        self._task = asyncio.create_task(self._loop(), name="shard-coordinator")

    async def stop(self) -> None:
        """Leave gracefully: hand off every owned shard, then leave the member table."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        conn = self._conn
        if conn is None:
            return
        try:
            for lease in sorted(self.owned.values(), key=lambda lease: lease.shard):
                await self._release(conn, lease, kind="leave")
            await conn.execute(
                "UPDATE cluster_members SET left_at = now() WHERE member_id = %s",
                (self.member_id,),
            )
        except psycopg.Error as exc:
            log.warning("cluster.leave_failed", error=type(exc).__name__)
        finally:
            await conn.close()
            self._conn = None
            OWNED.set(0)
            log.info("cluster.left", member=self.member_id)

    def lease(self, shard: int) -> Lease | None:
        """The lease we hold on ``shard``, if any."""
        return self.owned.get(shard)

    # ---- one round -----------------------------------------------------------------------
    async def _loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.interval_s)
            try:
                await self.run_round()
            except (psycopg.Error, OSError) as exc:
                log.warning("cluster.round_failed", error=type(exc).__name__)
                await self._self_fence()
                await self._reconnect()

    async def _self_fence(self) -> None:
        """Cut off from PostgreSQL past our lease: others may own our shards now."""
        if self.owned and time.monotonic() - self._last_renewed > self.lease_timeout_s:
            lost, self.owned = list(self.owned.values()), {}
            OWNED.set(0)
            for lease in lost:
                HANDOFFS.labels("lost").inc()
                await self._on_lost(lease)

    async def _reconnect(self) -> None:
        if self._conn is not None and not self._conn.closed:
            return
        try:
            conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
        except psycopg.Error:
            return
        row = await (
            await conn.execute(
                "SELECT lock_key FROM cluster_members WHERE member_id = %s", (self.member_id,)
            )
        ).fetchone()
        if row is not None:
            await conn.execute("SELECT pg_advisory_lock(%s, %s)", (ADVISORY_NAMESPACE, row[0]))
        self._conn = conn

    async def run_round(self) -> None:
        """Heartbeat, renew, notice lost shards, then acquire or hand off to the fair share."""
        conn = self._conn
        if conn is None or conn.closed:
            raise psycopg.OperationalError("no coordination connection")
        await conn.execute(
            "UPDATE cluster_members SET heartbeat_at = now() WHERE member_id = %s",
            (self.member_id,),
        )
        renewed = await (
            await conn.execute(
                "UPDATE shard_leases SET expires_at = now() + make_interval(secs => %s)"
                " WHERE owner = %s RETURNING shard, epoch",
                (self.lease_timeout_s, self.member_id),
            )
        ).fetchall()
        self._last_renewed = time.monotonic()
        still = {int(shard): int(epoch) for shard, epoch in renewed}
        for shard, lease in list(self.owned.items()):
            if still.get(shard) != lease.epoch:
                del self.owned[shard]
                HANDOFFS.labels("lost").inc()
                log.warning("cluster.shard_lost", shard=shard, epoch=lease.epoch)
                await self._on_lost(lease)
        alive = [
            str(row[0])
            for row in await (
                await conn.execute(
                    _ALIVE, {"lease": self.lease_timeout_s, "ns": ADVISORY_NAMESPACE}
                )
            ).fetchall()
        ]
        if self.member_id not in alive:
            alive.append(self.member_id)
        shares = fair_shares(alive, self.shards)
        want = shares[self.member_id]
        if len(self.owned) < want:
            await self._acquire(conn, want - len(self.owned), alive)
        elif len(self.owned) > want and await self._someone_short(conn, alive, shares):
            surplus = sorted(self.owned.values(), key=lambda lease: -lease.shard)
            for lease in surplus[: len(self.owned) - want]:
                await self._release(conn, lease, kind="rebalance")
        OWNED.set(len(self.owned))

    def _alive_params(self) -> dict[str, Any]:
        return {"lease": self.lease_timeout_s, "ns": ADVISORY_NAMESPACE}

    async def _acquire(
        self, conn: psycopg.AsyncConnection[Any], count: int, alive: list[str]
    ) -> None:
        rows = await (
            await conn.execute(
                """
                WITH takeable AS (
                    SELECT shard, owner FROM shard_leases
                    WHERE owner IS NULL OR expires_at < now() OR NOT (owner = ANY(%(alive)s))
                    ORDER BY (owner IS NOT NULL), shard
                    LIMIT %(count)s FOR UPDATE SKIP LOCKED)
                UPDATE shard_leases s
                SET owner = %(me)s, epoch = s.epoch + 1, acquired_at = now(),
                    expires_at = now() + make_interval(secs => %(lease)s)
                FROM takeable t WHERE s.shard = t.shard
                RETURNING s.shard, s.epoch, t.owner
                """,
                {
                    "alive": alive,
                    "count": count,
                    "me": self.member_id,
                    "lease": self.lease_timeout_s,
                },
            )
        ).fetchall()
        for shard, epoch, previous in sorted(rows):
            lease = Lease(int(shard), int(epoch), self.member_id)
            self.owned[lease.shard] = lease
            kind = "acquire" if previous is None else "takeover"
            HANDOFFS.labels(kind).inc()
            await conn.execute(
                "INSERT INTO shard_handoffs (shard, from_member, to_member, epoch, kind)"
                " VALUES (%s, %s, %s, %s, %s)",
                (lease.shard, previous, self.member_id, lease.epoch, kind),
            )
            log.info("cluster.shard_acquired", shard=lease.shard, epoch=lease.epoch, kind=kind)
            await self._on_acquired(lease)

    async def _someone_short(
        self, conn: psycopg.AsyncConnection[Any], alive: list[str], shares: dict[str, int]
    ) -> bool:
        rows = await (
            await conn.execute(
                "SELECT owner, count(*) FROM shard_leases WHERE owner = ANY(%s)"
                " AND expires_at > now() GROUP BY owner",
                (alive,),
            )
        ).fetchall()
        counts = {str(owner): int(n) for owner, n in rows}
        return any(counts.get(member, 0) < share for member, share in shares.items())

    async def _release(
        self, conn: psycopg.AsyncConnection[Any], lease: Lease, *, kind: str
    ) -> None:
        await self._on_releasing(lease)
        await conn.execute(
            "UPDATE shard_leases SET owner = NULL, expires_at = '-infinity'"
            " WHERE shard = %s AND owner = %s AND epoch = %s",
            (lease.shard, self.member_id, lease.epoch),
        )
        await conn.execute(
            "INSERT INTO shard_handoffs (shard, from_member, to_member, epoch, kind)"
            " VALUES (%s, %s, NULL, %s, %s)",
            (lease.shard, self.member_id, lease.epoch, kind),
        )
        self.owned.pop(lease.shard, None)
        HANDOFFS.labels(kind).inc()
        log.info("cluster.shard_released", shard=lease.shard, epoch=lease.epoch, kind=kind)
