"""Broadcasts and their recipients, persisted in ``broadcasts.db`` so a restart resumes them.

Each recipient row moves ``pending`` -> ``sending`` (claimed in a chunk) -> ``sent`` or
``failed``; a row left ``sending`` by a crash goes back to ``pending`` when its broadcast
resumes (at-least-once for at most one chunk after a crash; exactly once otherwise).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from yabot.api.sql_core import Dialect, Sql, SqliteDialect, postgres_pool
from yabot.config import Settings

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

BroadcastState = Literal["running", "done", "cancelled"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS broadcasts (id INTEGER PRIMARY KEY, text TEXT NOT NULL, "
    "segment TEXT NOT NULL, state TEXT NOT NULL, total INTEGER NOT NULL, "
    "sent INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, "
    "created_by TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL, "
    "finished_at REAL, idempotency_key TEXT UNIQUE, fingerprint TEXT)",
    "CREATE TABLE IF NOT EXISTS broadcast_recipients (broadcast_id INTEGER NOT NULL, "
    "user_id INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, "
    "PRIMARY KEY (broadcast_id, user_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS broadcast_recipients_by_status "
    "ON broadcast_recipients (broadcast_id, status, user_id)",
)
_COLUMNS = (
    "id, text, segment, state, total, sent, failed, created_by, created_at, updated_at, "
    "finished_at, idempotency_key, fingerprint"
)


@dataclass(frozen=True)
class Broadcast:
    """A broadcast and its progress."""

    id: int
    text: str
    segment: dict[str, Any]
    state: BroadcastState
    total: int
    sent: int
    failed: int
    created_by: str
    created_at: float
    updated_at: float
    finished_at: float | None
    idempotency_key: str | None
    fingerprint: str | None

    @property
    def pending(self) -> int:
        """Recipients not yet sent to nor given up."""
        return self.total - self.sent - self.failed


@dataclass(frozen=True)
class Outcomes:
    """What became of one chunk's recipients."""

    sent: Sequence[int] = ()
    failed: Sequence[tuple[int, str]] = ()
    retry: Sequence[int] = ()


def broadcast_of_row(row: Sequence[Any]) -> Broadcast:
    """A :class:`Broadcast` from a row of the ``broadcasts`` columns (any adapter)."""
    values = list(row)
    values[2] = json.loads(values[2])
    return Broadcast(*values)


@runtime_checkable
class BroadcastStore(Protocol):
    """Where broadcasts and their recipients are kept; blocking (call it off the event loop).

    Adapters: :class:`SqliteBroadcastStore` and
    ``yabot.api.pg_broadcast_store.PgBroadcastStore`` (one contract suite:
    tests/storage/test_broadcast_store_contract.py).
    """

    def create(
        self,
        text: str,
        segment: dict[str, Any],
        recipients: Iterable[int],
        created_by: str,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> tuple[Broadcast, bool]:
        """Create a running broadcast with its recipients (or return the key's earlier one)."""
        ...

    def get(self, broadcast_id: int) -> Broadcast | None:
        """Return a broadcast, or None."""
        ...

    def by_key(self, idempotency_key: str) -> Broadcast | None:
        """Return the broadcast created with ``idempotency_key``, or None."""
        ...

    def latest(self, limit: int, state: BroadcastState | None = None) -> list[Broadcast]:
        """Return the newest broadcasts, newest first."""
        ...

    def running_ids(self) -> list[int]:
        """Ids of the broadcasts still running, oldest first."""
        ...

    def release_claims(self, broadcast_id: int) -> int:
        """Put recipients left ``sending`` back to ``pending``; returns how many."""
        ...

    def claim(self, broadcast_id: int, limit: int) -> list[int]:
        """Mark up to ``limit`` pending recipients ``sending`` (lowest user ids first)."""
        ...

    def record(self, broadcast_id: int, outcomes: Outcomes) -> None:
        """Record a chunk's outcomes and the broadcast's counters in one transaction."""
        ...

    def finish(self, broadcast_id: int, state: BroadcastState) -> Broadcast | None:
        """Move a running broadcast to ``state``; returns it after."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...


class SqlBroadcastStore:
    """:class:`BroadcastStore` written once over a :class:`Dialect` (thread-safe, blocking;
    call it off the event loop). The recipients' bulk statements are hooks an adapter may do
    better (PostgreSQL: ``COPY``, ``SKIP LOCKED``, arrays); these portable ones serve SQLite.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._sql = dialect

    @staticmethod
    def _one(sql: Sql, where: str, params: Sequence[Any]) -> Broadcast | None:
        row = sql.one(f"SELECT {_COLUMNS} FROM broadcasts WHERE {where}", params)
        return broadcast_of_row(row) if row else None

    def create(
        self,
        text: str,
        segment: dict[str, Any],
        recipients: Iterable[int],
        created_by: str,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> tuple[Broadcast, bool]:
        """Create a running broadcast with its recipients, in one transaction.

        Returns:
            The broadcast and True, or the one created earlier with the same
            ``idempotency_key`` and False (nothing new is written).
        """
        now = time.time()
        users = sorted(set(recipients))
        with self._sql.write() as sql:
            row = sql.one(
                "INSERT INTO broadcasts (text, segment, state, total, created_by, created_at,"
                " updated_at, finished_at, idempotency_key, fingerprint)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                (
                    text,
                    json.dumps(segment, sort_keys=True),
                    "running" if users else "done",
                    len(users),
                    created_by,
                    now,
                    now,
                    None if users else now,
                    idempotency_key,
                    fingerprint,
                ),
            )
            if row is None:  # the key was used first (perhaps by another instance)
                earlier = self._one(sql, "idempotency_key = ?", (idempotency_key,))
                assert earlier is not None
                return earlier, False
            broadcast_id = int(row[0])
            self._add_recipients(sql, broadcast_id, users)
            created = self._one(sql, "id = ?", (broadcast_id,))
        assert created is not None
        return created, True

    def _add_recipients(self, sql: Sql, broadcast_id: int, users: list[int]) -> None:
        sql.many(
            "INSERT INTO broadcast_recipients (broadcast_id, user_id, status)"
            " VALUES (?, ?, 'pending')",
            ((broadcast_id, user) for user in users),
        )

    def get(self, broadcast_id: int) -> Broadcast | None:
        """Return a broadcast, or None."""
        with self._sql.read() as sql:
            return self._one(sql, "id = ?", (broadcast_id,))

    def by_key(self, idempotency_key: str) -> Broadcast | None:
        """Return the broadcast created with ``idempotency_key``, or None."""
        with self._sql.read() as sql:
            return self._one(sql, "idempotency_key = ?", (idempotency_key,))

    def latest(self, limit: int, state: BroadcastState | None = None) -> list[Broadcast]:
        """Return the newest broadcasts (optionally only those in ``state``), newest first."""
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        with self._sql.read() as sql:
            rows = sql.all(
                f"SELECT {_COLUMNS} FROM broadcasts {where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            )
        return [broadcast_of_row(row) for row in rows]

    def running_ids(self) -> list[int]:
        """Ids of the broadcasts still running, oldest first."""
        with self._sql.read() as sql:
            rows = sql.all("SELECT id FROM broadcasts WHERE state = 'running' ORDER BY id")
        return [int(row[0]) for row in rows]

    def release_claims(self, broadcast_id: int) -> int:
        """Put recipients left ``sending`` (by a crash) back to ``pending``; returns how many."""
        with self._sql.write() as sql:
            return sql.run(
                "UPDATE broadcast_recipients SET status = 'pending'"
                " WHERE broadcast_id = ? AND status = 'sending'",
                (broadcast_id,),
            )

    def claim(self, broadcast_id: int, limit: int) -> list[int]:
        """Mark up to ``limit`` pending recipients ``sending`` (lowest user ids first)."""
        with self._sql.write() as sql:
            return self._claim(sql, broadcast_id, limit)

    def _claim(self, sql: Sql, broadcast_id: int, limit: int) -> list[int]:
        rows = sql.all(
            "SELECT user_id FROM broadcast_recipients WHERE broadcast_id = ?"
            " AND status = 'pending' ORDER BY user_id LIMIT ?",
            (broadcast_id, limit),
        )
        users = [int(row[0]) for row in rows]
        sql.many(
            "UPDATE broadcast_recipients SET status = 'sending'"
            " WHERE broadcast_id = ? AND user_id = ?",
            ((broadcast_id, user) for user in users),
        )
        return users

    def record(self, broadcast_id: int, outcomes: Outcomes) -> None:
        """Record a chunk's outcomes and the broadcast's counters in one transaction."""
        with self._sql.write() as sql:
            sent = self._mark(sql, broadcast_id, "sent", outcomes.sent)
            failed = sql.many(
                "UPDATE broadcast_recipients SET status = 'failed', error = ?"
                " WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'",
                ((error[:200], broadcast_id, user) for user, error in outcomes.failed),
            )
            self._mark(sql, broadcast_id, "pending", outcomes.retry)
            sql.run(
                "UPDATE broadcasts SET sent = sent + ?, failed = failed + ?, updated_at = ?"
                " WHERE id = ?",
                (sent, failed, time.time(), broadcast_id),
            )

    def _mark(self, sql: Sql, broadcast_id: int, status: str, users: Sequence[int]) -> int:
        """Move ``users`` of the broadcast from ``sending`` to ``status``; how many moved."""
        return sql.many(
            "UPDATE broadcast_recipients SET status = ?"
            " WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'",
            ((status, broadcast_id, user) for user in users),
        )

    def finish(self, broadcast_id: int, state: BroadcastState) -> Broadcast | None:
        """Move a running broadcast to ``state`` (done or cancelled); returns it after."""
        now = time.time()
        with self._sql.write() as sql:
            sql.run(
                "UPDATE broadcasts SET state = ?, finished_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'running'",
                (state, now, now, broadcast_id),
            )
            return self._one(sql, "id = ?", (broadcast_id,))

    def close(self) -> None:
        """Release the dialect's connection (a shared pool stays open)."""
        self._sql.close()


class SqliteBroadcastStore(SqlBroadcastStore):
    """SQLite store of broadcasts; thread-safe and blocking (call it off the event loop).

    Args:
        path: The SQLite file (created with its tables when missing).
        busy_timeout_ms: SQLite busy timeout.
    """

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        super().__init__(SqliteDialect.open(path, _SCHEMA, busy_timeout_ms=busy_timeout_ms))


def open_broadcast_store(settings: Settings, pool: ConnectionPool | None = None) -> BroadcastStore:
    """The broadcast store of ``storage.backend``: ``broadcasts.db`` under ``data_dir``, or
    PostgreSQL through ``pool``."""
    storage = settings.storage
    if (shared := postgres_pool(storage, pool)) is not None:
        from yabot.api.pg_broadcast_store import PgBroadcastStore

        return PgBroadcastStore(shared)
    return SqliteBroadcastStore(
        storage.data_dir / "broadcasts.db", busy_timeout_ms=storage.sqlite_busy_timeout_ms
    )


__all__ = [
    "Broadcast",
    "BroadcastState",
    "BroadcastStore",
    "Outcomes",
    "SqliteBroadcastStore",
    "broadcast_of_row",
    "open_broadcast_store",
]
