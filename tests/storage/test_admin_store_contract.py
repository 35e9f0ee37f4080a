"""The admin store's contract, on every adapter (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.storage.api_store_adapters import adapters
from yabot.api.admin_store import AdminExistsError, AdminStore, SqliteAdminStore, ensure_local_admin

Opener = Callable[[], Any]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    def postgres(pool: Any) -> Any:
        from yabot.api.pg_admin_store import PgAdminStore

        return PgAdminStore(pool)

    yield from adapters(request, tmp_path, SqliteAdminStore, postgres)


def test_accounts_are_created_once_and_read_back(open_store: Opener) -> None:
    store: AdminStore = open_store()
    assert store.get_admin("ops") is None
    created = store.create_admin("ops", "hash", "operator")
    assert store.get_admin("ops") == created
    with pytest.raises(AdminExistsError):
        store.create_admin("ops", "other", "admin")
    with pytest.raises(ValueError, match="role"):
        store.create_admin("bad", "h", "root")  # type: ignore[arg-type]
    again = open_store()  # another process (instance) sees the same accounts
    assert again.get_admin("ops") == created


def test_racing_creators_create_one_account(open_store: Opener) -> None:
    stores = [open_store() for _ in range(2)]
    won: list[bool] = []

    def create(store: AdminStore) -> None:
        try:
            store.create_admin("root", "h", "admin")
            won.append(True)
        except AdminExistsError:
            won.append(False)

    threads = [threading.Thread(target=create, args=(s,)) for s in stores * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 5 + [True]


def test_audit_pages_newest_first(open_store: Opener) -> None:
    store: AdminStore = open_store()
    entries = [store.record_audit("ops", "grant", f"user:{i}", {"n": i}) for i in range(5)]
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    page = store.list_audit(2)
    assert [e.target for e in page] == ["user:4", "user:3"]
    assert page[0].details == {"n": 4}
    rest = store.list_audit(10, before_id=page[-1].id)
    assert [e.target for e in rest] == ["user:2", "user:1", "user:0"]


def test_local_admin_is_created_once(open_store: Opener) -> None:
    store: AdminStore = open_store()
    password = ensure_local_admin(store, "local", lambda p: f"hash:{p}")
    assert password is not None
    account = store.get_admin("local")
    assert account is not None and account.password_hash == f"hash:{password}"
    assert ensure_local_admin(store, "local", lambda p: p) is None
    assert [e.action for e in store.list_audit(10)] == ["accounts.local_admin"]
