"""Snapshots carry their player's shard and the inbox seq they cover; a table written before
(``last_update_id``, no shard) is brought up to date at open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from yabot.storage.snapshots import Snapshot, SnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore


def test_an_old_snapshot_table_is_upgraded_and_keeps_its_snapshots(tmp_path: Path) -> None:
    path = tmp_path / "snapshots.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE snapshots (key TEXT PRIMARY KEY, version INTEGER NOT NULL, "
            "last_update_id INTEGER NOT NULL, state BLOB NOT NULL, updated_at REAL NOT NULL)"
        )
        conn.execute("INSERT INTO snapshots VALUES ('user:1', 3, 900000000, X'01', 5.0)")
    store = SqliteSnapshotStore(path)
    try:
        old = store.load("user:1")
        assert old is not None and (old.version, old.state, old.shard) == (3, b"\x01", 0)
        new = Snapshot("user:1", 4, 17, b"\x02", 6.0, shard=9)
        assert store.save_many([new])[0].saved
        assert store.load("user:1") == new
    finally:
        store.close()
    SqliteSnapshotStore(path).close()  # opening an upgraded table again changes nothing


def test_every_adapter_keeps_the_shard(store: SnapshotStore) -> None:
    first = Snapshot("user:77", 1, 5, b"a", 1.0, shard=42)
    assert store.save_many([first])[0].saved
    assert store.load("user:77") == first
    second = Snapshot("user:77", 2, 9, b"b", 2.0, shard=42)
    assert store.save_many([second])[0].saved
    assert store.load("user:77") == second
