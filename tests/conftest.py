"""Shared fixtures: keep this file small; feature fixtures live next to their tests."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from yabot.cluster.local_postgres import LocalPostgres, PostgresUnavailable

MONGODB_URI_ENV = "YABOT_TEST_MONGODB_URI"


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB wire-protocol server for the session: a real mongod when
    ``YABOT_TEST_MONGODB_URI`` is set, else an in-process SecantusDB server.

    Tests must use their own database name (see ``unique_name``) to stay independent.
    """
    external = os.environ.get(MONGODB_URI_ENV)
    if external:
        yield external
        return
    from secantus import SecantusDBServer

    storage: Path = tmp_path_factory.mktemp("secantus")
    with SecantusDBServer(storage_path=str(storage)) as server:
        yield server.uri


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Undo what a test's ``configure_logging`` did (a bot started by a test calls it)."""
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**saved)
    root.handlers, root.level = handlers, level


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """A throwaway PostgreSQL for the session (never the machine's shared server)."""
    try:
        server = LocalPostgres(durable=False)
    except PostgresUnavailable as exc:  # scripts/test installs it; a bare pytest may not
        pytest.skip(str(exc))
    with server:
        yield server


@contextlib.contextmanager
def fresh_database(postgres: LocalPostgres) -> Iterator[str]:
    """A new database on ``postgres`` (its DSN), dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres.dsn.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def pg_dsn(postgres: LocalPostgres) -> Iterator[str]:
    """A fresh database on the session's server for one test."""
    with fresh_database(postgres) as dsn:
        yield dsn
