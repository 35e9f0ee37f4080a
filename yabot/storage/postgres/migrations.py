"""Forward-only schema migrations, one history per store, in ``schema_migrations``.

Each store lists its migrations (version, name, statements). :func:`migrate` applies the
missing ones in one transaction under ``pg_advisory_xact_lock``, so instances starting
together migrate once and the others wait, then find everything applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from yabot.observability.logging import get_logger

log = get_logger(__name__)

MIGRATION_LOCK_NAMESPACE = 0x59414201  # "YAB\1"; leases.py uses "YAB\0" for its members

_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    store text NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store, version))"""


@dataclass(frozen=True, slots=True)
class PgMigration:
    """One step of a store's schema; never edited once released, only followed by others."""

    version: int
    name: str
    statements: tuple[str, ...]


class SchemaTooNew(RuntimeError):
    """The database holds a newer schema of a store than this program knows."""


def _check(migrations: Sequence[PgMigration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1..n in order, got {versions}")


def migrate(pool: ConnectionPool, store: str, migrations: Sequence[PgMigration]) -> int:
    """Bring ``store``'s tables to the newest version; returns the version now applied.

    Raises:
        SchemaTooNew: The database was migrated by a newer program (refuse to run on it).
    """
    _check(migrations)
    with pool.connection() as conn, conn.transaction():
        # One lock for every store: it also serialises creating the history table (two
        # CREATE TABLE IF NOT EXISTS racing can both fail on the catalog's unique index).
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (MIGRATION_LOCK_NAMESPACE,))
        conn.execute(_TABLE)
        row = conn.execute(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE store = %s", (store,)
        ).fetchone()
        current = int(row[0]) if row else 0
        newest = len(migrations)
        if current > newest:
            raise SchemaTooNew(
                f"the {store} store's schema is at version {current}, this program knows "
                f"up to {newest}: upgrade the program"
            )
        for migration in migrations[current:]:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (store, version, name) VALUES (%s, %s, %s)",
                (store, migration.version, migration.name),
            )
            log.info("pg_migrated", store=store, version=migration.version, name=migration.name)
    return max(current, newest)


def applied(pool: ConnectionPool, store: str) -> list[tuple[int, str]]:
    """The applied ``(version, name)`` of ``store``, oldest first (none before any run)."""
    with pool.connection() as conn:
        exists = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
        if exists is None or exists[0] is None:
            return []
        rows = conn.execute(
            "SELECT version, name FROM schema_migrations WHERE store = %s ORDER BY version",
            (store,),
        ).fetchall()
    return [(int(v), str(n)) for v, n in rows]
