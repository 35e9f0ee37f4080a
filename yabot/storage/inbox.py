"""The durable inbox: every accepted Telegram update, keyed by ``update_id``, in its own SQLite
file (WAL). An update is appended before it is acknowledged; a repeated ``update_id`` is
recognised and changes nothing. After a crash an actor restored from a snapshot replays
``entries_after(user_id, snapshot.last_update_id)``. Entries covered by a durable snapshot are
pruned: their payload is dropped at once, but their ``update_id`` is remembered for
``dedup_retention_s`` (Telegram gives up on an update after 24 hours) so that a late
redelivery of an update already in a snapshot is still recognised as a repeat.

All methods are thread-safe (one connection behind a lock) and block on disk I/O: call them
from worker threads, or through ``loop.run_in_executor`` from asyncio code.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import Counter

from yabot.observability.logging import get_logger
from yabot.storage.sqlite_util import MAX_SQLITE_INTEGER, LockedConnection, connect

log = get_logger(__name__)

INBOX_FILE_NAME = "inbox.sqlite3"
DEFAULT_DEDUP_RETENTION_S = 48 * 3600.0
EXPIRE_EVERY_S = 60.0
EXPIRE_CHUNK = 5000

INBOX_APPENDS = Counter("yabot_inbox_appends_total", "Updates appended to the durable inbox")
INBOX_DUPLICATES = Counter(
    "yabot_inbox_duplicates_total", "Repeated update_ids recognised and ignored by the inbox"
)
INBOX_REJECTED = Counter(
    "yabot_inbox_rejected_total", "Inbox appends refused as invalid (update_id or user_id range)"
)
INBOX_ERRORS = Counter(
    "yabot_inbox_errors_total", "Inbox appends that failed on disk (the update was not accepted)"
)
INBOX_PRUNED = Counter(
    "yabot_inbox_pruned_total", "Inbox entries dropped because a durable snapshot covers them"
)
INBOX_EXPIRED = Counter(
    "yabot_inbox_expired_total", "Pruned update_ids forgotten after the dedup retention"
)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS inbox (
        update_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        payload BLOB NOT NULL,
        received_at REAL NOT NULL,
        replied INTEGER NOT NULL DEFAULT 0,
        covered INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS inbox_user ON inbox (user_id, update_id)",
    "CREATE INDEX IF NOT EXISTS inbox_covered_age ON inbox (received_at) WHERE covered = 1",
)


class InboxError(Exception):
    """The inbox could not store the updates (disk full, I/O error, locked too long)."""


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One accepted update. ``payload`` comes back as it was given (``str`` or ``bytes``)."""

    update_id: int
    user_id: int
    payload: bytes | str
    received_at: float
    replied: bool = False


def _check(entry: InboxEntry) -> None:
    if isinstance(entry.update_id, bool) or not isinstance(entry.update_id, int):
        raise ValueError(f"update_id must be an int, got {type(entry.update_id).__name__}")
    if not 0 <= entry.update_id <= MAX_SQLITE_INTEGER:
        raise ValueError(f"update_id {entry.update_id} is outside 0..2**63-1")
    if isinstance(entry.user_id, bool) or not isinstance(entry.user_id, int):
        raise ValueError(f"user_id must be an int, got {type(entry.user_id).__name__}")
    if not -MAX_SQLITE_INTEGER - 1 <= entry.user_id <= MAX_SQLITE_INTEGER:
        raise ValueError(f"user_id {entry.user_id} does not fit a signed 64-bit integer")
    if not isinstance(entry.payload, bytes | str):
        raise ValueError(f"payload must be bytes or str, got {type(entry.payload).__name__}")


class Inbox:
    """Accepted updates, at most once per ``update_id``, until a durable snapshot covers them."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = 5000,
        dedup_retention_s: float = DEFAULT_DEDUP_RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._retention_s = dedup_retention_s
        self._clock = clock
        self._next_expiry = 0.0
        self._db = LockedConnection(connect(path, busy_timeout_ms=busy_timeout_ms))
        with self._db.transaction() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    def append(
        self, update_id: int, user_id: int, payload: bytes | str, received_at: float
    ) -> bool:
        """Store one update durably (committed before returning).

        Returns:
            True if stored now, False if this ``update_id`` was already accepted (the earlier
            entry is kept unchanged), including one pruned within ``dedup_retention_s``.

        Raises:
            ValueError: ``update_id`` is not in 0..2**63-1, ``user_id`` does not fit 64 bits, or
                the payload is neither bytes nor str. Nothing is stored.
            InboxError: The disk refused the write; do not acknowledge the update.
        """
        return self.append_many([InboxEntry(update_id, user_id, payload, received_at)])[0]

    def append_many(self, entries: Sequence[InboxEntry]) -> list[bool]:
        """Store many updates in one transaction (group commit); one result per entry.

        All entries are checked first: one invalid entry refuses the whole call and stores
        nothing. A repeated ``update_id`` (earlier or within the call) yields False.
        """
        try:
            for entry in entries:
                _check(entry)
        except ValueError as exc:
            INBOX_REJECTED.inc()
            log.warning("inbox_append_refused", reason=str(exc), entries=len(entries))
            raise
        results: list[bool] = []
        try:
            with self._db.transaction() as conn:
                for e in entries:
                    cursor = conn.execute(
                        "INSERT OR IGNORE INTO inbox (update_id, user_id, payload, received_at) "
                        "VALUES (?, ?, ?, ?)",
                        (e.update_id, e.user_id, e.payload, e.received_at),
                    )
                    results.append(cursor.rowcount == 1)
        except sqlite3.Error as exc:
            INBOX_ERRORS.inc()
            log.error("inbox_append_failed", error=str(exc), entries=len(entries))
            raise InboxError(f"inbox {self.path}: {exc}") from exc
        stored = sum(results)
        INBOX_APPENDS.inc(stored)
        if stored < len(results):
            INBOX_DUPLICATES.inc(len(results) - stored)
            log.info("inbox_duplicates", duplicates=len(results) - stored)
        return results

    def entries_after(self, user_id: int, update_id: int) -> list[InboxEntry]:
        """The user's entries with an ``update_id`` above ``update_id``, in ``update_id`` order."""
        with self._db.use() as conn:
            rows = conn.execute(
                "SELECT update_id, user_id, payload, received_at, replied FROM inbox "
                "WHERE user_id = ? AND update_id > ? AND covered = 0 ORDER BY update_id",
                (user_id, update_id),
            ).fetchall()
        return [InboxEntry(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def entries_received_since(self, received_at: float) -> list[InboxEntry]:
        """Entries not yet covered by a snapshot, received at or after ``received_at``, in
        ``update_id`` order (what a dead webhook process may have stored unannounced)."""
        with self._db.use() as conn:
            rows = conn.execute(
                "SELECT update_id, user_id, payload, received_at, replied FROM inbox "
                "WHERE covered = 0 AND received_at >= ? ORDER BY update_id",
                (received_at,),
            ).fetchall()
        return [InboxEntry(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def pending_users(self) -> list[int]:
        """Users with entries not yet pruned: the actors to restore at start-up."""
        with self._db.use() as conn:
            rows = conn.execute(
                "SELECT DISTINCT user_id FROM inbox WHERE covered = 0 ORDER BY user_id"
            ).fetchall()
        return [r[0] for r in rows]

    def mark_replied(self, update_id: int) -> None:
        """Record that the replies to ``update_id`` were handed to the sender."""
        with self._db.transaction() as conn:
            conn.execute("UPDATE inbox SET replied = 1 WHERE update_id = ?", (update_id,))

    def mark_replied_many(self, update_ids: Iterable[int]) -> None:
        """``mark_replied`` for many updates in one transaction."""
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE inbox SET replied = 1 WHERE update_id = ?", [(u,) for u in update_ids]
            )

    def is_replied(self, update_id: int) -> bool:
        """True if ``mark_replied`` was called for this entry (False for unknown entries)."""
        with self._db.use() as conn:
            row = conn.execute(
                "SELECT replied FROM inbox WHERE update_id = ?", (update_id,)
            ).fetchone()
        return bool(row and row[0])

    def prune(self, user_id: int, up_to_update_id: int) -> int:
        """Drop the user's entries with ``update_id <= up_to_update_id``; return how many.

        Their ids stay known as repeats for ``dedup_retention_s``.
        """
        return self.prune_many([(user_id, up_to_update_id)])

    def prune_many(self, covered: Iterable[tuple[int, int]]) -> int:
        """``prune`` for many ``(user_id, up_to_update_id)`` pairs in one transaction.

        Meant as a :class:`~yabot.storage.snapshots.writer.SnapshotWriter` durable observer's
        body: one call per group commit. Also forgets expired ids, at most once a minute.
        """
        with self._db.transaction() as conn:
            removed = 0
            for user_id, up_to in covered:
                removed += conn.execute(
                    "UPDATE inbox SET covered = 1, payload = X'' "
                    "WHERE user_id = ? AND update_id <= ? AND covered = 0",
                    (user_id, up_to),
                ).rowcount
        INBOX_PRUNED.inc(removed)
        if self._clock() >= self._next_expiry:
            self.expire()
        return removed

    def expire(self) -> int:
        """Forget pruned ids received more than ``dedup_retention_s`` ago; return how many."""
        cutoff = self._clock() - self._retention_s
        self._next_expiry = self._clock() + EXPIRE_EVERY_S
        forgotten = 0
        while True:
            with self._db.transaction() as conn:
                chunk = conn.execute(
                    "DELETE FROM inbox WHERE update_id IN (SELECT update_id FROM inbox "
                    "WHERE covered = 1 AND received_at < ? LIMIT ?)",
                    (cutoff, EXPIRE_CHUNK),
                ).rowcount
            forgotten += chunk
            if chunk < EXPIRE_CHUNK:
                break
        INBOX_EXPIRED.inc(forgotten)
        return forgotten

    def count(self) -> int:
        """Entries not yet covered by a durable snapshot."""
        with self._db.use() as conn:
            return int(conn.execute("SELECT count(*) FROM inbox WHERE covered = 0").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def open_inbox(
    data_dir: Path,
    *,
    busy_timeout_ms: int = 5000,
    dedup_retention_s: float = DEFAULT_DEDUP_RETENTION_S,
) -> Inbox:
    """Open ``<data_dir>/inbox.sqlite3``."""
    return Inbox(
        data_dir / INBOX_FILE_NAME,
        busy_timeout_ms=busy_timeout_ms,
        dedup_retention_s=dedup_retention_s,
    )
