"""``RecordsDb``: the records database (``records.db``) and its unit-of-work API.

One SQLite connection guarded by a lock (SQLite serialises writers anyway); every call is
safe from any thread. ``apply`` writes a :class:`RecordBatch` in one transaction, outbox
events included, so an event exists if and only if the records it describes do.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from yabot.config import Settings
from yabot.events import metrics
from yabot.events import outbox as outbox_sql
from yabot.events.models import Event
from yabot.observability.logging import get_logger
from yabot.storage.migrations import migrate, records_path
from yabot.storage.records.models import (
    AdminAccount,
    AppliedEntry,
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
    UnknownPayment,
)
from yabot.storage.sqlite_util import LockedConnection, connect

OutboxMode = Literal["relay", "local"]

log = get_logger(__name__)


class RecordsDb:
    """Transactional records: profiles, subscriptions, ledger, payments, items, admins, audit,
    job runs and the events outbox.

    Args:
        path: The database file (created and migrated to the newest schema).
        busy_timeout_ms: SQLite busy timeout.
        outbox_mode: ``"relay"`` stores events as pending for the Redis relay and enforces
            the disk budget; ``"local"`` (no Redis configured) stores them as ``local``,
            never publishes them and lets them be pruned after the retention period.
        outbox_budget_bytes: Unsent backlog past which batches with events are refused.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = 5000,
        outbox_mode: OutboxMode = "local",
        outbox_budget_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        conn = connect(path, busy_timeout_ms=busy_timeout_ms)
        migrate(conn)
        self._db = LockedConnection(conn)
        self._outbox_mode: OutboxMode = outbox_mode
        self._budget = outbox_budget_bytes
        self._listeners: list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        with self._db.use() as c:
            backlog = outbox_sql.backlog(c)
        self._pending_bytes = backlog.bytes
        self._pending_events = backlog.events
        metrics.OUTBOX_BUDGET_BYTES.set(self._budget)
        self._publish_backlog_metrics()

    @classmethod
    def open(cls, settings: Settings) -> RecordsDb:
        """Open ``records.db`` under ``settings.storage.data_dir`` as configured."""
        return cls(
            records_path(settings),
            busy_timeout_ms=settings.storage.sqlite_busy_timeout_ms,
            outbox_mode="relay" if settings.events.redis_url else "local",
            outbox_budget_bytes=settings.events.outbox_disk_budget_mb * 1024 * 1024,
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
            What was written and what was a duplicate (a replayed batch writes nothing).

        Raises:
            InsufficientFunds: A debit exceeds the balance; nothing of the batch is written.
            OutboxFull: The unsent event backlog is over budget; nothing is written.
            UnknownPayment: A refund names an unknown payment; nothing is written.
        """
        outcome = self.apply_many([batch])[0]
        if isinstance(outcome, RecordsError):
            raise outcome
        return outcome

    def apply_many(self, batches: Sequence[RecordBatch]) -> list[BatchResult | RecordsError]:
        """Write many batches in one transaction (group commit), each in its own savepoint.

        A batch that fails (insufficient funds, outbox full, unknown payment) is rolled back
        alone and its error is returned in its place; the others are committed.
        """
        outcomes: list[BatchResult | RecordsError] = []
        wrote_events = False
        with self._db.transaction() as conn:
            added_bytes = 0
            added_events = 0
            for batch in batches:
                encoded = [outbox_sql.encode(event) for event in batch.events]
                if self._outbox_mode == "relay" and encoded:
                    backlog = self._pending_bytes + added_bytes
                    if backlog + sum(size for _, size in encoded) > self._budget:
                        outcomes.append(self._refuse_for_budget(backlog))
                        continue
                conn.execute("SAVEPOINT batch")
                try:
                    result, size = self._write(conn, batch, encoded)
                except RecordsError as exc:
                    conn.execute("ROLLBACK TO batch")
                    conn.execute("RELEASE batch")
                    if isinstance(exc, InsufficientFunds):
                        metrics.LEDGER_REFUSED.inc()
                        log.info(
                            "ledger_debit_refused",
                            user_id=exc.user_id,
                            balance=exc.balance,
                            amount=exc.amount,
                        )
                    outcomes.append(exc)
                    continue
                conn.execute("RELEASE batch")
                if self._outbox_mode == "relay":
                    added_bytes += size
                    added_events += result.events_written
                wrote_events = wrote_events or result.events_written > 0
                outcomes.append(result)
        with self._counter_lock:
            self._pending_bytes += added_bytes
            self._pending_events += added_events
        self._publish_backlog_metrics()
        if wrote_events:
            with self._listeners_lock:
                listeners = list(self._listeners)
            for listener in listeners:
                listener()
        return outcomes

    def _refuse_for_budget(self, backlog: int) -> OutboxFull:
        metrics.OUTBOX_REJECTED.inc()
        log.error(
            "outbox_over_budget",
            backlog_bytes=backlog,
            budget_bytes=self._budget,
            action="batch refused",
        )
        return OutboxFull(backlog, self._budget)

    def _write(
        self, conn: sqlite3.Connection, batch: RecordBatch, encoded: list[tuple[str, int]]
    ) -> tuple[BatchResult, int]:
        now = time.time() if batch.at is None else batch.at
        result = BatchResult()
        for profile in batch.profiles:
            cursor = conn.execute(
                "INSERT INTO profiles (user_id, first_name, username, language_code, role, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, COALESCE(?, 'player'), ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET first_name = excluded.first_name, "
                "username = excluded.username, language_code = excluded.language_code, "
                "role = COALESCE(?, role), updated_at = excluded.updated_at "
                "WHERE (first_name, username, language_code, role) IS NOT (excluded.first_name, "
                "excluded.username, excluded.language_code, COALESCE(?, role))",
                (
                    profile.user_id,
                    profile.first_name,
                    profile.username,
                    profile.language_code,
                    profile.role,
                    now,
                    now,
                    profile.role,
                    profile.role,
                ),
            )
            result.written += cursor.rowcount
        for entry in batch.ledger:
            result.ledger.append(
                self._write_ledger(
                    conn,
                    entry.user_id,
                    entry.amount,
                    entry.reason,
                    entry.idempotency_key,
                    entry.correlation_id,
                    now,
                    result,
                )
            )
        for sub in batch.subscriptions:
            cursor = conn.execute(
                "INSERT INTO subscriptions (user_id, tier, status, started_at, ends_at, source, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
                "tier = excluded.tier, status = excluded.status, "
                "started_at = excluded.started_at, ends_at = excluded.ends_at, "
                "source = excluded.source, updated_at = excluded.updated_at "
                "WHERE (tier, status, started_at, ends_at, source) IS NOT (excluded.tier, "
                "excluded.status, excluded.started_at, excluded.ends_at, excluded.source)",
                (sub.user_id, sub.tier, sub.status, sub.started_at, sub.ends_at, sub.source, now),
            )
            result.written += cursor.rowcount
        for pay in batch.payments:
            self._count(
                result,
                f"payment:{pay.charge_id}",
                conn.execute(
                    "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, "
                    "payload, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'paid', ?, ?) "
                    "ON CONFLICT(telegram_payment_charge_id) DO NOTHING",
                    (pay.charge_id, pay.user_id, pay.amount, pay.currency, pay.payload, now, now),
                ),
            )
        for refund in batch.refunds:
            cursor = conn.execute(
                "UPDATE payments SET status = 'refunded', updated_at = ? "
                "WHERE telegram_payment_charge_id = ? AND status = 'paid'",
                (now, refund.charge_id),
            )
            if (
                cursor.rowcount == 0
                and not conn.execute(
                    "SELECT 1 FROM payments WHERE telegram_payment_charge_id = ?",
                    (refund.charge_id,),
                ).fetchone()
            ):
                raise UnknownPayment(f"no payment with charge id {refund.charge_id!r}")
            self._count(result, f"refund:{refund.charge_id}", cursor)
        for unlock in batch.items:
            self._count(
                result,
                f"item:{unlock.source_key}",
                conn.execute(
                    "INSERT INTO items (user_id, item, source_key, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(source_key) DO NOTHING",
                    (unlock.user_id, unlock.item, unlock.source_key, now),
                ),
            )
        for admin in batch.admins:
            conflict = (
                "DO NOTHING"
                if admin.only_if_absent
                else (
                    "DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, "
                    "disabled = excluded.disabled"
                )
            )
            self._count(
                result,
                f"admin:{admin.username}",
                conn.execute(
                    "INSERT INTO admins (username, password_hash, role, created_at, disabled) "
                    f"VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) {conflict}",
                    (admin.username, admin.password_hash, admin.role, now, int(admin.disabled)),
                ),
            )
        for audit in batch.audit:
            self._count(
                result,
                f"audit:{audit.idempotency_key}",
                conn.execute(
                    "INSERT INTO audit (who, action, target, details, at, idempotency_key) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING",
                    (
                        audit.who,
                        audit.action,
                        audit.target,
                        json.dumps(audit.details, sort_keys=True),
                        now,
                        audit.idempotency_key,
                    ),
                ),
            )
        for job in batch.job_runs:
            self._count(
                result,
                f"job:{job.job_key}",
                conn.execute(
                    "INSERT INTO job_runs (job_key, ran_at) VALUES (?, ?) "
                    "ON CONFLICT(job_key) DO NOTHING",
                    (job.job_key, now),
                ),
            )
        size = self._write_events(conn, batch.events, encoded, now, result)
        return result, size

    @staticmethod
    def _count(result: BatchResult, key: str, cursor: sqlite3.Cursor) -> None:
        if cursor.rowcount == 0:
            result.duplicates.append(key)
        else:
            result.written += 1

    def _write_ledger(
        self,
        conn: sqlite3.Connection,
        user_id: int,
        amount: int,
        reason: str,
        key: str,
        correlation_id: str | None,
        now: float,
        result: BatchResult,
    ) -> AppliedEntry:
        existing = conn.execute(
            "SELECT user_id, amount, balance_after FROM ledger WHERE idempotency_key = ?",
            (key,),
        ).fetchone()
        if existing is not None:
            if (existing[0], existing[1]) != (user_id, amount):
                log.warning(
                    "ledger_key_reused_with_other_values",
                    idempotency_key=key,
                    stored_user_id=existing[0],
                    user_id=user_id,
                )
            result.duplicates.append(f"ledger:{key}")
            result.balances[existing[0]] = self._balance(conn, existing[0])
            return AppliedEntry(key, existing[0], existing[1], existing[2], duplicate=True)
        balance = self._balance(conn, user_id)
        after = balance + amount
        if after < 0:
            raise InsufficientFunds(user_id, balance, -amount)
        conn.execute(
            "INSERT INTO ledger (user_id, amount, reason, idempotency_key, balance_after, "
            "created_at, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user_id, amount, reason, key, after, now, correlation_id),
        )
        conn.execute(
            "INSERT INTO wallets (user_id, balance, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET balance = excluded.balance, "
            "updated_at = excluded.updated_at",
            (user_id, after, now),
        )
        result.written += 1
        result.balances[user_id] = after
        return AppliedEntry(key, user_id, amount, after, duplicate=False)

    def _write_events(
        self,
        conn: sqlite3.Connection,
        events: list[Event],
        encoded: list[tuple[str, int]],
        now: float,
        result: BatchResult,
    ) -> int:
        status: outbox_sql.OutboxStatus = "pending" if self._outbox_mode == "relay" else "local"
        size = 0
        for event, (body, event_size) in zip(events, encoded, strict=True):
            if outbox_sql.insert(conn, event, body, event_size, status, now):
                result.events_written += 1
                result.written += 1
                size += event_size
            else:
                result.duplicates.append(f"event:{event.event_id}")
        return size

    @staticmethod
    def _balance(conn: sqlite3.Connection, user_id: int) -> int:
        row = conn.execute("SELECT balance FROM wallets WHERE user_id = ?", (user_id,)).fetchone()
        return int(row[0]) if row else 0

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

    def outbox_prune(self, older_than_s: float) -> int:
        """Delete sent and local events older than ``older_than_s`` seconds; returns how many."""
        with self._db.transaction() as conn:
            removed = outbox_sql.prune(conn, time.time() - older_than_s)
        if removed:
            metrics.EVENTS_PRUNED.inc(removed)
        return removed

    def outbox_backlog(self) -> outbox_sql.Backlog:
        """Return the unsent backlog as stored."""
        with self._db.use() as conn:
            return outbox_sql.backlog(conn)

    def outbox_within_budget(self) -> bool:
        """True while the unsent backlog (as counted in memory) is under its disk budget."""
        return self._pending_bytes < self._budget

    @property
    def outbox_budget_bytes(self) -> int:
        """The configured disk budget of the unsent backlog."""
        return self._budget

    # Reads.

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._db.use() as conn:
            return conn.execute(sql, params).fetchall()

    def balance(self, user_id: int) -> int:
        """Return a player's besitos balance (0 when none)."""
        with self._db.use() as conn:
            return self._balance(conn, user_id)

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
