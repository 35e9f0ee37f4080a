"""Versioned actor snapshots: the store protocol, its SQLite and MongoDB adapters, the writer."""

from __future__ import annotations

from yabot.config import StorageSettings
from yabot.storage.snapshots.base import (
    NO_UPDATE,
    SaveOutcome,
    SaveStatus,
    Snapshot,
    SnapshotConflict,
    SnapshotStore,
    SnapshotStoreError,
)

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


def open_snapshot_store(settings: StorageSettings) -> SnapshotStore:
    """Open MongoDB when ``mongodb_uri`` is set, else ``<data_dir>/snapshots.sqlite3``.

    The MongoDB client connects lazily: an unreachable server shows up as
    ``SnapshotStoreError`` on first use (and ``ping()`` False), not here.
    """
    if settings.mongodb_uri:
        from yabot.storage.snapshots.mongo import MongoSnapshotStore

        return MongoSnapshotStore.from_settings(settings)
    from yabot.storage.snapshots.sqlite import SqliteSnapshotStore

    return SqliteSnapshotStore(
        settings.data_dir / SQLITE_FILE_NAME, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
