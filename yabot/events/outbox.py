"""SQL of the outbox table (``records.db``), used inside the records' transactions.

Statuses: ``pending`` waits for the relay, ``sent`` was published, ``local`` is kept only
for a retention period because no Redis is configured (embedded mode publishes nothing).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from yabot.events.models import Event

OutboxStatus = Literal["pending", "sent", "local"]
ROW_OVERHEAD_BYTES = 96


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """An event waiting in the outbox; ``body`` is the event's JSON."""

    seq: int
    event_id: str
    type: str
    user_id: int | None
    created_at: float
    body: str


@dataclass(frozen=True, slots=True)
class Backlog:
    """The unsent part of the outbox."""

    events: int
    bytes: int
    oldest_created_at: float | None


def encode(event: Event) -> tuple[str, int]:
    """Return the event's JSON body and the bytes it counts against the disk budget."""
    body = event.model_dump_json()
    return body, len(body.encode()) + ROW_OVERHEAD_BYTES


def insert(
    conn: sqlite3.Connection,
    event: Event,
    body: str,
    size: int,
    status: OutboxStatus,
    now: float,
) -> bool:
    """Insert one event; False when its ``event_id`` is already there (a replay)."""
    cursor = conn.execute(
        "INSERT INTO outbox (event_id, type, user_id, created_at, body, size, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING",
        (str(event.event_id), event.type, event.user_id, now, body, size, status),
    )
    return cursor.rowcount == 1


def pending(conn: sqlite3.Connection, limit: int) -> list[OutboxRow]:
    """Return up to ``limit`` unsent events, oldest first."""
    rows = conn.execute(
        "SELECT seq, event_id, type, user_id, created_at, body FROM outbox "
        "WHERE status = 'pending' ORDER BY seq LIMIT ?",
        (limit,),
    ).fetchall()
    return [OutboxRow(*row) for row in rows]


def mark_sent(conn: sqlite3.Connection, seqs: Sequence[int], now: float) -> tuple[int, int]:
    """Mark events sent; returns the bytes and the number of events released."""
    released = 0
    marked = 0
    for start in range(0, len(seqs), 500):
        chunk = list(seqs[start : start + 500])
        marks = ",".join("?" * len(chunk))
        row = conn.execute(
            f"SELECT COALESCE(SUM(size), 0) FROM outbox WHERE status = 'pending' "
            f"AND seq IN ({marks})",
            chunk,
        ).fetchone()
        released += int(row[0])
        marked += conn.execute(
            f"UPDATE outbox SET status = 'sent', sent_at = ? WHERE status = 'pending' "
            f"AND seq IN ({marks})",
            [now, *chunk],
        ).rowcount
    return released, marked


def prune(conn: sqlite3.Connection, cutoff: float, limit: int) -> int:
    """Delete up to ``limit`` sent events published before ``cutoff`` and local ones created
    before it, oldest first; returns how many were deleted."""
    deleted = 0
    for status, column in (("sent", "sent_at"), ("local", "created_at")):
        deleted += conn.execute(
            "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE status = ? "
            f"AND {column} < ? ORDER BY seq LIMIT ?)",
            (status, cutoff, limit - deleted),
        ).rowcount
    return deleted


def backlog(conn: sqlite3.Connection) -> Backlog:
    """Count the unsent events and their bytes."""
    count, size, oldest = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(created_at) FROM outbox "
        "WHERE status = 'pending'"
    ).fetchone()
    return Backlog(int(count), int(size), oldest)


def oldest_pending_at(conn: sqlite3.Connection) -> float | None:
    """Return when the oldest unsent event was written (an index lookup, cheap at any size)."""
    row = conn.execute(
        "SELECT created_at FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT 1"
    ).fetchone()
    return None if row is None else float(row[0])


class OutboxStore(Protocol):
    """The outbox as the relay sees it (`yabot.storage.records.RecordsDb` is one): events
    depend on this protocol, never on the storage package that implements it."""

    @property
    def outbox_budget_bytes(self) -> int:
        """The configured disk budget of the unsent backlog."""
        ...

    def add_events_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each commit that wrote events."""
        ...

    def outbox_pending(self, limit: int) -> list[OutboxRow]:
        """Up to ``limit`` unsent events, oldest first."""
        ...

    def outbox_mark_sent(self, seqs: Sequence[int]) -> None:
        """Mark published events sent."""
        ...

    def outbox_prune(self, older_than_s: float, chunk: int = 5000) -> int:
        """Delete sent and local events older than ``older_than_s``; returns how many."""
        ...

    def outbox_backlog_fast(self) -> Backlog:
        """The unsent backlog (events, bytes, oldest)."""
        ...
