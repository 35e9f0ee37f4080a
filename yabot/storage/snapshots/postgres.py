"""Snapshots in PostgreSQL: the cluster's snapshot store when no MongoDB is configured.

A ``save_many`` is one transaction of one statement: compare-and-set on the version for every
snapshot at once (``unnest`` of the batch), then one read of the keys it did not write to tell
a retry of an already stored snapshot (SAVED) from a real conflict. In cluster mode the
transaction first checks the lease of every shard in the batch (``FOR KEY SHARE`` of its row):
the snapshots of a shard this instance no longer owns, or whose state was loaded under an
earlier epoch of the shard's lease (``Snapshot.epoch``), are FENCED and not written, in the same
transaction as the others' writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from yabot.storage.lease_source import LeaseSource
from yabot.storage.postgres.fencing import current, held_leases
from yabot.storage.postgres.migrations import PgMigration, migrate
from yabot.storage.postgres.pool import reading
from yabot.storage.snapshots.base import (
    COLUMNS,
    SaveOutcome,
    SaveStatus,
    Snapshot,
    SnapshotStoreError,
    from_row,
    load_sql,
    split_valid,
    unwritten_outcome,
)
from yabot.storage.snapshots.metrics import SNAPSHOT_REJECTED

STORE = "snapshots"

MIGRATIONS = (
    PgMigration(
        1,
        "snapshots",
        (
            """CREATE TABLE snapshots (
                key text PRIMARY KEY,
                version bigint NOT NULL CHECK (version >= 1),
                seq bigint NOT NULL,
                state bytea NOT NULL,
                updated_at double precision NOT NULL,
                shard integer NOT NULL DEFAULT 0)""",
            "CREATE INDEX snapshots_by_shard ON snapshots (shard)",
        ),
    ),
)

_CAS = """
WITH input AS (
    SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::bytea[],
                         %s::double precision[], %s::integer[])
        AS i(key, version, seq, state, updated_at, shard)),
updated AS (
    UPDATE snapshots s SET version = i.version, seq = i.seq, state = i.state,
        updated_at = i.updated_at, shard = i.shard
    FROM input i WHERE i.version > 1 AND s.key = i.key AND s.version = i.version - 1
    RETURNING s.key),
inserted AS (
    INSERT INTO snapshots (key, version, seq, state, updated_at, shard)
    SELECT key, version, seq, state, updated_at, shard FROM input WHERE version = 1
    ON CONFLICT (key) DO NOTHING
    RETURNING key)
SELECT key FROM updated UNION ALL SELECT key FROM inserted
"""


class PgSnapshotStore:
    """A :class:`~yabot.storage.snapshots.base.SnapshotStore` in a PostgreSQL table.

    Args:
        pool: The shared connection pool (not closed by :meth:`close`).
        leases: In cluster mode, this instance's leases: each snapshot is fenced by its shard.
    """

    def __init__(self, pool: ConnectionPool, *, leases: LeaseSource | None = None) -> None:
        try:
            migrate(pool, STORE, MIGRATIONS)
        except psycopg.Error as exc:
            raise SnapshotStoreError(f"cannot open the PostgreSQL snapshot store: {exc}") from exc
        self._pool = pool
        self._leases = leases

    def load(self, key: str) -> Snapshot | None:
        """Return the stored snapshot of ``key``, or None."""
        try:
            with reading(self._pool) as conn:
                row = conn.execute(load_sql("%s"), (key,)).fetchone()
        except psycopg.Error as exc:
            raise SnapshotStoreError(f"PostgreSQL snapshot load failed: {exc}") from exc
        return None if row is None else from_row(row)

    def save_many(self, snapshots: Sequence[Snapshot]) -> list[SaveOutcome]:
        """Store the snapshots in one transaction, each with compare-and-set on its version."""
        valid, outcomes = split_valid(snapshots)
        SNAPSHOT_REJECTED.inc(len(outcomes))
        try:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                writable = self._fence(cur, snapshots, valid, outcomes)
                if writable:
                    self._save(cur, [snapshots[i] for i in writable], writable, outcomes)
        except psycopg.Error as exc:
            raise SnapshotStoreError(f"PostgreSQL snapshot save failed: {exc}") from exc
        return [outcomes[i] for i in range(len(snapshots))]

    def _fence(
        self,
        cur: psycopg.Cursor[Any],
        snapshots: Sequence[Snapshot],
        valid: list[int],
        outcomes: dict[int, SaveOutcome],
    ) -> list[int]:
        if self._leases is None:
            return valid
        held = held_leases(cur, self._leases, {snapshots[i].shard for i in valid}, STORE)
        writable = []
        for index in valid:
            snap = snapshots[index]
            if current(held, snap.shard, snap.epoch, STORE):
                writable.append(index)
            else:
                outcomes[index] = SaveOutcome(snap.key, snap.version, SaveStatus.FENCED)
        return writable

    @staticmethod
    def _save(
        cur: psycopg.Cursor[Any],
        batch: list[Snapshot],
        indexes: list[int],
        outcomes: dict[int, SaveOutcome],
    ) -> None:
        cur.execute(
            _CAS,
            (
                [s.key for s in batch],
                [s.version for s in batch],
                [s.seq for s in batch],
                [s.state for s in batch],
                [s.updated_at for s in batch],
                [s.shard for s in batch],
            ),
        )
        written = {str(row[0]) for row in cur.fetchall()}
        refused = [s for s in batch if s.key not in written]
        stored: dict[str, tuple[Any, ...]] = {}
        if refused:
            cur.execute(
                f"SELECT {COLUMNS} FROM snapshots WHERE key = ANY(%s)",
                ([s.key for s in refused],),
            )
            stored = {str(row[0]): tuple(row[1:]) for row in cur.fetchall()}
        for index, snap in zip(indexes, batch, strict=True):
            if snap.key in written:
                outcomes[index] = SaveOutcome(snap.key, snap.version, SaveStatus.SAVED)
            else:
                outcomes[index] = unwritten_outcome(snap, stored.get(snap.key))

    def delete(self, key: str) -> None:
        """Remove the snapshot of ``key`` if any."""
        try:
            with self._pool.connection() as conn:
                conn.execute("DELETE FROM snapshots WHERE key = %s", (key,))
        except psycopg.Error as exc:
            raise SnapshotStoreError(f"PostgreSQL snapshot delete failed: {exc}") from exc

    def ping(self) -> bool:
        """Return True when the server answers."""
        try:
            with self._pool.connection(timeout=2.0) as conn:
                conn.execute("SELECT 1 FROM snapshots LIMIT 1").fetchall()
        except (psycopg.Error, PoolTimeout, OSError):
            return False
        return True

    def close(self) -> None:
        """Nothing to release: the pool belongs to whoever opened it."""
