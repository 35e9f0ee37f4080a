"""The reply outbox: a player's replies are durable before they are sent.

A transition's replies are stored here (its own SQLite file, WAL) before they go to the
sender, and deleted once Telegram took them. After a crash or a shutdown that left replies
unsent, start-up submits what is left, in order. A reply can therefore be sent twice (sent,
then the process died before its row was deleted), never lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge

from yabot.storage.sqlite_util import LockedConnection, connect

FILE_NAME = "replies.db"
STORED = Counter("yabot_replies_stored_total", "Replies made durable before sending")
RESENT = Counter("yabot_replies_resent_total", "Replies sent again at start-up")
PENDING = Gauge("yabot_replies_pending", "Durable replies not yet taken by Telegram")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    update_id INTEGER NOT NULL,
    chat_id INTEGER,
    method TEXT NOT NULL,
    params TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class PendingReply:
    """A stored reply waiting to be sent."""

    id: int
    dedupe_key: str
    update_id: int
    chat_id: int | None
    method: str
    params: dict[str, Any]


class ReplyOutbox:
    """Durable replies, keyed by a dedupe key derived from the update (thread-safe)."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        self._db = LockedConnection(connect(path, busy_timeout_ms=busy_timeout_ms))
        with self._db.transaction() as conn:
            conn.execute(_SCHEMA)
            PENDING.set(conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def put(
        self,
        dedupe_key: str,
        update_id: int,
        chat_id: int | None,
        method: str,
        params: dict[str, Any],
    ) -> int | None:
        """Store a reply; returns its id, or None when that dedupe key is already stored."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO replies (dedupe_key, update_id, chat_id, method, params)"
                " VALUES (?, ?, ?, ?, ?)",
                (dedupe_key, update_id, chat_id, method, json.dumps(params, separators=(",", ":"))),
            )
        if cursor.rowcount == 0:
            return None
        STORED.inc()
        PENDING.inc()
        return cursor.lastrowid

    def done(self, ids: Iterable[int]) -> None:
        """Forget replies Telegram took (or refused for good)."""
        rows = [(i,) for i in ids]
        if not rows:
            return
        with self._db.transaction() as conn:
            conn.executemany("DELETE FROM replies WHERE id = ?", rows)
            PENDING.set(conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def pending(self) -> list[PendingReply]:
        """Every stored reply, oldest first."""
        with self._db.use() as conn:
            rows = conn.execute(
                "SELECT id, dedupe_key, update_id, chat_id, method, params FROM replies ORDER BY id"
            ).fetchall()
        return [PendingReply(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def close(self) -> None:
        """Close the database."""
        with self._db.use() as conn:
            conn.close()


def open_reply_outbox(data_dir: Path, *, busy_timeout_ms: int = 5000) -> ReplyOutbox:
    """Open ``<data_dir>/replies.db``."""
    return ReplyOutbox(data_dir / FILE_NAME, busy_timeout_ms=busy_timeout_ms)
