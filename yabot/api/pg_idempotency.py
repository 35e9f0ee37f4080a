"""``PgIdempotencyStore``: the admin API's first answers by (scope, Idempotency-Key).

Same protocol and contract as :class:`yabot.api.idempotency.SqliteIdempotencyStore`; its
own history (``store = 'operations'``). A key answered by any instance is answered the same
by every other.
"""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from yabot.api.idempotency import SqlIdempotencyStore
from yabot.api.pg_dialect import PgDialect
from yabot.storage.postgres.migrations import PgMigration, migrate

STORE = "operations"

MIGRATIONS = (
    PgMigration(
        1,
        "first answers by idempotency key",
        (
            """CREATE TABLE api_idempotency (
                scope text NOT NULL,
                key text NOT NULL,
                fingerprint text NOT NULL,
                body text NOT NULL,
                created_at double precision NOT NULL,
                PRIMARY KEY (scope, key))""",
        ),
    ),
)


class PgIdempotencyStore(SqlIdempotencyStore):
    """First answers by (scope, key) on PostgreSQL; thread-safe, blocking.

    Args:
        pool: The shared connection pool (not closed by :meth:`close`).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        migrate(pool, STORE, MIGRATIONS)
        super().__init__(PgDialect(pool))
