"""``PgBroadcastStore``: broadcasts and their recipients on PostgreSQL.

Same protocol and contract as :class:`yabot.api.broadcast_store.SqliteBroadcastStore`; its
own history (``store = 'broadcasts'``). Claims take rows ``FOR UPDATE SKIP LOCKED``, so two
instances resuming the same broadcast never claim a recipient twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from yabot.api.broadcast_store import Broadcast, BroadcastState, Outcomes, broadcast_of_row
from yabot.storage.postgres.migrations import PgMigration, migrate

STORE = "broadcasts"

MIGRATIONS = (
    PgMigration(
        1,
        "broadcasts and recipients",
        (
            """CREATE TABLE broadcasts (
                id bigserial PRIMARY KEY,
                text text NOT NULL,
                segment text NOT NULL,
                state text NOT NULL,
                total integer NOT NULL,
                sent integer NOT NULL DEFAULT 0,
                failed integer NOT NULL DEFAULT 0,
                created_by text NOT NULL,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                finished_at double precision,
                idempotency_key text UNIQUE,
                fingerprint text)""",
            """CREATE TABLE broadcast_recipients (
                broadcast_id bigint NOT NULL,
                user_id bigint NOT NULL,
                status text NOT NULL,
                error text,
                PRIMARY KEY (broadcast_id, user_id))""",
            "CREATE INDEX broadcast_recipients_by_status"
            " ON broadcast_recipients (broadcast_id, status, user_id)",
        ),
    ),
)

_COLUMNS = (
    "id, text, segment, state, total, sent, failed, created_by, created_at, updated_at,"
    " finished_at, idempotency_key, fingerprint"
)

Cursor = psycopg.Cursor[Any]


class PgBroadcastStore:
    """Broadcasts on PostgreSQL; thread-safe and blocking (call it off the event loop).

    Args:
        pool: The shared connection pool (not closed by :meth:`close`).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        migrate(pool, STORE, MIGRATIONS)
        self._pool = pool

    def _one(self, cur: Cursor, where: str, params: Sequence[Any]) -> Broadcast | None:
        cur.execute(f"SELECT {_COLUMNS} FROM broadcasts WHERE {where}", params)
        row = cur.fetchone()
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
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "INSERT INTO broadcasts (text, segment, state, total, created_by, created_at,"
                " updated_at, finished_at, idempotency_key, fingerprint)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
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
            row = cur.fetchone()
            if row is None:  # the key was used first (perhaps by another instance)
                earlier = self._one(cur, "idempotency_key = %s", (idempotency_key,))
                assert earlier is not None
                return earlier, False
            broadcast_id = int(row[0])
            with cur.copy(
                "COPY broadcast_recipients (broadcast_id, user_id, status) FROM STDIN"
            ) as copy:
                for user in users:
                    copy.write_row((broadcast_id, user, "pending"))
            created = self._one(cur, "id = %s", (broadcast_id,))
        assert created is not None
        return created, True

    def get(self, broadcast_id: int) -> Broadcast | None:
        """Return a broadcast, or None."""
        with self._pool.connection() as conn, conn.cursor() as cur:
            return self._one(cur, "id = %s", (broadcast_id,))

    def by_key(self, idempotency_key: str) -> Broadcast | None:
        """Return the broadcast created with ``idempotency_key``, or None."""
        with self._pool.connection() as conn, conn.cursor() as cur:
            return self._one(cur, "idempotency_key = %s", (idempotency_key,))

    def latest(self, limit: int, state: BroadcastState | None = None) -> list[Broadcast]:
        """Return the newest broadcasts (optionally only those in ``state``), newest first."""
        where, params = ("WHERE state = %s", (state,)) if state else ("", ())
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM broadcasts {where} ORDER BY id DESC LIMIT %s",
                (*params, limit),
            ).fetchall()
        return [broadcast_of_row(row) for row in rows]

    def running_ids(self) -> list[int]:
        """Ids of the broadcasts still running, oldest first."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT id FROM broadcasts WHERE state = 'running' ORDER BY id"
            ).fetchall()
        return [int(row[0]) for row in rows]

    def release_claims(self, broadcast_id: int) -> int:
        """Put recipients left ``sending`` (by a crash) back to ``pending``; returns how many."""
        with self._pool.connection() as conn:
            cur = conn.execute(
                "UPDATE broadcast_recipients SET status = 'pending'"
                " WHERE broadcast_id = %s AND status = 'sending'",
                (broadcast_id,),
            )
            return max(cur.rowcount, 0)

    def claim(self, broadcast_id: int, limit: int) -> list[int]:
        """Mark up to ``limit`` pending recipients ``sending`` (lowest user ids first)."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "UPDATE broadcast_recipients r SET status = 'sending' FROM ("
                " SELECT user_id FROM broadcast_recipients WHERE broadcast_id = %s"
                " AND status = 'pending' ORDER BY user_id LIMIT %s FOR UPDATE SKIP LOCKED) c"
                " WHERE r.broadcast_id = %s AND r.user_id = c.user_id RETURNING r.user_id",
                (broadcast_id, limit, broadcast_id),
            ).fetchall()
        return sorted(int(row[0]) for row in rows)

    def record(self, broadcast_id: int, outcomes: Outcomes) -> None:
        """Record a chunk's outcomes and the broadcast's counters in one transaction."""
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "UPDATE broadcast_recipients SET status = 'sent'"
                " WHERE broadcast_id = %s AND user_id = ANY(%s) AND status = 'sending'",
                (broadcast_id, list(outcomes.sent)),
            )
            sent = max(cur.rowcount, 0)
            failed = 0
            for user, error in outcomes.failed:
                cur.execute(
                    "UPDATE broadcast_recipients SET status = 'failed', error = %s"
                    " WHERE broadcast_id = %s AND user_id = %s AND status = 'sending'",
                    (error[:200], broadcast_id, user),
                )
                failed += max(cur.rowcount, 0)
            cur.execute(
                "UPDATE broadcast_recipients SET status = 'pending'"
                " WHERE broadcast_id = %s AND user_id = ANY(%s) AND status = 'sending'",
                (broadcast_id, list(outcomes.retry)),
            )
            cur.execute(
                "UPDATE broadcasts SET sent = sent + %s, failed = failed + %s, updated_at = %s"
                " WHERE id = %s",
                (sent, failed, time.time(), broadcast_id),
            )

    def finish(self, broadcast_id: int, state: BroadcastState) -> Broadcast | None:
        """Move a running broadcast to ``state`` (done or cancelled); returns it after."""
        now = time.time()
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "UPDATE broadcasts SET state = %s, finished_at = %s, updated_at = %s"
                " WHERE id = %s AND state = 'running'",
                (state, now, now, broadcast_id),
            )
            return self._one(cur, "id = %s", (broadcast_id,))

    def close(self) -> None:
        """Nothing to release: the pool belongs to whoever opened it."""
