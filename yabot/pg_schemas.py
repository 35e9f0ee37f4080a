"""The schema of every PostgreSQL store of :mod:`yabot.storage.registry`, by store name.

``yabot restore`` (cluster mode) creates each store's tables at the version the backup holds
before copying the rows back. The migrations live with the store adapters, some of them in
``yabot.api``, which ``yabot.storage`` must not import; this top-level module gathers them and
the CLI hands them to :func:`yabot.storage.backup.restore`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from yabot.api import pg_admin_store, pg_broadcast_store, pg_idempotency
from yabot.cluster import leases
from yabot.storage.postgres import inbox, records_schema
from yabot.storage.postgres.migrations import PgMigration
from yabot.storage.snapshots import postgres as snapshots


def store_migrations() -> Mapping[str, Sequence[PgMigration]]:
    """Each versioned PostgreSQL store's forward-only migrations, by registry name."""
    return {
        inbox.STORE: inbox.MIGRATIONS,
        snapshots.STORE: snapshots.MIGRATIONS,
        records_schema.STORE: records_schema.MIGRATIONS,
        pg_admin_store.STORE: pg_admin_store.MIGRATIONS,
        pg_idempotency.STORE: pg_idempotency.MIGRATIONS,
        pg_broadcast_store.STORE: pg_broadcast_store.MIGRATIONS,
    }


LEASES_SCHEMA: Sequence[str] = leases.SCHEMA
"""The shard leases' tables (unversioned: ``CREATE ... IF NOT EXISTS``)."""


def restore_schemas() -> tuple[Mapping[str, Sequence[PgMigration]], Sequence[str]]:
    """What :func:`yabot.storage.backup.restore` needs to rebuild the PostgreSQL stores."""
    return store_migrations(), LEASES_SCHEMA
