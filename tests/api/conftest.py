"""Fixtures: an API built by create_api over a real SQLite admin store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from yabot.api.admin_store import AdminRole, SqliteAdminStore
from yabot.security.passwords import hash_password

from .support import LOG2_N, PASSWORD, build_app, make_settings


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteAdminStore]:
    s = SqliteAdminStore(tmp_path / "admin.sqlite3")
    yield s
    s.close()


@pytest.fixture
def add_account(store: SqliteAdminStore) -> Callable[[str, AdminRole], None]:
    def add(username: str, role: AdminRole) -> None:
        store.create_admin(username, hash_password(PASSWORD, log2_n=LOG2_N), role)

    return add


@pytest.fixture
def app(store: SqliteAdminStore) -> FastAPI:
    return build_app(make_settings(), store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
