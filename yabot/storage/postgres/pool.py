"""The connection pool every PostgreSQL store adapter shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from yabot.config import Settings

# Every statement YABOT prepares is a lookup by key or by an array of keys, whose best plan
# does not depend on the values. PostgreSQL's default (``auto``) still plans a prepared
# statement again at each call while a custom plan looks cheaper than the generic one: the sent
# marks' fenced statement was planned again at 80% of its calls, 0.42 ms of server CPU per
# update (docs/benchmarks.md, "Cluster mode", 2026-12-07 21:02). Generic plans are made once per
# connection.
PLAN_CACHE_MODE = "force_generic_plan"


class PostgresNotConfigured(RuntimeError):
    """``storage.backend`` is ``postgres`` but no DSN is set in the environment."""


def postgres_dsn(settings: Settings) -> str:
    """The DSN from ``YABOT_STORAGE__POSTGRES_DSN`` (never from a file: it may hold a password).

    Raises:
        PostgresNotConfigured: No DSN is set.
    """
    dsn = settings.storage.postgres_dsn
    if dsn is None or not dsn.get_secret_value():
        raise PostgresNotConfigured(
            'storage.backend = "postgres" needs YABOT_STORAGE__POSTGRES_DSN in the environment'
        )
    return dsn.get_secret_value()


def open_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 8, timeout_s: float = 10.0, name: str = "yabot"
) -> ConnectionPool:
    """Open a pool of autocommit-off connections to ``dsn`` and wait until one works.

    Args:
        dsn: PostgreSQL connection string.
        min_size: Connections kept open.
        max_size: The most connections at once (the stores are called from worker threads).
        timeout_s: How long to wait for the first connection, and for a free one later.
        name: The pool's name in psycopg's logs.
    """
    pool = ConnectionPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout_s,
        name=name,
        open=False,
        kwargs={"options": _with_generic_plans(dsn)},
    )
    pool.open(wait=True, timeout=timeout_s)
    return pool


def open_settings_pool(settings: Settings) -> ConnectionPool:
    """A pool sized by ``storage.postgres_pool_size`` to the configured DSN."""
    return open_pool(
        postgres_dsn(settings),
        max_size=settings.storage.postgres_pool_size,
        timeout_s=settings.storage.postgres_timeout_s,
    )


def _with_generic_plans(dsn: str) -> str:
    """The DSN's own ``options`` (kept) followed by :data:`PLAN_CACHE_MODE`'s setting."""
    own = str(conninfo_to_dict(dsn).get("options") or "")
    return f"{own} -c plan_cache_mode={PLAN_CACHE_MODE}".strip()


@contextmanager
def autocommit(pool: ConnectionPool) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection in autocommit: each statement is its own transaction, one round
    trip.

    (The pool's connections open a transaction at their first statement, which costs a
    ``BEGIN`` and a ``COMMIT`` round trip around a single statement.) For reads, and for a
    write that is whole in one statement.
    """
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            yield conn
        finally:
            if not conn.closed:
                conn.autocommit = False


reading = autocommit  # the reads' name for it: write nothing through it that is not whole
