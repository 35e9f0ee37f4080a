from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pymongo import MongoClient

from yabot.storage.snapshots.base import SnapshotStore
from yabot.storage.snapshots.mongo import MongoSnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore

StoreFactory = Callable[[], SnapshotStore]


@pytest.fixture(params=["sqlite", "mongo"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens stores of one kind that all see the same data (one file or one database)."""
    opened: list[SnapshotStore] = []
    database = f"yabot_test_{uuid.uuid4().hex[:12]}"

    def open_store() -> SnapshotStore:
        store: SnapshotStore
        if request.param == "sqlite":
            store = SqliteSnapshotStore(tmp_path / "snapshots.sqlite3", busy_timeout_ms=2000)
        else:
            uri = request.getfixturevalue("mongodb_uri")
            store = MongoSnapshotStore(uri, database=database, timeout_ms=5000)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()
    if request.param == "mongo":
        client: MongoClient[dict[str, object]]
        with MongoClient(request.getfixturevalue("mongodb_uri")) as client:
            client.drop_database(database)


@pytest.fixture
def store(store_factory: StoreFactory) -> SnapshotStore:
    """A snapshot store of each kind (the contract suite runs against both)."""
    return store_factory()
