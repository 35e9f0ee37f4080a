"""Versioned actor snapshots: the store protocol, its SQLite, MongoDB and PostgreSQL adapters,
the writer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from yabot.config import StorageSettings
from yabot.storage.lease_source import LeaseSource
from yabot.storage.snapshots.base import (
    NO_UPDATE,
    SaveOutcome,
    SaveStatus,
    Snapshot,
    SnapshotConflict,
    SnapshotStore,
    SnapshotStoreError,
)

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

SQLITE_FILE_NAME = "snapshots.sqlite3"

__all__ = [
    "NO_UPDATE",
    "SQLITE_FILE_NAME",
    "SaveOutcome",
    "SaveStatus",
    "Snapshot",
    "SnapshotConflict",
    "SnapshotStore",
    "SnapshotStoreError",
    "open_snapshot_store",
]


def open_snapshot_store(
    settings: StorageSettings,
    pool: ConnectionPool | None = None,
    leases: LeaseSource | None = None,
) -> SnapshotStore:
    """Open MongoDB when ``mongodb_uri`` is set, else PostgreSQL through ``pool`` when
    ``backend = "postgres"``, else ``<data_dir>/snapshots.sqlite3``.

    The MongoDB client connects lazily: an unreachable server shows up as
    ``SnapshotStoreError`` on first use (and ``ping()`` False), not here. ``leases`` (cluster
    mode) fences every write by its snapshot's shard (SQLite takes none: one instance).
    """
    if settings.mongodb_uri:
        from yabot.storage.snapshots.mongo import MongoSnapshotStore

        return MongoSnapshotStore.from_settings(settings, leases=leases)
    if settings.backend == "postgres":
        if pool is None:
            raise ValueError('storage.backend = "postgres" needs a connection pool')
        from yabot.storage.snapshots.postgres import PgSnapshotStore

        return PgSnapshotStore(pool, leases=leases)
    from yabot.storage.snapshots.sqlite import SqliteSnapshotStore

    return SqliteSnapshotStore(
        settings.data_dir / SQLITE_FILE_NAME, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
