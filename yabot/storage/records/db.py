"""``RecordsDb``: the records database (``records.db``) and its unit-of-work API.

One SQLite connection guarded by a lock (SQLite serialises writers anyway); every call is
safe from any thread. ``apply`` writes a :class:`RecordBatch` in one transaction, outbox
events and replies included, so an event or a reply exists if and only if the records it
describes do.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from yabot.config import Settings
from yabot.events import metrics
from yabot.events import outbox as outbox_sql
from yabot.observability.logging import get_logger
from yabot.storage.migrations import migrate, records_path
from yabot.storage.records import replies as replies_sql
from yabot.storage.records.accounting import OutboxAccounting, OutboxMode
from yabot.storage.records.group_commit import GroupCommit
from yabot.storage.records.models import (
    BatchResult,
    RecordBatch,
    RecordsError,
)
from yabot.storage.records.reads import RecordsReads
from yabot.storage.records.replies import PENDING, PendingReply
from yabot.storage.records.writes import balance_of, write_batch
from yabot.storage.sqlite_util import LockedConnection, connect

__all__ = ["OutboxMode", "RecordsDb"]


class _SentMarks(tuple[int, ...]):
    """Reply ids to mark sent, queued in the group commit like a batch."""

    __slots__ = ()


log = get_logger(__name__)


def _may_be_refused(batch: RecordBatch) -> bool:
    """Whether writing ``batch`` can raise a :class:`RecordsError` (a debit can find too small a
    balance, a refund an unknown payment): only such a batch needs a savepoint of its own."""
    return bool(batch.refunds) or any(entry.amount < 0 for entry in batch.ledger)


class RecordsDb(RecordsReads, OutboxAccounting):
    """Transactional records: profiles, subscriptions, ledger, payments, items, admins, audit,
    job runs, the events outbox and the reply outbox.

    Args:
        path: The database file (created and migrated to the newest schema).
        busy_timeout_ms: SQLite busy timeout.
        outbox_mode: ``"relay"`` stores events as pending for the Redis relay and enforces
            the disk budget; ``"local"`` (no Redis configured) stores them as ``local``,
            never publishes them and lets them be pruned after the retention period.
        outbox_budget_bytes: Unsent backlog past which batches with events are refused.
        legacy_replies: A pre-v4 ``replies.db`` whose pending replies are moved in at open
            (see :func:`~yabot.storage.records.replies.import_legacy_replies`).
        group_commit: Batches applied at once share one transaction (on by default).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = 5000,
        outbox_mode: OutboxMode = "local",
        outbox_budget_bytes: int = 256 * 1024 * 1024,
        legacy_replies: Path | None = None,
        group_commit: bool = True,
    ) -> None:
        conn = connect(path, busy_timeout_ms=busy_timeout_ms)
        try:
            migrate(conn)
            if legacy_replies is not None:
                replies_sql.import_legacy_replies(
                    conn, legacy_replies, busy_timeout_ms=busy_timeout_ms
                )
            PENDING.set(replies_sql.count(conn))
            backlog = outbox_sql.backlog(conn)
        except BaseException:
            conn.close()
            raise
        self._db = LockedConnection(conn)
        super().__init__(outbox_mode, outbox_budget_bytes, backlog)
        self._group = GroupCommit(self._write_group, enabled=group_commit)

    @classmethod
    def open(cls, settings: Settings) -> RecordsDb:
        """Open ``records.db`` under ``settings.storage.data_dir`` as configured, moving in
        the replies of a pre-v4 ``replies.db`` next to it."""
        path = records_path(settings)
        return cls(
            path,
            busy_timeout_ms=settings.storage.sqlite_busy_timeout_ms,
            outbox_mode="relay" if settings.events.redis_url else "local",
            outbox_budget_bytes=settings.events.outbox_disk_budget_mb * 1024 * 1024,
            legacy_replies=path.with_name(replies_sql.LEGACY_FILE_NAME),
            group_commit=settings.storage.records_group_commit,
        )

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def apply(self, batch: RecordBatch) -> BatchResult:
        """Write a batch in one transaction (shared with the batches other threads apply at
        the same time: see :class:`~yabot.storage.records.group_commit.GroupCommit`).

        Returns:
            What was written and what was a duplicate (a replayed batch writes nothing), and
            the reply outbox ids of the batch's replies (None for a dedupe key already stored).

        Raises:
            InsufficientFunds: A debit exceeds the balance; nothing of the batch is written.
            OutboxFull: The unsent event backlog is over budget; nothing is written.
            UnknownPayment: A refund names an unknown payment; nothing is written.
        """
        return self._group.apply(batch)

    def apply_many(self, batches: Sequence[RecordBatch]) -> list[BatchResult | RecordsError]:
        """Write many batches in one transaction (group commit), each in its own savepoint.

        A batch that fails (insufficient funds, outbox full, unknown payment) is rolled back
        alone and its error is returned in its place; the others are committed.
        """
        with self._db.transaction() as conn:
            outcomes, added_bytes = self._write_batches(conn, batches)
        self._committed([o for o in outcomes if isinstance(o, BatchResult)], added_bytes)
        return outcomes

    def _write_batches(
        self, conn: sqlite3.Connection, batches: Sequence[RecordBatch]
    ) -> tuple[list[BatchResult | RecordsError], int]:
        """Write ``batches`` in the caller's transaction, each that may be refused in its own
        savepoint."""
        encoded_all = [[outbox_sql.encode(event) for event in b.events] for b in batches]
        outcomes: list[BatchResult | RecordsError] = []
        added_bytes = 0
        for batch, encoded in zip(batches, encoded_all, strict=True):
            refused = self._over_budget(encoded, added_bytes)
            if refused is not None:
                outcomes.append(refused)
                continue
            if not _may_be_refused(batch):
                # Nothing in it can be refused: no savepoint (each statement is a round trip
                # through the GIL, which other threads hold up to the switch interval).
                result, size = write_batch(conn, batch, encoded, self._status)
                added_bytes += size
                outcomes.append(result)
                continue
            conn.execute("SAVEPOINT batch")
            try:
                result, size = write_batch(conn, batch, encoded, self._status)
            except RecordsError as exc:
                conn.execute("ROLLBACK TO batch")
                conn.execute("RELEASE batch")
                self._note_refusal(exc)
                outcomes.append(exc)
                continue
            conn.execute("RELEASE batch")
            added_bytes += size
            outcomes.append(result)
        return outcomes, added_bytes

    def _write_group(
        self, items: Sequence[RecordBatch | _SentMarks]
    ) -> list[BatchResult | RecordsError]:
        """The group commit's writer: a lone batch without a savepoint; several batches, or
        batches with sent marks, in one transaction with a savepoint per batch."""
        batches = [item for item in items if isinstance(item, RecordBatch)]
        marks = [reply_id for item in items if isinstance(item, _SentMarks) for reply_id in item]
        if not marks and len(batches) > 1:
            return self.apply_many(batches)
        if not marks:
            return [self._write_alone(batches[0])]
        with self._db.transaction() as conn:
            done = replies_sql.mark_sent(conn, marks, time.time())
            outcomes, added_bytes = self._write_batches(conn, batches)
        PENDING.dec(done)
        self._committed([o for o in outcomes if isinstance(o, BatchResult)], added_bytes)
        written = iter(outcomes)
        return [next(written) if isinstance(item, RecordBatch) else BatchResult() for item in items]

    def _write_alone(self, batch: RecordBatch) -> BatchResult | RecordsError:
        encoded = [outbox_sql.encode(event) for event in batch.events]
        try:
            # One batch needs no savepoint: a refusal rolls back the whole transaction.
            with self._db.transaction() as conn:
                refused = self._over_budget(encoded, 0)
                if refused is not None:
                    raise refused
                result, size = write_batch(conn, batch, encoded, self._status)
        except RecordsError as exc:
            self._note_refusal(exc)
            return exc
        self._committed([result], size)
        return result

    # Outbox access for the relay.

    def outbox_pending(self, limit: int) -> list[outbox_sql.OutboxRow]:
        """Return up to ``limit`` unsent events, oldest first."""
        with self._db.use() as conn:
            return outbox_sql.pending(conn, limit)

    def outbox_mark_sent(self, seqs: Sequence[int]) -> None:
        """Mark published events sent, releasing their bytes from the budget."""
        with self._db.transaction() as conn:
            released, marked = outbox_sql.mark_sent(conn, seqs, time.time())
        self._released(released, marked)
        log.debug("outbox_marked_sent", events=len(seqs), released_bytes=released)

    def outbox_prune(self, older_than_s: float, chunk: int = 5000) -> int:
        """Delete sent and local events older than ``older_than_s`` seconds; returns how many.

        Deletes in chunks of ``chunk`` rows, one short transaction each, so writers are never
        held up for long.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        while True:
            with self._db.transaction() as conn:
                deleted = outbox_sql.prune(conn, cutoff, chunk)
            removed += deleted
            if deleted < chunk:
                break
        if removed:
            metrics.EVENTS_PRUNED.inc(removed)
        return removed

    def outbox_backlog(self) -> outbox_sql.Backlog:
        """Return the unsent backlog as stored."""
        with self._db.use() as conn:
            return outbox_sql.backlog(conn)

    def outbox_backlog_fast(self) -> outbox_sql.Backlog:
        """The unsent backlog from this process's running counts plus one index lookup.

        Cheap enough to call on every relay cycle and health probe, even with millions of
        pending events (``outbox_backlog`` counts the rows instead).
        """
        with self._db.use() as conn:
            oldest = outbox_sql.oldest_pending_at(conn)
        return self._running_backlog(oldest)

    # Reply outbox.

    def replies_pending(self) -> list[PendingReply]:
        """Every reply not yet marked sent, oldest first."""
        with self._db.use() as conn:
            return replies_sql.pending(conn)

    def replies_done(
        self,
        ids: Iterable[int],
        *,
        epochs: Mapping[int, int] | None = None,
        carry_s: float = 0.0,
    ) -> None:
        """Mark replies Telegram took (or refused for good) in one transaction (``epochs``:
        ignored, one instance owns the file).

        The marks go through the group commit: when a records transaction is being written,
        they share the next one with the batches queued meanwhile (one commit instead of
        two); otherwise they are committed at once, alone, or after waiting ``carry_s`` for
        a records transaction to carry them. A reply of an inbox entry stays, marked sent,
        until :meth:`replies_forget_covered`; the others are deleted.
        """
        chosen = _SentMarks(ids)
        if chosen:
            self._group.apply(chosen, carry_s=carry_s)

    def replies_forget_covered(
        self, covered: Iterable[tuple[int, int]], *, sent_before: float | None = None
    ) -> int:
        """Delete the sent replies of the ``(user_id, up_to_seq)`` entries snapshots cover,
        and (when given) every reply marked sent before ``sent_before``; returns how many."""
        pairs = list(covered)
        with self._db.transaction() as conn:
            forgotten = replies_sql.forget_covered(conn, pairs) if pairs else 0
            if sent_before is not None:
                forgotten += replies_sql.forget_sent_before(conn, sent_before)
        return forgotten

    def replies_stored(self, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The stored replies among the dedupe ``keys``: key -> (method, params as stored)."""
        if not keys:
            return {}
        with self._db.use() as conn:
            return replies_sql.stored(conn, keys)

    # Reads.

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._db.use() as conn:
            return conn.execute(sql, params).fetchall()

    def balance(self, user_id: int) -> int:
        """Return a player's besitos balance (0 when none)."""
        with self._db.use() as conn:
            return balance_of(conn, user_id)
