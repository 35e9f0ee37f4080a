"""``open_records_store``: the records adapter ``storage.backend`` names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from yabot.config import Settings
from yabot.storage.lease_source import LeaseSource
from yabot.storage.records.base import RecordsStore
from yabot.storage.records.db import RecordsDb

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool


def open_records_store(
    settings: Settings, pool: ConnectionPool | None = None, leases: LeaseSource | None = None
) -> RecordsStore:
    """``records.db`` under ``storage.data_dir`` (the embedded default), or PostgreSQL through
    ``pool`` when ``storage.backend = "postgres"``, fenced by ``leases`` in cluster mode.

    Raises:
        ValueError: The backend is PostgreSQL and no pool is given.
    """
    if settings.storage.backend != "postgres":
        return RecordsDb.open(settings)
    if pool is None:
        raise ValueError('storage.backend = "postgres" needs a connection pool')
    from yabot.storage.postgres.records import PgRecords

    return PgRecords(
        pool,
        leases=leases,
        shards=settings.runtime.shards,
        outbox_mode="relay" if settings.events.redis_url else "local",
        outbox_budget_bytes=settings.events.outbox_disk_budget_mb * 1024 * 1024,
        group_commit=settings.storage.records_group_commit,
    )
