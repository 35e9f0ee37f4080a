"""Shard ownership held in PostgreSQL: members, leases with epochs, fair shares, handoff.

Every instance is a *member*. A member is alive while its renewal connection holds a session
advisory lock on its own key (PostgreSQL drops the lock the moment the session ends, so a
crashed member's shards are free at once) and while it renews its leases (a member that hangs or
is cut off loses them ``lease_timeout_s`` after its last renewal).

A shard has one row in ``shard_leases``: its owner, an *epoch* raised on every acquisition, and
when the lease expires. Members share the shards fairly (the allocation is a pure function of the
sorted live members, as in Akka's least-shard strategy): a member under its share takes free,
expired or orphaned shards; a member over it hands its surplus off gracefully (the application
stops taking the shard's updates, finishes what is in flight, flushes snapshots) and releases it.

Two parts run each member's side:

- the **renewer**, a thread with its own (blocking) connection: it holds the member's advisory
  lock, writes the heartbeat and renews the leases every ``interval_s``, whatever the event loop
  is busy with (a saturated loop, a slow handoff or a slow database call never starves it). It
  also keeps the *local deadline*: :meth:`ShardCoordinator.lease` answers None once the last
  renewal could have expired (measured on the monotonic clock from when that renewal was sent),
  so a member woken from a pause stops writing before it asks the database anything;
- the **rounds**, on the event loop: which members are alive, acquire up to the fair share,
  hand the surplus off (each handoff in its own task, so the round never waits for one). A
  round runs every ``interval_s`` and at once when another member releases a shard, joins or
  leaves (``NOTIFY yabot_leases``).

Fencing: every write of a shard's durable state runs :func:`check_fence` in its own transaction.
It locks the lease row ``FOR KEY SHARE`` and requires owner, epoch and an unexpired lease, so
an instance paused past its lease writes nothing, and an acquisition (which locks the row
``FOR UPDATE`` before raising the epoch) waits for any write it would overtake. Renewals do not
wait for the writers (nor they for a renewal). The first write the database refuses tells the
coordinator (:meth:`refused`): the shard is dropped at once (its consumer stopped, its actors
passivated) and every later write of it is refused locally, without a round trip. A write of a
player's state also carries the epoch the state was loaded under, and is refused when the lease
checked has another one (the shard was lost and acquired again since:
``yabot.storage.postgres.fencing.current``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from prometheus_client import Counter, Gauge, Histogram

from yabot.observability.logging import get_logger
from yabot.storage.postgres.fencing import FENCED, Fenced, check_fence

log = get_logger(__name__)

__all__ = ["FENCED", "Fenced", "Lease", "ShardCoordinator", "check_fence", "fair_shares"]

ADVISORY_NAMESPACE = 0x59414200  # "YAB\0": the first key of every member's advisory lock
CHANNEL = "yabot_leases"  # NOTIFY payload: what happened ("release", "join", "leave")
# The local deadline stops writes this share of the lease before the database's expiry (the
# database's clock starts the lease after the renewal was sent, so this is a safety margin).
DEADLINE_SHARE = 0.9

OWNED = Gauge("yabot_cluster_owned_shards", "Shards this instance owns now")
HANDOFFS = Counter(
    "yabot_cluster_handoffs_total", "Shard ownership changes seen by this instance", ["kind"]
)
RENEWAL_AGE = Gauge(
    "yabot_cluster_lease_renewal_age_seconds",
    "Time since this member's last successful lease renewal was sent (0 before joining)",
)
RENEW_SECONDS = Histogram(
    "yabot_cluster_lease_renew_seconds",
    "Round trip of one heartbeat and lease renewal (the renewer thread)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RENEWAL_GAP_MAX = Gauge(
    "yabot_cluster_lease_renewal_gap_max_seconds",
    "The longest time between two successful lease renewals of this member so far",
)
RENEW_FAILURES = Counter(
    "yabot_cluster_lease_renew_failures_total", "Heartbeat and renewal attempts that failed"
)
ROUND_SECONDS = Histogram(
    "yabot_cluster_round_seconds",
    "One coordination round on the event loop (alive members, acquire, start handoffs)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
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


class ShardCoordinator:
    """One member's view of shard ownership: a renewer thread and rounds on the event loop.

    Args:
        dsn: PostgreSQL connection string.
        shards: Number of shards (``runtime.shards``); the same on every member.
        lease_timeout_s: A member that has not renewed for this long loses its shards.
        on_acquired: Called after a shard is ours (start consuming it).
        on_releasing: Called before a shard is released (stop taking its updates, finish
            in-flight work, flush snapshots); the release waits for it, the rounds do not.
        on_lost: Called when a shard was taken from us (we were paused or cut off) or a write
            of it was refused: stop at once, our writes are fenced anyway.
        member_id: This member's id; unique by default.
        url: Where other members reach this one (admin API forwarding).
        interval_s: Time between renewals and between rounds.
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
        # Written on the event loop only; read from any thread (the stores' fence checks).
        self.owned: dict[int, Lease] = {}
        self._releasing: dict[int, asyncio.Task[None]] = {}
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._db = asyncio.Lock()  # one transaction at a time on the rounds' connection
        self._ticker: asyncio.Task[None] | None = None
        self._lock_key = 0
        # The renewer thread's side.
        self._renewer: threading.Thread | None = None
        self._renewer_stop = threading.Event()
        self._renew_conn: psycopg.Connection[Any] | None = None
        self._last_renewed = 0.0  # monotonic: when the last successful renewal was sent
        self._valid_until = 0.0  # monotonic: the local deadline of every lease held
        self._gap_max = 0.0
        self._loop_tick = 0.0  # monotonic: the event loop's last sign of life
        self._paused = False  # tests: a hung member (renewals and rounds stop)
        self._stopping = False
        RENEWAL_AGE.set_function(self._renewal_age)

    # ---- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Create the schema, join as a live member, start renewing, run the first round."""
        self._loop = asyncio.get_running_loop()
        self._loop_tick = time.monotonic()
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
        self._lock_key = int(row[0])
        await asyncio.to_thread(self._connect_renewer)
        await conn.execute(
            "INSERT INTO cluster_members (member_id, lock_key, url) VALUES (%s, %s, %s)",
            (self.member_id, self._lock_key, self.url),
        )
        await self._notify(conn, "join")
        log.info("cluster.joined", member=self.member_id, shards=self.shards)
        await asyncio.to_thread(self.renew_once)
        self._renewer_stop.clear()
        self._renewer = threading.Thread(target=self._renew_loop, name="lease-renewer", daemon=True)
        self._renewer.start()
        self._ticker = asyncio.create_task(self._tick(), name="lease-loop-ticker")
        await self.run_round()
        self._listener = asyncio.create_task(self._listen(), name="lease-listener")
        self._task = asyncio.create_task(self._rounds(), name="shard-coordinator")

    async def stop(self) -> None:
        """Leave gracefully: hand off every owned shard, then leave the member table."""
        self._stopping = True
        for task in (self._task, self._listener, self._ticker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for task in list(self._releasing.values()):
            with contextlib.suppress(Exception):
                await task
        conn = self._conn
        try:
            if conn is not None and not conn.closed:
                for lease in sorted(self.owned.values(), key=lambda lease: lease.shard):
                    await self._release(conn, lease, kind="leave")
                await conn.execute(
                    "UPDATE cluster_members SET left_at = now() WHERE member_id = %s",
                    (self.member_id,),
                )
                await self._notify(conn, "leave")
        except (psycopg.Error, OSError) as exc:
            log.warning("cluster.leave_failed", error=type(exc).__name__)
        finally:
            self._renewer_stop.set()
            if self._renewer is not None:
                await asyncio.to_thread(self._renewer.join, 5.0)
                self._renewer = None
            if conn is not None:
                await conn.close()
            self._conn = None
            OWNED.set(0)
            log.info("cluster.left", member=self.member_id)

    def lease(self, shard: int) -> Lease | None:
        """The lease we hold on ``shard``, if any and if its local deadline has not passed."""
        lease = self.owned.get(shard)
        if lease is None or time.monotonic() >= self._valid_until:
            return None
        return lease

    def epoch(self, shard: int) -> int | None:
        """The epoch of the lease we hold on ``shard`` (whatever its local deadline), if any.

        It names the current ownership: state loaded under another epoch of the shard may
        miss what other members applied meanwhile (any thread may ask).
        """
        lease = self.owned.get(shard)
        return None if lease is None else lease.epoch

    def refused(self, lease: Any) -> None:
        """A store's write under ``lease`` was refused by the database (any thread).

        The shard is dropped at once on the event loop (``on_lost``): its consumer stops, its
        actors passivate, and its later writes are refused locally. A later round acquires
        it again (with a new epoch) if it is still ours to have.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        held = Lease(int(lease.shard), int(lease.epoch), str(lease.member_id))
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: stopping
            loop.call_soon_threadsafe(self._drop_later, [held], "fenced")

    def renewal_age_s(self) -> float:
        """Seconds since the last successful renewal was sent (0 before the first)."""
        return self._renewal_age()

    def _renewal_age(self) -> float:
        return 0.0 if self._last_renewed == 0.0 else time.monotonic() - self._last_renewed

    # ---- tests: a member that hangs ------------------------------------------------------
    def pause(self) -> None:
        """Stop renewing and running rounds, sessions kept (what SIGSTOP does to a process)."""
        self._paused = True
        if self._task is not None:
            self._task.cancel()

    def resume(self) -> None:
        """Renew and run rounds again after :meth:`pause`."""
        self._paused = False
        self._task = asyncio.create_task(self._rounds(), name="shard-coordinator")

    # ---- the renewer thread --------------------------------------------------------------
    def _connect_renewer(self) -> None:
        """(Re)open the renewal connection and take this member's advisory lock on it."""
        if self._renew_conn is not None:
            with contextlib.suppress(Exception):
                self._renew_conn.close()
        conn = psycopg.connect(self.dsn, autocommit=True)
        conn.execute("SELECT pg_advisory_lock(%s, %s)", (ADVISORY_NAMESPACE, self._lock_key))
        self._renew_conn = conn

    def _renew_loop(self) -> None:
        while not self._renewer_stop.wait(self.interval_s):
            if self._paused:
                continue
            if time.monotonic() - self._loop_tick > self.lease_timeout_s:
                # The event loop is hung: let the leases lapse so that others take over.
                log.warning("cluster.loop_stalled", stalled_s=round(self._loop_stall(), 1))
                continue
            try:
                self.renew_once()
            except (psycopg.Error, OSError) as exc:
                RENEW_FAILURES.inc()
                log.warning("cluster.renew_failed", error=type(exc).__name__)
                self._cut_off()
                with contextlib.suppress(psycopg.Error, OSError):
                    self._connect_renewer()
        if self._renew_conn is not None:
            with contextlib.suppress(Exception):
                self._renew_conn.close()
            self._renew_conn = None

    def _loop_stall(self) -> float:
        return time.monotonic() - self._loop_tick

    def renew_once(self) -> None:
        """Heartbeat and renew every lease held (the renewer thread; blocking).

        Raises:
            psycopg.Error: The database is out of reach; nothing was renewed.
        """
        conn = self._renew_conn
        if conn is None or conn.closed:
            raise psycopg.OperationalError("no renewal connection")
        held = list(self.owned.values())
        sent = time.monotonic()
        with conn.transaction():
            conn.execute(
                "UPDATE cluster_members SET heartbeat_at = now() WHERE member_id = %s",
                (self.member_id,),
            )
            rows = conn.execute(
                "UPDATE shard_leases SET expires_at = now() + make_interval(secs => %s)"
                " WHERE owner = %s AND shard = ANY(%s) RETURNING shard, epoch",
                (self.lease_timeout_s, self.member_id, [lease.shard for lease in held]),
            ).fetchall()
        RENEW_SECONDS.observe(time.monotonic() - sent)
        if self._last_renewed:
            self._gap_max = max(self._gap_max, sent - self._last_renewed)
            RENEWAL_GAP_MAX.set(self._gap_max)
        self._last_renewed = sent
        self._valid_until = sent + self.lease_timeout_s * DEADLINE_SHARE
        still = {int(shard): int(epoch) for shard, epoch in rows}
        lost = [lease for lease in held if still.get(lease.shard) != lease.epoch]
        if lost:
            self._from_thread(lost, "lost")

    def _cut_off(self) -> None:
        """The database is out of reach: past the local deadline, every shard is lost."""
        if self.owned and time.monotonic() >= self._valid_until:
            self._from_thread(list(self.owned.values()), "lost")

    def _from_thread(self, leases: list[Lease], kind: str) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._drop_later, leases, kind)

    # ---- the rounds (event loop) ---------------------------------------------------------
    def _drop_later(self, leases: list[Lease], kind: str) -> None:
        current = [lease for lease in leases if self.owned.get(lease.shard) == lease]
        if current:
            task = asyncio.ensure_future(self._drop(current, kind))
            task.add_done_callback(_log_failure)

    async def _drop(self, leases: list[Lease], kind: str) -> None:
        """Forget shards that are no longer ours and stop their work (``on_lost``)."""
        for lease in leases:
            if self.owned.get(lease.shard) != lease:
                continue  # dropped already, or acquired again under a new epoch
            del self.owned[lease.shard]
            HANDOFFS.labels("lost").inc()
            log.warning("cluster.shard_lost", shard=lease.shard, epoch=lease.epoch, why=kind)
            await self._on_lost(lease)
        OWNED.set(len(self.owned))
        self._wake.set()  # a round soon: the shard may be ours to acquire again

    async def _tick(self) -> None:
        """The event loop's sign of life for the renewer (a hung loop lets its leases go)."""
        while True:
            self._loop_tick = time.monotonic()
            await asyncio.sleep(self.interval_s / 2)

    async def _rounds(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            try:
                await self.run_round()
            except (psycopg.Error, OSError) as exc:
                log.warning("cluster.round_failed", error=type(exc).__name__)
                await self._reconnect()

    async def _reconnect(self) -> None:
        if self._conn is not None and not self._conn.closed:
            return
        with contextlib.suppress(psycopg.Error, OSError):
            self._conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)

    async def _listen(self) -> None:
        """Wake a round at once when a member releases a shard, joins or leaves."""
        while not self._stopping:
            try:
                conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for _ in conn.notifies():
                        self._wake.set()
            except (psycopg.Error, OSError) as exc:
                log.warning("cluster.lease_listen_failed", error=type(exc).__name__)
            await asyncio.sleep(self.interval_s)

    @staticmethod
    async def _notify(conn: psycopg.AsyncConnection[Any], what: str) -> None:
        await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, what))

    async def run_round(self) -> None:
        """Acquire up to the fair share, or hand the surplus off (without waiting for it)."""
        async with self._db:
            await self._round()

    async def _round(self) -> None:
        conn = self._conn
        if conn is None or conn.closed:
            raise psycopg.OperationalError("no coordination connection")
        started = time.monotonic()
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
        keeping = len(self.owned) - len(self._releasing)
        if keeping < want and time.monotonic() < self._valid_until:
            # (Past the local deadline this member may be waking from a pause: the renewer
            # tells which shards are still ours before anything new is taken.)
            await self._acquire(conn, want - keeping, alive)
        elif keeping > want and await self._someone_short(conn, alive, shares):
            surplus = sorted(
                (lease for lease in self.owned.values() if lease.shard not in self._releasing),
                key=lambda lease: -lease.shard,
            )
            for lease in surplus[: keeping - want]:
                task = asyncio.create_task(self._release_task(lease), name=f"handoff-{lease.shard}")
                self._releasing[lease.shard] = task
        OWNED.set(len(self.owned))
        ROUND_SECONDS.observe(time.monotonic() - started)

    async def _acquire(
        self, conn: psycopg.AsyncConnection[Any], count: int, alive: list[str]
    ) -> None:
        async with conn.transaction():
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
            for shard, epoch, previous in rows:
                kind = "acquire" if previous is None else "takeover"
                await conn.execute(
                    "INSERT INTO shard_handoffs (shard, from_member, to_member, epoch, kind)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (shard, previous, self.member_id, epoch, kind),
                )
        for shard, epoch, previous in sorted(rows):
            lease = Lease(int(shard), int(epoch), self.member_id)
            self.owned[lease.shard] = lease
            kind = "acquire" if previous is None else "takeover"
            HANDOFFS.labels(kind).inc()
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

    async def _release_task(self, lease: Lease) -> None:
        try:
            conn = self._conn
            if conn is not None and not conn.closed and self.owned.get(lease.shard) == lease:
                await self._release(conn, lease, kind="rebalance")
        except (psycopg.Error, OSError) as exc:
            log.warning("cluster.release_failed", shard=lease.shard, error=type(exc).__name__)
        finally:
            self._releasing.pop(lease.shard, None)
            OWNED.set(len(self.owned))

    async def _release(
        self, conn: psycopg.AsyncConnection[Any], lease: Lease, *, kind: str
    ) -> None:
        await self._on_releasing(lease)
        async with self._db, conn.transaction():
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
            await self._notify(conn, "release")
        if self.owned.get(lease.shard) == lease:
            del self.owned[lease.shard]
        HANDOFFS.labels(kind).inc()
        log.info("cluster.shard_released", shard=lease.shard, epoch=lease.epoch, kind=kind)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("cluster.drop_failed", error=type(task.exception()).__name__)
