"""Snapshots in a SQLite file: the embedded default when no MongoDB is configured."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from yabot.storage.snapshots.base import (
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
from yabot.storage.sqlite_util import LockedConnection, connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    key TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    state BLOB NOT NULL,
    updated_at REAL NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0
)
"""


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a table made before shards (``last_update_id``, no ``shard``) up to date."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(snapshots)")}
    if "last_update_id" in columns:
        conn.execute("ALTER TABLE snapshots RENAME COLUMN last_update_id TO seq")
    if "shard" not in columns:
        conn.execute("ALTER TABLE snapshots ADD COLUMN shard INTEGER NOT NULL DEFAULT 0")


class SqliteSnapshotStore:
    """A :class:`~yabot.storage.snapshots.base.SnapshotStore` in one SQLite file (WAL).

    One connection guarded by a lock; a ``save_many`` call is one transaction.
    """

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        try:
            self._db = LockedConnection(connect(path, busy_timeout_ms=busy_timeout_ms))
            with self._db.transaction() as conn:
                conn.execute(_SCHEMA)
                _upgrade(conn)
        except sqlite3.Error as exc:
            raise SnapshotStoreError(f"cannot open snapshot store {path}: {exc}") from exc

    def load(self, key: str) -> Snapshot | None:
        """Return the stored snapshot of ``key``, or None."""
        try:
            with self._db.use() as conn:
                row = conn.execute(load_sql("?"), (key,)).fetchone()
        except sqlite3.Error as exc:
            raise SnapshotStoreError(f"snapshot store {self.path}: {exc}") from exc
        return None if row is None else from_row(row)

    def save_many(self, snapshots: Sequence[Snapshot]) -> list[SaveOutcome]:
        """Store the snapshots in one transaction, each with compare-and-set on its version."""
        valid, outcomes = split_valid(snapshots)
        SNAPSHOT_REJECTED.inc(len(outcomes))
        try:
            with self._db.transaction() as conn:
                for index in valid:
                    outcomes[index] = self._save_one(conn, snapshots[index])
        except sqlite3.Error as exc:
            raise SnapshotStoreError(f"snapshot store {self.path}: {exc}") from exc
        return [outcomes[i] for i in range(len(snapshots))]

    @staticmethod
    def _save_one(conn: sqlite3.Connection, snap: Snapshot) -> SaveOutcome:
        values = (snap.version, snap.seq, snap.state, snap.updated_at, snap.shard, snap.key)
        if snap.version == 1:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO snapshots "
                "(version, seq, state, updated_at, shard, key) VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
        else:
            cursor = conn.execute(
                "UPDATE snapshots SET version = ?, seq = ?, state = ?, updated_at = ?, shard = ? "
                "WHERE key = ? AND version = ?",
                (*values, snap.version - 1),
            )
        if cursor.rowcount == 1:
            return SaveOutcome(snap.key, snap.version, SaveStatus.SAVED)
        row = conn.execute(load_sql("?"), (snap.key,)).fetchone()
        return unwritten_outcome(snap, None if row is None else row[1:])

    def delete(self, key: str) -> None:
        """Remove the snapshot of ``key`` if any."""
        try:
            with self._db.transaction() as conn:
                conn.execute("DELETE FROM snapshots WHERE key = ?", (key,))
        except sqlite3.Error as exc:
            raise SnapshotStoreError(f"snapshot store {self.path}: {exc}") from exc

    def ping(self) -> bool:
        """Return True when the file can be read."""
        try:
            with self._db.use() as conn:
                conn.execute("SELECT 1 FROM snapshots LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
