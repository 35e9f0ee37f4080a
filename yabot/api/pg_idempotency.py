"""``PgIdempotencyStore``: the admin API's first answers by (scope, Idempotency-Key).

Same protocol and contract as :class:`yabot.api.idempotency.SqliteIdempotencyStore`; its
own history (``store = 'operations'``). A key answered by any instance is answered the same
by every other.
"""

from __future__ import annotations

import json
import time
from typing import Any

from psycopg_pool import ConnectionPool

from yabot.api.idempotency import StoredAnswer
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


class PgIdempotencyStore:
    """First answers by (scope, key) on PostgreSQL; thread-safe, blocking.

    Args:
        pool: The shared connection pool (not closed by :meth:`close`).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        migrate(pool, STORE, MIGRATIONS)
        self._pool = pool

    def get(self, scope: str, key: str) -> StoredAnswer | None:
        """Return the answer stored for ``key`` in ``scope``, or None."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT fingerprint, body FROM api_idempotency WHERE scope = %s AND key = %s",
                (scope, key),
            ).fetchone()
        return StoredAnswer(row[0], json.loads(row[1])) if row else None

    def put(self, scope: str, key: str, print_: str, body: dict[str, Any]) -> StoredAnswer:
        """Store the first answer for ``key``; returns whichever answer was stored first."""
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO api_idempotency (scope, key, fingerprint, body, created_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (scope, key) DO NOTHING",
                (scope, key, print_, json.dumps(body), time.time()),
            )
            # A new statement sees the row a concurrent first writer committed.
            row = conn.execute(
                "SELECT fingerprint, body FROM api_idempotency WHERE scope = %s AND key = %s",
                (scope, key),
            ).fetchone()
        assert row is not None
        return StoredAnswer(row[0], json.loads(row[1]))

    def close(self) -> None:
        """Nothing to release: the pool belongs to whoever opened it."""
