"""The PostgreSQL :class:`yabot.api.sql_core.Dialect`: the shared pool, ``%s`` placeholders."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg import Cursor, errors
from psycopg_pool import ConnectionPool

from yabot.api.sql_core import Row, Sql


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class PgSql:
    """:class:`yabot.api.sql_core.Sql` on one psycopg cursor (also for PostgreSQL-only SQL)."""

    def __init__(self, cur: Cursor[Any]) -> None:
        self.cursor = cur

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.cursor.execute(_pg(sql), params).fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self.cursor.execute(_pg(sql), params).fetchall()]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return max(self.cursor.execute(_pg(sql), params).rowcount, 0)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        changed = 0
        for params in rows:
            changed += self.run(sql, params)
        return changed


class PgDialect:
    """Connections from the shared pool (not closed by :meth:`close`)."""

    unique_violation: type[Exception] = errors.UniqueViolation

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    @contextmanager
    def read(self) -> Iterator[Sql]:
        """Statements that only read."""
        with self.pool.connection() as conn, conn.cursor() as cur:
            yield PgSql(cur)

    @contextmanager
    def write(self) -> Iterator[PgSql]:
        """One transaction."""
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield PgSql(cur)

    def close(self) -> None:
        """Nothing to release: the pool belongs to whoever opened it."""


__all__ = ["PgDialect", "PgSql"]
