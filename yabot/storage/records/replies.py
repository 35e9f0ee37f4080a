"""SQL of the reply outbox (the ``replies`` table of ``records.db``) and its metrics.

A transition's replies are inserted in the same transaction as its records, so a reply is
durable before it is sent and exists if and only if the work it reports does. Once Telegram
took a reply it is marked sent (``sent_at``, group-committed within milliseconds); start-up
sends again only the replies never marked, in order of ``id``. A sent reply of an update is
kept until a durable snapshot covers its update's inbox entry (a replay before that finds its
dedupe key and sends nothing); a sent reply no update caused is deleted at once.

Before schema version 4 the replies lived in their own file, ``replies.db``. At open,
:func:`import_legacy_replies` copies any rows still pending there into ``records.db``, then
renames the file to ``replies.db.migrated`` so it is imported once.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge

from yabot.observability.logging import get_logger
from yabot.storage.records.models import OutgoingReply
from yabot.storage.sqlite_util import connect, in_chunks

LEGACY_FILE_NAME = "replies.db"
MIGRATED_SUFFIX = ".migrated"
SYSTEM_REPLY = -1  # the update id stored for replies no update caused

STORED = Counter("yabot_replies_stored_total", "Replies made durable before sending")
RESENT = Counter(
    "yabot_replies_resent_total",
    "Replies sent again at start-up: stored, handed to Telegram perhaps, never confirmed",
)
PENDING = Gauge("yabot_replies_pending", "Durable replies not yet taken by Telegram")

_INSERT = (
    "INSERT OR IGNORE INTO replies (dedupe_key, update_id, chat_id, method, params, user_id, seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = "dedupe_key, update_id, chat_id, method, params"
_LEGACY_INSERT = (
    "INSERT OR IGNORE INTO replies (dedupe_key, update_id, chat_id, method, params) "
    "VALUES (?, ?, ?, ?, ?)"
)

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PendingReply:
    """A stored reply waiting to be sent."""

    id: int
    dedupe_key: str
    update_id: int
    chat_id: int | None
    method: str
    params: dict[str, Any]


def stored_params(params: dict[str, Any]) -> str:
    """A reply's parameters as the replies table stores them (compact JSON)."""
    return json.dumps(params, separators=(",", ":"))


def reply_values(reply: OutgoingReply) -> tuple[Any, ...]:
    """A reply's stored columns, in the replies table's order (both adapters)."""
    return (
        reply.dedupe_key,
        SYSTEM_REPLY if reply.update_id is None else reply.update_id,
        reply.chat_id,
        reply.method,
        stored_params(reply.params),
        reply.user_id,
        reply.seq,
    )


def insert(conn: sqlite3.Connection, reply: OutgoingReply) -> int | None:
    """Insert one reply; returns its id, or None when its dedupe key is already stored."""
    cursor = conn.execute(_INSERT, reply_values(reply))
    return cursor.lastrowid if cursor.rowcount else None


def delete(conn: sqlite3.Connection, ids: Sequence[int]) -> int:
    """Delete replies by id; returns how many rows were deleted."""
    cursor = conn.executemany("DELETE FROM replies WHERE id = ?", [(i,) for i in ids])
    return max(cursor.rowcount, 0)


def mark_sent(conn: sqlite3.Connection, ids: Sequence[int], at: float) -> int:
    """Mark replies Telegram took (or refused for good); returns how many were unsent.

    Replies of an inbox entry are kept, marked, until a snapshot covers the entry; the others
    are deleted. Two statements per 500 ids, not two per id (``executemany`` runs one step
    per id): carried in a records transaction, per-id statements cost the actor threads about
    45 µs per update at 1,000 updates/s (docs/benchmarks.md, 2026-12-07 13:40).
    """
    changed = 0
    for chunk, marks in in_chunks(ids):
        marked = conn.execute(
            "UPDATE replies SET sent_at = ? WHERE sent_at IS NULL AND seq IS NOT NULL "
            f"AND id IN ({marks})",
            [at, *chunk],
        ).rowcount
        deleted = conn.execute(
            f"DELETE FROM replies WHERE sent_at IS NULL AND seq IS NULL AND id IN ({marks})",
            chunk,
        ).rowcount
        changed += max(marked, 0) + max(deleted, 0)
    return changed


def forget_covered(conn: sqlite3.Connection, covered: Sequence[tuple[int, int]]) -> int:
    """Delete the sent replies of ``(user_id, up_to_seq)``: entries a snapshot covers."""
    cursor = conn.executemany(
        "DELETE FROM replies WHERE user_id = ? AND seq <= ? AND sent_at IS NOT NULL", covered
    )
    return max(cursor.rowcount, 0)


def forget_sent_before(conn: sqlite3.Connection, at: float, chunk: int = 5000) -> int:
    """Delete up to ``chunk`` replies marked sent before ``at``; returns how many."""
    cursor = conn.execute(
        "DELETE FROM replies WHERE id IN (SELECT id FROM replies "
        "WHERE sent_at IS NOT NULL AND sent_at < ? LIMIT ?)",
        (at, chunk),
    )
    return max(cursor.rowcount, 0)


def stored(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
    """The stored replies (sent or not) among the dedupe ``keys``: key -> (method, params as
    stored, see :func:`reply_values`)."""
    found: dict[str, tuple[str, str]] = {}
    for chunk, marks in in_chunks(keys):
        rows = conn.execute(
            f"SELECT dedupe_key, method, params FROM replies WHERE dedupe_key IN ({marks})", chunk
        )
        found.update((key, (method, params)) for key, method, params in rows)
    return found


def pending(conn: sqlite3.Connection) -> list[PendingReply]:
    """Every reply not yet marked sent, oldest first."""
    rows = conn.execute(
        f"SELECT id, {_COLUMNS} FROM replies WHERE sent_at IS NULL ORDER BY id"
    ).fetchall()
    return [PendingReply(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]


def count(conn: sqlite3.Connection) -> int:
    """How many replies are not yet marked sent."""
    return int(conn.execute("SELECT COUNT(*) FROM replies WHERE sent_at IS NULL").fetchone()[0])


def import_legacy_replies(
    conn: sqlite3.Connection, legacy: Path, *, busy_timeout_ms: int = 5000
) -> int:
    """Move the replies still pending in a pre-v4 ``replies.db`` into ``records.db``.

    Copies them (oldest first, keeping their dedupe keys) in one transaction of ``conn``,
    then renames ``legacy`` (and any ``-wal``/``-shm`` next to it) to ``*.migrated``. A
    crash between the two copies nothing twice: the next open finds the file again and the
    dedupe keys are already stored.

    Args:
        conn: The records database, migrated, with no open transaction.
        legacy: The old ``replies.db``; nothing happens when there is no such file.
        busy_timeout_ms: SQLite busy timeout for the old file.

    Returns:
        How many replies were copied.
    """
    if not legacy.is_file():
        return 0
    old = connect(legacy, busy_timeout_ms=busy_timeout_ms)
    try:
        has_table = old.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'replies'"
        ).fetchone()
        rows = (
            old.execute(f"SELECT {_COLUMNS} FROM replies ORDER BY id").fetchall()
            if has_table
            else []
        )
    finally:
        old.close()
    conn.execute("BEGIN IMMEDIATE")
    try:
        copied = conn.executemany(_LEGACY_INSERT, rows).rowcount if rows else 0
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    for suffix in ("", "-wal", "-shm"):
        part = legacy.with_name(legacy.name + suffix)
        # A missing part: no such side file, or another process opening records moved it.
        with contextlib.suppress(FileNotFoundError):
            part.rename(legacy.with_name(legacy.name + MIGRATED_SUFFIX + suffix))
    log.info("replies_imported", path=str(legacy), pending=len(rows), copied=max(copied, 0))
    return max(copied, 0)
