"""``PgAdminStore``: admin accounts and the admin API's audit log on PostgreSQL.

Same protocol and contract as :class:`yabot.api.admin_store.SqliteAdminStore`; its own
forward-only history (``store = 'admin'``). Nothing here belongs to a shard: no fencing.
"""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from yabot.api.admin_store import SqlAdminStore
from yabot.api.pg_dialect import PgDialect
from yabot.storage.postgres.migrations import PgMigration, migrate

STORE = "admin"

MIGRATIONS = (
    PgMigration(
        1,
        "admin accounts and audit",
        (
            """CREATE TABLE api_admins (
                username text PRIMARY KEY,
                password_hash text NOT NULL,
                role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
                created_at double precision NOT NULL)""",
            """CREATE TABLE api_audit (
                id bigserial PRIMARY KEY,
                at double precision NOT NULL,
                who text NOT NULL,
                action text NOT NULL,
                target text NOT NULL,
                details text NOT NULL)""",
        ),
    ),
)


class PgAdminStore(SqlAdminStore):
    """:class:`yabot.api.admin_store.AdminStore` on PostgreSQL (thread-safe, blocking).

    Args:
        pool: The shared connection pool (not closed by :meth:`close`).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        migrate(pool, STORE, MIGRATIONS)
        super().__init__(PgDialect(pool))
