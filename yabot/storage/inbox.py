"""The durable inbox: every accepted Telegram update, in arrival order, in its own SQLite file.

This is the one place where repeats are recognised. An update is appended before it is
acknowledged and gets the next **arrival sequence number** (``seq``, strictly increasing and
never reused). An update whose ``update_id`` was seen within ``dedup_retention_s`` (48 h or
more: Telegram keeps an update for 24 h and retries it unchanged) and whose identity matches is
a repeat: it is not stored again and the caller learns the ``seq`` of the first arrival. The
identity (:func:`fingerprint`) is a digest of the update's ids and timestamps (message id,
date, chat, sender, query id; never its text). An ``update_id`` seen longer ago, or reused by a
different update (Telegram picks ids at random after a quiet week; a restarted emulator counts
from 1 again), is a new update.

A player's state remembers the ``seq`` of the last entry it applied. Recovery is the newest
snapshot plus the player's entries with a higher ``seq``, in ``seq`` order; the entries a durable
snapshot covers are pruned (their payload dropped at once; the row kept, as a memory of its
``update_id``, for ``dedup_retention_s``).

Payloads (the players' words) are encrypted with the snapshots' MultiFernet keys before they
reach the file. Every entry carries its player's shard (indexed), the unit of ownership of the
cluster mode.

Entries stored by schema 1 (keyed by ``update_id``, applied in ``update_id`` order behind a
per-player watermark) are moved to schema 2 at open: they get ``seq`` numbers in their old
order, their payloads are encrypted, and they are marked ``legacy`` so that replaying them
derives the same idempotency keys as before.

All methods are thread-safe (one connection behind a lock) and block on disk I/O: call them
from worker threads, or through ``loop.run_in_executor`` from asyncio code.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import Counter

from yabot.observability.logging import get_logger
from yabot.security.crypto import Encryptor
from yabot.shards import DEFAULT_SHARDS, shard_of
from yabot.storage.sqlite_util import MAX_SQLITE_INTEGER, LockedConnection, connect, in_chunks

if TYPE_CHECKING:
    from yabot.config import Settings

log = get_logger(__name__)

INBOX_FILE_NAME = "inbox.sqlite3"
INBOX_SCHEMA = 2
MIN_DEDUP_RETENTION_S = 48 * 3600.0
DEFAULT_DEDUP_RETENTION_S = MIN_DEDUP_RETENTION_S
EXPIRE_EVERY_S = 60.0
EXPIRE_CHUNK = 5000
MIGRATE_CHUNK = 2000

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
INBOX_REUSED_IDS = Counter(
    "yabot_inbox_reused_ids_total",
    "New updates whose update_id an earlier, different update had within the dedup retention",
)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        update_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        shard INTEGER NOT NULL,
        payload BLOB NOT NULL,
        received_at REAL NOT NULL,
        covered INTEGER NOT NULL DEFAULT 0,
        legacy INTEGER NOT NULL DEFAULT 0,
        replied INTEGER NOT NULL DEFAULT 0,
        fingerprint BLOB
    )""",
    "CREATE INDEX IF NOT EXISTS entries_update ON entries (update_id, received_at)",
    "CREATE INDEX IF NOT EXISTS entries_pending ON entries (user_id, seq) WHERE covered = 0",
    # No index leads with the shard: one doubled (to tripled) the cost of every append
    # (tests/storage/bench_inbox.py). A shard's consumer reads forward from its cursor in
    # arrival order, which the primary key (seq) serves: uncovered entries are the recent ones.
    "DROP INDEX IF EXISTS entries_shard",
    "DROP INDEX IF EXISTS entries_shard_user",
    "CREATE INDEX IF NOT EXISTS entries_covered_age ON entries (received_at) WHERE covered = 1",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)
_SELECT = (
    "SELECT seq, update_id, user_id, shard, payload, received_at, legacy, replied FROM entries"
)


class InboxError(Exception):
    """The inbox could not store the updates (disk full, I/O error, locked too long)."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """An update to append. ``payload`` is its raw JSON (``str`` or ``bytes``)."""

    update_id: int
    user_id: int
    payload: bytes | str
    received_at: float


@dataclass(frozen=True, slots=True)
class Appended:
    """The inbox's answer to one arrival: its ``seq`` and whether it is new.

    For a repeat, ``seq`` is the first arrival's (so a retried hand-over is recognised by the
    player's actor as the entry it may already have applied).
    """

    seq: int
    new: bool


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One stored update; ``payload`` is the decrypted raw JSON.

    ``legacy`` marks entries stored by schema 1: their idempotency keys derive from the
    ``update_id`` alone, and ``replied`` says whether their replies were already sent.
    """

    seq: int
    update_id: int
    user_id: int
    shard: int
    payload: bytes
    received_at: float
    legacy: bool = False
    replied: bool = False


class InboxStore(Protocol):
    """What the router, the player repository and the shard consumers need of an inbox.

    Adapters: :class:`Inbox` (SQLite, embedded) and ``yabot.storage.postgres.inbox.PgInbox``
    (shared by the instances of a cluster); tests/storage/test_inbox.py runs on both.
    """

    shards: int

    def append(
        self, update_id: int, user_id: int, payload: bytes | str, received_at: float
    ) -> Appended:
        """Store one update durably; its ``seq`` and whether it is new."""
        ...

    def append_many(self, entries: Sequence[Arrival]) -> list[Appended]:
        """Store many updates in one transaction; one result per entry."""
        ...

    def prune(self, user_id: int, up_to_seq: int) -> int:
        """Mark the user's entries up to ``up_to_seq`` covered by a durable snapshot."""
        ...

    def prune_many(
        self, covered: Iterable[tuple[int, int]], *, epochs: Mapping[int, int] | None = None
    ) -> int:
        """``prune`` for many ``(user_id, up_to_seq)`` pairs at once.

        ``epochs`` (cluster mode): per user, the epoch of the shard's lease the covering
        snapshot's state was loaded under; a fenced store marks a user's entries only while
        the lease has that epoch.
        """
        ...

    def expire(self) -> int:
        """Forget pruned ids older than the dedupe retention."""
        ...

    def entries_after(self, user_id: int, seq: int) -> list[InboxEntry]:
        """The user's uncovered entries after ``seq``, in arrival order."""
        ...

    def entries_received_since(self, received_at: float) -> list[InboxEntry]:
        """Uncovered entries received at or after ``received_at``, in arrival order."""
        ...

    def shard_entries(self, shard: int, after_seq: int = 0, limit: int = 1000) -> list[InboxEntry]:
        """A shard's uncovered entries after ``after_seq``, in arrival order."""
        ...

    def pending_users(self) -> list[int]:
        """Users with uncovered entries."""
        ...

    def count(self) -> int:
        """Uncovered entries."""
        ...

    def close(self) -> None:
        """Release what the adapter holds."""
        ...


def _check(entry: Arrival) -> None:
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


def _raw(payload: bytes | str) -> bytes:
    return payload.encode("utf-8") if isinstance(payload, str) else payload


def _ids(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None


def fingerprint(payload: bytes | str) -> bytes:
    """The identity of an update: a digest of its event type and the ids and dates in it
    (message id, date, edit date, chat and sender ids, a query's id), never its text.

    Telegram retries an update unchanged, so a retry has the fingerprint of the first
    delivery; a different update that reuses the ``update_id`` has another one.
    """
    raw = _raw(payload)
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return hashlib.blake2b(raw, digest_size=16).digest()
    parts: list[Any] = []
    for kind in sorted(data):
        if kind == "update_id":
            continue
        event = data[kind]
        if isinstance(event, dict):
            message = event.get("message")
            parts.append(
                (
                    kind,
                    event.get("message_id"),
                    event.get("date"),
                    event.get("edit_date"),
                    event.get("id"),
                    _ids(event.get("chat")),
                    _ids(event.get("from")),
                    _ids(message.get("chat")) if isinstance(message, dict) else None,
                    message.get("message_id") if isinstance(message, dict) else None,
                )
            )
        else:
            parts.append((kind, event if isinstance(event, int | float | bool) else None))
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


class PruneExpire:
    """What both inbox adapters share of pruning and expiry; an adapter supplies the two
    statements (:meth:`_mark_covered`, :meth:`_delete_expired`) and ``_clock``,
    ``_retention_s`` and ``_next_expiry``."""

    _clock: Callable[[], float]
    _retention_s: float
    _next_expiry: float

    def _mark_covered(
        self, pairs: list[tuple[int, int]], epochs: Mapping[int, int] | None = None
    ) -> int:
        """Mark the entries of ``(user_id, up_to_seq)`` pairs covered, in one transaction."""
        raise NotImplementedError

    def _delete_expired(self, cutoff: float, limit: int) -> int:
        """Delete up to ``limit`` covered entries received before ``cutoff`` (one
        transaction)."""
        raise NotImplementedError

    def prune(self, user_id: int, up_to_seq: int) -> int:
        """Drop the payloads of the user's entries with ``seq <= up_to_seq``; return how many.

        Their ``update_id`` stays known as a repeat for ``dedup_retention_s``.
        """
        return self.prune_many([(user_id, up_to_seq)])

    def prune_many(
        self, covered: Iterable[tuple[int, int]], *, epochs: Mapping[int, int] | None = None
    ) -> int:
        """``prune`` for many ``(user_id, up_to_seq)`` pairs in one transaction (``epochs``:
        see :meth:`InboxStore.prune_many`; only a fenced store reads it).

        Meant as a :class:`~yabot.storage.snapshots.writer.SnapshotWriter` durable observer's
        body: one call per group commit. Also forgets expired ids, at most once a minute.
        """
        pairs = list(covered)
        removed = self._mark_covered(pairs, epochs) if pairs else 0
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
            chunk = self._delete_expired(cutoff, EXPIRE_CHUNK)
            forgotten += chunk
            if chunk < EXPIRE_CHUNK:
                break
        INBOX_EXPIRED.inc(forgotten)
        return forgotten


class Inbox(PruneExpire):
    """Accepted updates in arrival order; each ``update_id`` at most once per retention window.

    Args:
        path: The SQLite file.
        encryptor: Encrypts payloads at rest (the snapshots' keys).
        shards: ``runtime.shards``; entries are stamped with their player's shard.
        busy_timeout_ms: SQLite busy timeout.
        dedup_retention_s: How long an ``update_id`` is remembered (at least 48 h).
        clock: Wall clock of the expiry of pruned entries.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        encryptor: Encryptor,
        shards: int = DEFAULT_SHARDS,
        busy_timeout_ms: int = 5000,
        dedup_retention_s: float = DEFAULT_DEDUP_RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if dedup_retention_s < MIN_DEDUP_RETENTION_S:
            raise ValueError(
                f"dedup_retention_s must be at least {MIN_DEDUP_RETENTION_S:g} (48 h), "
                f"got {dedup_retention_s:g}"
            )
        self.path = Path(path)
        self.shards = shards
        self._encryptor = encryptor
        self._retention_s = dedup_retention_s
        self._clock = clock
        self._next_expiry = 0.0
        self._db = LockedConnection(connect(path, busy_timeout_ms=busy_timeout_ms))
        with self._db.transaction() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
            self._migrate_v1(conn)
            self._restamp_shards(conn)

    # ---- schema ---------------------------------------------------------------------------
    def _migrate_v1(self, conn: sqlite3.Connection) -> None:
        """Move schema-1 rows (table ``inbox``, plaintext, keyed by ``update_id``) in."""
        old = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inbox'"
        ).fetchone()
        if old is None:
            return
        moved, last = 0, -1
        while True:
            rows = conn.execute(
                "SELECT update_id, user_id, payload, received_at, replied, covered FROM inbox "
                "WHERE update_id > ? ORDER BY update_id LIMIT ?",
                (last, MIGRATE_CHUNK),
            ).fetchall()
            if not rows:
                break
            conn.executemany(
                "INSERT INTO entries (update_id, user_id, shard, payload, received_at, covered, "
                "legacy, replied) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                [
                    (
                        u,
                        user,
                        shard_of(user, self.shards),
                        b"" if covered else self._encryptor.encrypt_bytes(_raw(payload)),
                        received_at,
                        covered,
                        replied,
                    )
                    for u, user, payload, received_at, replied, covered in rows
                ],
            )
            moved += len(rows)
            last = rows[-1][0]
        conn.execute("DROP TABLE inbox")
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (INBOX_SCHEMA,)
        )
        log.info("inbox_migrated", from_schema=1, to_schema=INBOX_SCHEMA, entries=moved)

    def _restamp_shards(self, conn: sqlite3.Connection) -> None:
        """Stamp entries with the configured shard count's shards if it changed."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'shards'").fetchone()
        if row is not None and row[0] == self.shards:
            return
        if row is not None:
            users = [u for (u,) in conn.execute("SELECT DISTINCT user_id FROM entries")]
            conn.executemany(
                "UPDATE entries SET shard = ? WHERE user_id = ?",
                [(shard_of(u, self.shards), u) for u in users],
            )
            log.warning("inbox_shards_changed", old=row[0], new=self.shards, users=len(users))
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('shards', ?)", (self.shards,)
        )

    # ---- writes ---------------------------------------------------------------------------
    def append(
        self, update_id: int, user_id: int, payload: bytes | str, received_at: float
    ) -> Appended:
        """Store one update durably (committed before returning).

        Returns:
            Its ``seq``, and ``new`` False if this ``update_id`` arrived within the retention
            window before ``received_at`` (the earlier entry is kept unchanged).

        Raises:
            ValueError: ``update_id`` is not in 0..2**63-1, ``user_id`` does not fit 64 bits, or
                the payload is neither bytes nor str. Nothing is stored.
            InboxError: The disk refused the write; do not acknowledge the update.
        """
        return self.append_many([Arrival(update_id, user_id, payload, received_at)])[0]

    def append_many(self, entries: Sequence[Arrival]) -> list[Appended]:
        """Store many updates in one transaction (group commit); one result per entry.

        All entries are checked first: one invalid entry refuses the whole call and stores
        nothing. A repeated ``update_id`` (earlier or within the call) is not stored again.
        """
        try:
            for entry in entries:
                _check(entry)
        except ValueError as exc:
            INBOX_REJECTED.inc()
            log.warning("inbox_append_refused", reason=str(exc), entries=len(entries))
            raise
        # Encrypted before the transaction: the lock is held for the writes alone.
        sealed = [self._encryptor.encrypt_bytes(_raw(e.payload)) for e in entries]
        prints = [fingerprint(e.payload) for e in entries]
        results: list[Appended] = []
        reused = 0
        try:
            with self._db.transaction() as conn:
                seen = self._seen(conn, entries)
                # The write lock is held (BEGIN IMMEDIATE): the next seqs are ours to give.
                row = conn.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'entries'"
                ).fetchone()
                next_seq = (row[0] if row is not None else 0) + 1
                rows: list[tuple[object, ...]] = []
                for e, payload, print_ in zip(entries, sealed, prints, strict=True):
                    earlier = seen.get(e.update_id, [])
                    cutoff = e.received_at - self._retention_s
                    # Entries moved in from schema 1 have no fingerprint: the id alone decides.
                    same = [
                        seq
                        for seq, other, at in earlier
                        if at >= cutoff and (other is None or other == print_)
                    ]
                    if same:
                        results.append(Appended(max(same), False))
                        continue
                    reused += any(at >= cutoff for _, _, at in earlier)
                    seq = next_seq
                    next_seq += 1
                    shard = shard_of(e.user_id, self.shards)
                    rows.append(
                        (seq, e.update_id, e.user_id, shard, payload, e.received_at, print_)
                    )
                    seen.setdefault(e.update_id, []).append((seq, print_, e.received_at))
                    results.append(Appended(seq, True))
                if rows:
                    conn.executemany(
                        "INSERT INTO entries (seq, update_id, user_id, shard, payload, "
                        "received_at, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
        except sqlite3.Error as exc:
            INBOX_ERRORS.inc()
            log.error("inbox_append_failed", error=str(exc), entries=len(entries))
            raise InboxError(f"inbox {self.path}: {exc}") from exc
        stored = sum(1 for r in results if r.new)
        INBOX_APPENDS.inc(stored)
        if reused:
            INBOX_REUSED_IDS.inc(reused)
            log.warning("inbox_update_id_reused", updates=reused)
        if stored < len(results):
            INBOX_DUPLICATES.inc(len(results) - stored)
            log.info("inbox_duplicates", duplicates=len(results) - stored)
        return results

    def _seen(
        self, conn: sqlite3.Connection, entries: Sequence[Arrival]
    ) -> dict[int, list[tuple[int, bytes | None, float]]]:
        """The stored entries with the arrivals' update ids, young enough to be repeated."""
        oldest = min(e.received_at for e in entries) - self._retention_s
        ids = sorted({e.update_id for e in entries})
        seen: dict[int, list[tuple[int, bytes | None, float]]] = {}
        for chunk, marks in in_chunks(ids):
            for update_id, seq, print_, at in conn.execute(
                f"SELECT update_id, seq, fingerprint, received_at FROM entries "
                f"WHERE update_id IN ({marks}) AND received_at >= ?",
                (*chunk, oldest),
            ):
                seen.setdefault(update_id, []).append((seq, print_, at))
        return seen

    def _mark_covered(
        self, pairs: list[tuple[int, int]], epochs: Mapping[int, int] | None = None
    ) -> int:
        # (One instance: nothing is fenced, ``epochs`` is not read.)
        with self._db.transaction() as conn:
            return sum(
                conn.execute(
                    "UPDATE entries SET covered = 1, payload = X'' "
                    "WHERE user_id = ? AND seq <= ? AND covered = 0",
                    pair,
                ).rowcount
                for pair in pairs
            )

    def _delete_expired(self, cutoff: float, limit: int) -> int:
        with self._db.transaction() as conn:
            return conn.execute(
                "DELETE FROM entries WHERE seq IN (SELECT seq FROM entries "
                "WHERE covered = 1 AND received_at < ? LIMIT ?)",
                (cutoff, limit),
            ).rowcount

    # ---- reads ----------------------------------------------------------------------------
    def _entries(self, where: str, params: tuple[object, ...], limit: int = -1) -> list[InboxEntry]:
        with self._db.use() as conn:
            rows = conn.execute(
                f"{_SELECT} WHERE {where} ORDER BY seq LIMIT ?", (*params, limit)
            ).fetchall()
        decrypt = self._encryptor.decrypt_bytes
        return [
            InboxEntry(r[0], r[1], r[2], r[3], decrypt(r[4]), r[5], bool(r[6]), bool(r[7]))
            for r in rows
        ]

    def entries_after(self, user_id: int, seq: int) -> list[InboxEntry]:
        """The user's entries not covered yet with a ``seq`` above ``seq``, in arrival order."""
        return self._entries("user_id = ? AND seq > ? AND covered = 0", (user_id, seq))

    def entries_received_since(self, received_at: float) -> list[InboxEntry]:
        """Entries not yet covered by a snapshot, received at or after ``received_at``, in
        arrival order (what a dead webhook process may have stored unannounced)."""
        return self._entries("covered = 0 AND received_at >= ?", (received_at,))

    def shard_entries(self, shard: int, after_seq: int = 0, limit: int = 1000) -> list[InboxEntry]:
        """A shard's entries not covered yet, after ``after_seq``, in arrival order (a range
        of the primary key from the caller's cursor, filtered by shard)."""
        return self._entries("shard = ? AND seq > ? AND covered = 0", (shard, after_seq), limit)

    def pending_users(self) -> list[int]:
        """Users with entries not yet pruned: the actors to restore at start-up."""
        with self._db.use() as conn:
            rows = conn.execute(
                "SELECT DISTINCT user_id FROM entries WHERE covered = 0 ORDER BY user_id"
            ).fetchall()
        return [r[0] for r in rows]

    def count(self) -> int:
        """Entries not yet covered by a durable snapshot."""
        with self._db.use() as conn:
            return int(conn.execute("SELECT count(*) FROM entries WHERE covered = 0").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def open_inbox(settings: Settings, encryptor: Encryptor | None = None) -> Inbox:
    """Open ``<data_dir>/inbox.sqlite3`` as configured (both processes call this).

    Args:
        settings: Reads ``storage.data_dir``, ``storage.sqlite_busy_timeout_ms``,
            ``storage.inbox_dedupe_retention_s`` and ``runtime.shards``.
        encryptor: The process's encryptor; by default the one the settings name.
    """
    from yabot.security.crypto import load_encryptor

    storage = settings.storage
    return Inbox(
        storage.data_dir / INBOX_FILE_NAME,
        encryptor=encryptor if encryptor is not None else load_encryptor(settings),
        shards=settings.runtime.shards,
        busy_timeout_ms=storage.sqlite_busy_timeout_ms,
        dedup_retention_s=storage.inbox_dedupe_retention_s,
    )
