"""A throwaway PostgreSQL per test session (never the machine's shared server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yabot.cluster.local_postgres import LocalPostgres, PostgresUnavailable


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    try:
        server = LocalPostgres(durable=False)
    except PostgresUnavailable as exc:  # scripts/test installs it; a bare pytest may not
        pytest.skip(str(exc))
    with server:
        yield server


@pytest.fixture
def pg_dsn(postgres: LocalPostgres) -> Iterator[str]:
    """A fresh database on the session's server for one test."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres.dsn.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
