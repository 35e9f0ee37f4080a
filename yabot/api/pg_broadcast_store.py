"""``PgBroadcastStore``: broadcasts and their recipients on PostgreSQL.

The store is :class:`yabot.api.broadcast_store.SqlBroadcastStore` on PostgreSQL, with its
own history (``store = 'broadcasts'``). Claims take rows ``FOR UPDATE SKIP LOCKED``, so two
instances resuming the same broadcast never claim a recipient twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg_pool import ConnectionPool

from yabot.api.broadcast_store import SqlBroadcastStore
from yabot.api.pg_dialect import PgDialect, PgSql
from yabot.api.sql_core import Sql
from yabot.storage.postgres.migrations import PgMigration, migrate

STORE = "broadcasts"

MIGRATIONS = (
    PgMigration(
        1,
        "broadcasts and recipients",
        (
            """CREATE TABLE broadcasts (
                id bigserial PRIMARY KEY,
                text text NOT NULL,
                segment text NOT NULL,
                state text NOT NULL,
                total integer NOT NULL,
                sent integer NOT NULL DEFAULT 0,
                failed integer NOT NULL DEFAULT 0,
                created_by text NOT NULL,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                finished_at double precision,
                idempotency_key text UNIQUE,
                fingerprint text)""",
            """CREATE TABLE broadcast_recipients (
                broadcast_id bigint NOT NULL,
                user_id bigint NOT NULL,
                status text NOT NULL,
                error text,
                PRIMARY KEY (broadcast_id, user_id))""",
            "CREATE INDEX broadcast_recipients_by_status"
            " ON broadcast_recipients (broadcast_id, status, user_id)",
        ),
    ),
)


class PgBroadcastStore(SqlBroadcastStore):
    """Broadcasts on PostgreSQL; thread-safe and blocking (call it off the event loop).

    The recipients go in with ``COPY``, are claimed with ``SKIP LOCKED`` (two instances never
    claim the same one) and marked by arrays, one statement per chunk.

    Args:
        pool: The shared connection pool (not closed by :meth:`close`).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        migrate(pool, STORE, MIGRATIONS)
        super().__init__(PgDialect(pool))

    def _add_recipients(self, sql: Sql, broadcast_id: int, users: list[int]) -> None:
        assert isinstance(sql, PgSql)
        with sql.cursor.copy(
            "COPY broadcast_recipients (broadcast_id, user_id, status) FROM STDIN"
        ) as copy:
            for user in users:
                copy.write_row((broadcast_id, user, "pending"))

    def _claim(self, sql: Sql, broadcast_id: int, limit: int) -> list[int]:
        rows = sql.all(
            "UPDATE broadcast_recipients r SET status = 'sending' FROM ("
            " SELECT user_id FROM broadcast_recipients WHERE broadcast_id = ?"
            " AND status = 'pending' ORDER BY user_id LIMIT ? FOR UPDATE SKIP LOCKED) c"
            " WHERE r.broadcast_id = ? AND r.user_id = c.user_id RETURNING r.user_id",
            (broadcast_id, limit, broadcast_id),
        )
        return sorted(int(row[0]) for row in rows)

    def _mark(self, sql: Sql, broadcast_id: int, status: str, users: Sequence[int]) -> int:
        return sql.run(
            "UPDATE broadcast_recipients SET status = ?"
            " WHERE broadcast_id = ? AND user_id = ANY(?) AND status = 'sending'",
            (status, broadcast_id, list(users)),
        )
