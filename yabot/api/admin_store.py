"""Admin accounts and the audit log: the :class:`AdminStore` protocol and a SQLite store.

The SQLite store keeps its own tables ``api_admins`` and ``api_audit`` (created if missing)
in any SQLite file; ``yabot.api.pg_admin_store.PgAdminStore`` keeps them in PostgreSQL
(one contract suite: tests/storage/test_admin_store_contract.py).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from yabot.api.sql_core import Dialect, SqliteDialect, postgres_pool
from yabot.config import Settings

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

AdminRole = Literal["viewer", "operator", "admin"]
ADMIN_ROLES: tuple[AdminRole, ...] = ("viewer", "operator", "admin")


class AdminExistsError(Exception):
    """Raised by :meth:`AdminStore.create_admin` when the username is taken."""


@dataclass(frozen=True)
class AdminAccount:
    """An admin API account (the password only as its encoded hash)."""

    username: str
    password_hash: str
    role: AdminRole
    created_at: float


@dataclass(frozen=True)
class AuditEntry:
    """One recorded admin action."""

    id: int
    at: float
    who: str
    action: str
    target: str
    details: dict[str, Any]


class AdminStore(Protocol):
    """What the API needs to keep accounts and the audit log. Methods may block (call them
    from a worker thread, not the event loop)."""

    def get_admin(self, username: str) -> AdminAccount | None:
        """Return the account named ``username``, or None."""
        ...

    def create_admin(self, username: str, password_hash: str, role: AdminRole) -> AdminAccount:
        """Create an account; raise :class:`AdminExistsError` if the name is taken."""
        ...

    def record_audit(
        self, who: str, action: str, target: str, details: Mapping[str, Any]
    ) -> AuditEntry:
        """Append one audit entry stamped with the current time."""
        ...

    def list_audit(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """Return up to ``limit`` entries, newest first, with ids below ``before_id``."""
        ...


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS api_admins (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS api_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL)""",
)


class SqlAdminStore:
    """:class:`AdminStore` written once over a :class:`yabot.api.sql_core.Dialect`
    (thread-safe, blocking); :class:`SqliteAdminStore` and ``PgAdminStore`` open it."""

    def __init__(self, dialect: Dialect) -> None:
        self._sql = dialect

    def get_admin(self, username: str) -> AdminAccount | None:
        """Return the account named ``username``, or None."""
        with self._sql.read() as sql:
            row = sql.one(
                "SELECT username, password_hash, role, created_at FROM api_admins"
                " WHERE username = ?",
                (username,),
            )
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
            with self._sql.write() as sql:
                sql.run(
                    "INSERT INTO api_admins (username, password_hash, role, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (account.username, account.password_hash, account.role, account.created_at),
                )
        except self._sql.unique_violation:
            raise AdminExistsError(username) from None
        return account

    def record_audit(
        self, who: str, action: str, target: str, details: Mapping[str, Any]
    ) -> AuditEntry:
        """Append one audit entry stamped with the current time."""
        at = time.time()
        encoded = json.dumps(dict(details), separators=(",", ":"), sort_keys=True, default=str)
        with self._sql.write() as sql:
            row = sql.one(
                "INSERT INTO api_audit (at, who, action, target, details)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (at, who, action, target, encoded),
            )
        assert row is not None
        return AuditEntry(int(row[0]), at, who, action, target, json.loads(encoded))

    def list_audit(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """Return up to ``limit`` entries, newest first, with ids below ``before_id``."""
        with self._sql.read() as sql:
            rows = sql.all(
                "SELECT id, at, who, action, target, details FROM api_audit"
                " WHERE id < ? ORDER BY id DESC LIMIT ?",
                (before_id if before_id is not None else 2**63 - 1, limit),
            )
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def close(self) -> None:
        """Release the dialect's connection (a shared pool stays open)."""
        self._sql.close()


class SqliteAdminStore(SqlAdminStore):
    """:class:`AdminStore` over one SQLite file (thread-safe through one locked connection).

    Args:
        path: The database file (created with its parent directory if missing).
        busy_timeout_ms: How long a write waits for a lock held by another process.
    """

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        super().__init__(SqliteDialect.open(path, _SCHEMA, busy_timeout_ms=busy_timeout_ms))


def open_admin_store(
    settings: Settings, path: Path, pool: ConnectionPool | None = None
) -> AdminStore:
    """The admin store of ``storage.backend``: the SQLite file ``path``, or PostgreSQL
    through ``pool``."""
    if (shared := postgres_pool(settings.storage, pool)) is not None:
        from yabot.api.pg_admin_store import PgAdminStore

        return PgAdminStore(shared)
    return SqliteAdminStore(path, busy_timeout_ms=settings.storage.sqlite_busy_timeout_ms)


LOCAL_ADMIN_PASSWORD_BYTES = 15
"""A local admin's random password: 15 random bytes, 20 URL-safe characters."""


def ensure_local_admin(
    store: AdminStore, username: str, hash_password: Callable[[str], str]
) -> str | None:
    """Create the local-play admin ``username`` with a random password unless it exists.

    Only the password's hash is stored; the password itself is returned once, to be shown
    to the person who started the bot, and is never logged.

    Args:
        store: The admin store.
        username: The account to create (role admin).
        hash_password: Encodes a password for storage (e.g. scrypt with the configured cost).

    Returns:
        The new password, or None when the account already existed (its password was shown
        when it was created).
    """
    if store.get_admin(username) is not None:
        return None
    password = secrets.token_urlsafe(LOCAL_ADMIN_PASSWORD_BYTES)
    try:
        store.create_admin(username, hash_password(password), "admin")
    except AdminExistsError:  # another process created it first
        return None
    store.record_audit("system", "accounts.local_admin", username, {"role": "admin"})
    return password
