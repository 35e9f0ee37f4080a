"""The store registry: every SQLite store opens private, with secure_delete, under its name."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from yabot.api.admin_store import SqliteAdminStore
from yabot.api.broadcast_store import SqliteBroadcastStore
from yabot.api.idempotency import SqliteIdempotencyStore
from yabot.config import Settings
from yabot.storage.inbox import open_inbox
from yabot.storage.records import RecordsDb
from yabot.storage.registry import (
    STORES,
    Kind,
    active_stores,
    is_restore_leftover,
    store_of_file,
)
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.sqlite_util import connect


def _settings(data: Path) -> Settings:
    return Settings.model_validate({"storage": {"data_dir": str(data)}})


# How each SQLite store of the registry is opened by its owner (the legacy replies.db is only
# ever read). A store added to the registry must be added here, or the first test fails.
OPENERS: dict[str, Callable[[Path], Any]] = {
    "inbox": lambda d: open_inbox(_settings(d)),
    "snapshots": lambda d: SqliteSnapshotStore(d / "snapshots.sqlite3", busy_timeout_ms=1000),
    "records": lambda d: RecordsDb.open(_settings(d)),
    "admin": lambda d: SqliteAdminStore(d / "admin.db"),
    "operations": lambda d: SqliteIdempotencyStore(d / "operations.db", busy_timeout_ms=1000),
    "broadcasts": lambda d: SqliteBroadcastStore(d / "broadcasts.db", busy_timeout_ms=1000),
}


def test_every_sqlite_store_of_the_registry_has_an_opener_here() -> None:
    sqlite_stores = {s.name for s in STORES if s.kind is Kind.SQLITE and not s.legacy}
    assert sqlite_stores == set(OPENERS)


@pytest.mark.parametrize("name", sorted(OPENERS))
def test_each_store_writes_the_file_the_registry_names_private(name: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = OPENERS[name](data)
    try:
        files = sorted(p.name for p in data.iterdir())
        declared = next(s for s in STORES if s.name == name and s.kind is Kind.SQLITE)
        assert declared.location in files
        assert all(store_of_file(f) is declared for f in files if f != "secret.key")
        for path in data.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
    finally:
        store.close()


def test_connections_overwrite_what_they_delete(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db", busy_timeout_ms=1000)
    try:
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", ("secret words of a player " * 20,))
        conn.commit()
        conn.execute("DELETE FROM t")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    assert b"secret words of a player" not in (tmp_path / "x.db").read_bytes()


def test_a_loose_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "loose.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    connect(path, busy_timeout_ms=1000).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_snapshot_store_is_sqlite_or_mongo_never_both(tmp_path: Path) -> None:
    plain = {(s.name, s.kind) for s in active_stores(_settings(tmp_path).storage)}
    assert ("snapshots", Kind.SQLITE) in plain and ("snapshots", Kind.MONGO) not in plain
    mongo = Settings.model_validate(
        {"storage": {"data_dir": str(tmp_path), "mongodb_uri": "mongodb://127.0.0.1:1"}}
    )
    kinds = {(s.name, s.kind) for s in active_stores(mongo.storage)}
    assert ("snapshots", Kind.MONGO) in kinds and ("snapshots", Kind.SQLITE) not in kinds
    assert not any(s.kind is Kind.POSTGRES for s in active_stores(mongo.storage))


def test_side_files_and_restore_leftovers_are_recognised() -> None:
    assert store_of_file("inbox.sqlite3-wal") is store_of_file("inbox.sqlite3")
    assert store_of_file("records.db-shm") is store_of_file("records.db")
    assert store_of_file("stray.db") is None
    assert is_restore_leftover("pre-restore-1700000000/records.db")
    assert is_restore_leftover("replies.db.replaced-1700000000-wal")
    assert not is_restore_leftover("records.db")
