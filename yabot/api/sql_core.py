"""The one place the admin API's stores run SQL, for SQLite and PostgreSQL alike.

A store's logic is written once against :class:`Sql` (queries with ``?`` placeholders) and a
:class:`Dialect` opens it: :class:`SqliteDialect` here, ``yabot.api.pg_dialect.PgDialect`` for
PostgreSQL (kept apart so that the embedded install needs no psycopg). An adapter keeps only
what really differs (its schema, and statements such as PostgreSQL's ``COPY`` or ``SKIP
LOCKED``), as :class:`yabot.storage.records.reads.RecordsReads` does for the records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from yabot.config import StorageSettings
from yabot.storage.sqlite_util import LockedConnection, connect

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

Row = tuple[Any, ...]


class Sql(Protocol):
    """Statements inside one read or one transaction (``?`` placeholders)."""

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        ...

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        ...

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run a statement once per parameter row; how many rows they changed."""
        ...


class Dialect(Protocol):
    """How a store reaches its database."""

    unique_violation: type[Exception]
    """The error a unique constraint raises."""

    def read(self) -> AbstractContextManager[Sql]:
        """Statements that only read."""
        ...

    def write(self) -> AbstractContextManager[Sql]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        ...

    def close(self) -> None:
        """Release what the dialect opened (not a pool it was given)."""
        ...


class _SqliteSql:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self._conn.execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self._conn.execute(sql, params).fetchall()]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return max(self._conn.execute(sql, params).rowcount, 0)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return max(self._conn.executemany(sql, rows).rowcount, 0)


class SqliteDialect:
    """One SQLite connection behind a lock (thread-safe, blocking)."""

    unique_violation: type[Exception] = sqlite3.IntegrityError

    def __init__(self, db: LockedConnection) -> None:
        self._db = db

    @classmethod
    def open(
        cls, path: str | Path, schema: Sequence[str], *, busy_timeout_ms: int = 5000
    ) -> SqliteDialect:
        """Open the SQLite file ``path`` (private, created when missing) with its ``schema``
        (``CREATE ... IF NOT EXISTS`` statements) in place."""
        db = LockedConnection(connect(path, busy_timeout_ms=busy_timeout_ms))
        with db.transaction() as conn:
            for statement in schema:
                conn.execute(statement)
        return cls(db)

    @contextmanager
    def read(self) -> Iterator[Sql]:
        """Statements that only read."""
        with self._db.use() as conn:
            yield _SqliteSql(conn)

    @contextmanager
    def write(self) -> Iterator[Sql]:
        """One ``BEGIN IMMEDIATE`` transaction."""
        with self._db.transaction() as conn:
            yield _SqliteSql(conn)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()


def postgres_pool(storage: StorageSettings, pool: ConnectionPool | None) -> ConnectionPool | None:
    """``pool`` when ``storage.backend`` is postgres (where a store needs one), else None.

    Raises:
        ValueError: The backend is postgres and no pool was given.
    """
    if storage.backend != "postgres":
        return None
    if pool is None:
        raise ValueError('storage.backend = "postgres" needs a connection pool')
    return pool


__all__ = ["Dialect", "Row", "Sql", "SqliteDialect", "postgres_pool"]
