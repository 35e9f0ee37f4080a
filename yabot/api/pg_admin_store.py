"""``PgAdminStore``: admin accounts and the admin API's audit log on PostgreSQL.

Same protocol and contract as :class:`yabot.api.admin_store.SqliteAdminStore`; its own
forward-only history (``store = 'admin'``). Nothing here belongs to a shard: no fencing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from psycopg import errors
from psycopg_pool import ConnectionPool

from yabot.api.admin_store import ADMIN_ROLES, AdminAccount, AdminExistsError, AdminRole, AuditEntry
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


class PgAdminStore:
    """:class:`yabot.api.admin_store.AdminStore` on PostgreSQL (thread-safe, blocking).

    Args:
        pool: The shared connection pool (not closed by :meth:`close`).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        migrate(pool, STORE, MIGRATIONS)
        self._pool = pool

    def get_admin(self, username: str) -> AdminAccount | None:
        """Return the account named ``username``, or None."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT username, password_hash, role, created_at FROM api_admins"
                " WHERE username = %s",
                (username,),
            ).fetchone()
        return None if row is None else AdminAccount(row[0], row[1], row[2], row[3])

    def create_admin(self, username: str, password_hash: str, role: AdminRole) -> AdminAccount:
        """Create an account.

        Raises:
            AdminExistsError: The username is taken.
            ValueError: ``role`` is not one of viewer, operator, admin.
        """
        if role not in ADMIN_ROLES:
            raise ValueError(f"unknown role {role!r}")
        account = AdminAccount(username, password_hash, role, time.time())
        try:
            with self._pool.connection() as conn:
                conn.execute(
                    "INSERT INTO api_admins (username, password_hash, role, created_at)"
                    " VALUES (%s, %s, %s, %s)",
                    (account.username, account.password_hash, account.role, account.created_at),
                )
        except errors.UniqueViolation:
            raise AdminExistsError(username) from None
        return account

    def record_audit(
        self, who: str, action: str, target: str, details: Mapping[str, Any]
    ) -> AuditEntry:
        """Append one audit entry stamped with the current time."""
        at = time.time()
        encoded = json.dumps(dict(details), separators=(",", ":"), sort_keys=True, default=str)
        with self._pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO api_audit (at, who, action, target, details)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (at, who, action, target, encoded),
            ).fetchone()
        assert row is not None
        return AuditEntry(int(row[0]), at, who, action, target, json.loads(encoded))

    def list_audit(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """Return up to ``limit`` entries, newest first, with ids below ``before_id``."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT id, at, who, action, target, details FROM api_audit"
                " WHERE id < %s ORDER BY id DESC LIMIT %s",
                (before_id if before_id is not None else 2**63 - 1, limit),
            ).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def close(self) -> None:
        """Nothing to release: the pool belongs to whoever opened it."""
