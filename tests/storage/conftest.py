from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from yabot.storage.records import RecordsDb
from yabot.storage.records.base import RecordsStore
from yabot.storage.snapshots.base import SnapshotStore
from yabot.storage.snapshots.mongo import MongoSnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore

StoreFactory = Callable[[], SnapshotStore]
RecordsFactory = Callable[..., RecordsStore]


@pytest.fixture(params=["sqlite", "postgres"])
def open_records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordsFactory]:
    """Opens records stores of one adapter that all see the same data (one file or one
    database); keyword arguments go to the adapter (``outbox_mode``, ``leases`` ...)."""
    opened: list[RecordsStore] = []
    pools: list[Any] = []

    def open_store(**options: Any) -> RecordsStore:
        store: RecordsStore
        if request.param == "sqlite":
            options.pop("leases", None)
            store = RecordsDb(tmp_path / "records.db", busy_timeout_ms=2000, **options)
        else:
            from yabot.storage.postgres.pool import open_pool
            from yabot.storage.postgres.records import PgRecords

            pool = open_pool(request.getfixturevalue("pg_dsn"), max_size=10)
            pools.append(pool)
            store = PgRecords(pool, **options)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()
    for pool in pools:
        pool.close()


@pytest.fixture
def records(open_records: RecordsFactory) -> RecordsStore:
    """A records store of each adapter (the contract suite runs against every one)."""
    return open_records()


@pytest.fixture(params=["sqlite", "mongo", "postgres"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens stores of one kind that all see the same data (one file or one database)."""
    opened: list[SnapshotStore] = []
    pools: list[Any] = []
    database = f"yabot_test_{uuid.uuid4().hex[:12]}"

    def open_store() -> SnapshotStore:
        store: SnapshotStore
        if request.param == "sqlite":
            store = SqliteSnapshotStore(tmp_path / "snapshots.sqlite3", busy_timeout_ms=2000)
        elif request.param == "postgres":
            from yabot.storage.postgres.pool import open_pool
            from yabot.storage.snapshots.postgres import PgSnapshotStore

            pool = open_pool(request.getfixturevalue("pg_dsn"), max_size=10)
            pools.append(pool)
            store = PgSnapshotStore(pool)
        else:
            uri = request.getfixturevalue("mongodb_uri")
            store = MongoSnapshotStore(uri, database=database, timeout_ms=5000)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()
    for pool in pools:
        pool.close()
    if request.param == "mongo":
        client: MongoClient[dict[str, object]]
        with MongoClient(request.getfixturevalue("mongodb_uri")) as client:
            client.drop_database(database)


@pytest.fixture
def store(store_factory: StoreFactory) -> SnapshotStore:
    """A snapshot store of each kind (the contract suite runs against every one)."""
    return store_factory()


@pytest.fixture
def emu() -> Iterator[Any]:
    """The Telegram emulator (for the whole-bot tests of the PostgreSQL backend)."""
    from tests.integration.harness import Emu

    server = Emu().start()
    yield server
    server.stop()
