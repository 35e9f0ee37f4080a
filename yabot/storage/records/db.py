"""``RecordsDb``: the records database (``records.db``) and its unit-of-work API.

One SQLite connection guarded by a lock (SQLite serialises writers anyway); every call is
safe from any thread. ``apply`` writes a :class:`RecordBatch` in one transaction, outbox
events and replies included, so an event or a reply exists if and only if the records it
describes do.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from yabot.config import Settings
from yabot.events import metrics
from yabot.events import outbox as outbox_sql
from yabot.events.outbox import OutboxStatus
from yabot.observability.logging import get_logger
from yabot.storage.migrations import migrate, records_path
from yabot.storage.records import replies as replies_sql
from yabot.storage.records.models import (
    AdminAccount,
    AuditRecord,
    BatchResult,
    InsufficientFunds,
    Item,
    Movement,
    OutboxFull,
    Payment,
    Profile,
    RecordBatch,
    RecordsError,
    Subscription,
)
from yabot.storage.records.replies import PENDING, STORED, PendingReply
from yabot.storage.records.writes import balance_of, write_batch
from yabot.storage.sqlite_util import LockedConnection, connect

OutboxMode = Literal["relay", "local"]

log = get_logger(__name__)

REFUSAL_LOG_EVERY_S = 10.0


class RecordsDb:
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
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = 5000,
        outbox_mode: OutboxMode = "local",
        outbox_budget_bytes: int = 256 * 1024 * 1024,
        legacy_replies: Path | None = None,
    ) -> None:
        conn = connect(path, busy_timeout_ms=busy_timeout_ms)
        try:
            migrate(conn)
            if legacy_replies is not None:
                replies_sql.import_legacy_replies(
                    conn, legacy_replies, busy_timeout_ms=busy_timeout_ms
                )
            PENDING.set(replies_sql.count(conn))
        except BaseException:
            conn.close()
            raise
        self._db = LockedConnection(conn)
        self._outbox_mode: OutboxMode = outbox_mode
        self._budget = outbox_budget_bytes
        self._listeners: list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._next_refusal_log = 0.0
        self._refused_since_log = 0
        with self._db.use() as c:
            backlog = outbox_sql.backlog(c)
        self._pending_bytes = backlog.bytes
        self._pending_events = backlog.events
        metrics.OUTBOX_BUDGET_BYTES.set(self._budget)
        self._publish_backlog_metrics()

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
        )

    @property
    def outbox_mode(self) -> OutboxMode:
        """``relay`` or ``local`` (see the class docs)."""
        return self._outbox_mode

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def add_events_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (from the writer's thread) after a commit that wrote events."""
        with self._listeners_lock:
            self._listeners.append(listener)

    def apply(self, batch: RecordBatch) -> BatchResult:
        """Write a batch in one transaction.

        Returns:
            What was written and what was a duplicate (a replayed batch writes nothing), and
            the reply outbox ids of the batch's replies (None for a dedupe key already stored).

        Raises:
            InsufficientFunds: A debit exceeds the balance; nothing of the batch is written.
            OutboxFull: The unsent event backlog is over budget; nothing is written.
            UnknownPayment: A refund names an unknown payment; nothing is written.
        """
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
            raise
        self._committed([result], size)
        return result

    def apply_many(self, batches: Sequence[RecordBatch]) -> list[BatchResult | RecordsError]:
        """Write many batches in one transaction (group commit), each in its own savepoint.

        A batch that fails (insufficient funds, outbox full, unknown payment) is rolled back
        alone and its error is returned in its place; the others are committed.
        """
        outcomes: list[BatchResult | RecordsError] = []
        added_bytes = 0
        with self._db.transaction() as conn:
            for batch in batches:
                encoded = [outbox_sql.encode(event) for event in batch.events]
                refused = self._over_budget(encoded, added_bytes)
                if refused is not None:
                    outcomes.append(refused)
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
        self._committed([o for o in outcomes if isinstance(o, BatchResult)], added_bytes)
        return outcomes

    @property
    def _status(self) -> OutboxStatus:
        return "pending" if self._outbox_mode == "relay" else "local"

    def _over_budget(self, encoded: list[tuple[str, int]], added_bytes: int) -> OutboxFull | None:
        """The refusal of a batch whose events would take the backlog past its budget."""
        if self._outbox_mode != "relay" or not encoded:
            return None
        backlog = self._pending_bytes + added_bytes
        if backlog + sum(size for _, size in encoded) > self._budget:
            return self._refuse_for_budget(backlog)
        return None

    def _note_refusal(self, exc: RecordsError) -> None:
        if isinstance(exc, InsufficientFunds):
            metrics.LEDGER_REFUSED.inc()
            log.info(
                "ledger_debit_refused",
                user_id=exc.user_id,
                balance=exc.balance,
                amount=exc.amount,
            )

    def _committed(self, results: list[BatchResult], added_bytes: int) -> None:
        """Account for committed batches: backlog counters, reply metrics, event listeners."""
        added_events = sum(result.events_written for result in results)
        if self._outbox_mode == "relay" and added_events:
            with self._counter_lock:
                self._pending_bytes += added_bytes
                self._pending_events += added_events
        self._publish_backlog_metrics()
        stored = sum(1 for result in results for i in result.reply_ids if i is not None)
        if stored:
            STORED.inc(stored)
            PENDING.inc(stored)
        if added_events:
            with self._listeners_lock:
                listeners = list(self._listeners)
            for listener in listeners:
                listener()

    def _refuse_for_budget(self, backlog: int) -> OutboxFull:
        metrics.OUTBOX_REJECTED.inc()
        now = time.monotonic()
        self._refused_since_log += 1
        if now >= self._next_refusal_log:
            self._next_refusal_log = now + REFUSAL_LOG_EVERY_S
            log.error(
                "outbox_over_budget",
                backlog_bytes=backlog,
                budget_bytes=self._budget,
                refused_batches=self._refused_since_log,
                action="batches refused until the relay drains the backlog",
            )
            self._refused_since_log = 0
        return OutboxFull(backlog, self._budget)

    def _publish_backlog_metrics(self) -> None:
        metrics.OUTBOX_BACKLOG_BYTES.set(self._pending_bytes)
        metrics.OUTBOX_BACKLOG_EVENTS.set(self._pending_events)

    # Outbox access for the relay.

    def outbox_pending(self, limit: int) -> list[outbox_sql.OutboxRow]:
        """Return up to ``limit`` unsent events, oldest first."""
        with self._db.use() as conn:
            return outbox_sql.pending(conn, limit)

    def outbox_mark_sent(self, seqs: Sequence[int]) -> None:
        """Mark published events sent, releasing their bytes from the budget."""
        with self._db.transaction() as conn:
            released, marked = outbox_sql.mark_sent(conn, seqs, time.time())
        with self._counter_lock:
            self._pending_bytes -= released
            self._pending_events -= marked
        log.debug("outbox_marked_sent", events=len(seqs), released_bytes=released)
        self._publish_backlog_metrics()

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
        with self._counter_lock:
            return outbox_sql.Backlog(self._pending_events, self._pending_bytes, oldest)

    def outbox_within_budget(self) -> bool:
        """True while the unsent backlog (as counted in memory) is under its disk budget."""
        return self._pending_bytes < self._budget

    @property
    def outbox_budget_bytes(self) -> int:
        """The configured disk budget of the unsent backlog."""
        return self._budget

    # Reply outbox.

    def replies_pending(self) -> list[PendingReply]:
        """Every reply not yet marked sent, oldest first."""
        with self._db.use() as conn:
            return replies_sql.pending(conn)

    def replies_done(self, ids: Iterable[int]) -> None:
        """Mark replies Telegram took (or refused for good) in one transaction.

        A reply of an inbox entry stays, marked sent, until :meth:`replies_forget_covered`;
        the others are deleted.
        """
        chosen = list(ids)
        if not chosen:
            return
        with self._db.transaction() as conn:
            done = replies_sql.mark_sent(conn, chosen, time.time())
        PENDING.dec(done)

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

    # Reads.

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._db.use() as conn:
            return conn.execute(sql, params).fetchall()

    def balance(self, user_id: int) -> int:
        """Return a player's besitos balance (0 when none)."""
        with self._db.use() as conn:
            return balance_of(conn, user_id)

    def movements(self, user_id: int, limit: int = 10) -> list[Movement]:
        """Return a player's latest ledger entries, newest first."""
        rows = self._rows(
            "SELECT id, user_id, amount, reason, idempotency_key, balance_after, created_at, "
            "correlation_id FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
        return [Movement(*row) for row in rows]

    def profile(self, user_id: int) -> Profile | None:
        """Return a player's profile, or None."""
        rows = self._rows(
            "SELECT user_id, first_name, username, language_code, role, created_at, updated_at "
            "FROM profiles WHERE user_id = ?",
            (user_id,),
        )
        return Profile(*rows[0]) if rows else None

    def subscription(self, user_id: int) -> Subscription | None:
        """Return a player's current subscription, or None."""
        rows = self._rows(
            "SELECT user_id, tier, status, started_at, ends_at, source, updated_at "
            "FROM subscriptions WHERE user_id = ?",
            (user_id,),
        )
        return Subscription(*rows[0]) if rows else None

    def subscriptions_ending_before(
        self, ts: float, *, status: str = "active", limit: int = 1000
    ) -> list[Subscription]:
        """Return subscriptions in ``status`` whose end is before ``ts``, soonest first."""
        rows = self._rows(
            "SELECT user_id, tier, status, started_at, ends_at, source, updated_at "
            "FROM subscriptions WHERE status = ? AND ends_at IS NOT NULL AND ends_at < ? "
            "ORDER BY ends_at LIMIT ?",
            (status, ts, limit),
        )
        return [Subscription(*row) for row in rows]

    def items(self, user_id: int) -> list[Item]:
        """Return a player's unlocked items, oldest first."""
        rows = self._rows(
            "SELECT user_id, item, source_key, created_at FROM items WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [Item(*row) for row in rows]

    def payment(self, charge_id: str) -> Payment | None:
        """Return a payment by its ``telegram_payment_charge_id``, or None."""
        rows = self._rows(
            "SELECT telegram_payment_charge_id, user_id, amount, currency, payload, status, "
            "created_at, updated_at FROM payments WHERE telegram_payment_charge_id = ?",
            (charge_id,),
        )
        return Payment(*rows[0]) if rows else None

    def admin(self, username: str) -> AdminAccount | None:
        """Return an admin account, or None."""
        rows = self._rows(
            "SELECT username, password_hash, role, created_at, disabled FROM admins "
            "WHERE username = ?",
            (username,),
        )
        if not rows:
            return None
        name, password_hash, role, created_at, disabled = rows[0]
        return AdminAccount(name, password_hash, role, created_at, bool(disabled))

    def audit(self, limit: int = 100) -> list[AuditRecord]:
        """Return the latest audit records, newest first."""
        rows = self._rows(
            "SELECT id, who, action, target, details, at FROM audit ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [AuditRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def job_ran_at(self, job_key: str) -> float | None:
        """Return when a job key was marked run, or None if it never was."""
        rows = self._rows("SELECT ran_at FROM job_runs WHERE job_key = ?", (job_key,))
        return float(rows[0][0]) if rows else None
