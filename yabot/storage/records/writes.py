"""The SQL that writes each part of a :class:`RecordBatch` (inside the caller's transaction).

The profiles, subscriptions, admin accounts, payments, refunds, items, audit entries and
job runs are written by the same code on both adapters: it runs its statements through a
:data:`Run` (``?`` placeholders, the adapter translates) and writes row comparisons with the
adapter's ``distinct`` operator (``IS NOT`` in SQLite, ``IS DISTINCT FROM`` in
PostgreSQL). The ledger, events and replies differ (locking, group statements) and stay per
adapter.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from yabot.events import outbox as outbox_sql
from yabot.events.models import Event
from yabot.observability.logging import get_logger
from yabot.storage.records import replies as replies_sql
from yabot.storage.records.models import (
    AppliedEntry,
    BatchResult,
    InsufficientFunds,
    LedgerEntry,
    RecordBatch,
    UnknownPayment,
)

log = get_logger(__name__)


class Rows(Protocol):
    """What a statement's cursor answers (``sqlite3.Cursor`` and ``psycopg.Cursor`` do)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...


Run = Callable[[str, Sequence[Any]], Rows]
"""Runs one statement written with ``?`` placeholders inside the caller's transaction."""

SQLITE_DISTINCT = "IS NOT"
POSTGRES_DISTINCT = "IS DISTINCT FROM"


def write_batch(
    conn: sqlite3.Connection,
    batch: RecordBatch,
    encoded: list[tuple[str, int]],
    status: outbox_sql.OutboxStatus,
) -> tuple[BatchResult, int]:
    """Write every part of ``batch``; returns the result and the outbox bytes added.

    Raises:
        InsufficientFunds: A debit exceeds a balance (the caller rolls back).
        UnknownPayment: A refund names an unknown payment (the caller rolls back).
    """
    now = time.time() if batch.at is None else batch.at
    result = BatchResult()
    write_accounts(conn.execute, SQLITE_DISTINCT, batch, now, result)
    for entry in batch.ledger:
        result.ledger.append(_write_ledger(conn, entry, now, result))
    write_purchases(conn.execute, batch, now, result)
    write_logs(conn.execute, batch, now, result)
    size = _write_events(conn, batch.events, encoded, status, now, result)
    for reply in batch.replies:
        result.reply_ids.append(replies_sql.insert(conn, reply))
    return result, size


def write_accounts(
    run: Run, distinct: str, batch: RecordBatch, now: float, result: BatchResult
) -> None:
    """Profiles, subscriptions and admin accounts: upserts keyed by user or username."""
    for profile in batch.profiles:
        cursor = run(
            "INSERT INTO profiles (user_id, first_name, username, language_code, role, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, COALESCE(?, 'player'), ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET first_name = excluded.first_name, "
            "username = excluded.username, language_code = excluded.language_code, "
            "role = COALESCE(?, profiles.role), updated_at = excluded.updated_at "
            "WHERE (profiles.first_name, profiles.username, profiles.language_code, "
            f"profiles.role) {distinct} (excluded.first_name, excluded.username, "
            "excluded.language_code, COALESCE(?, profiles.role))",
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
    for sub in batch.subscriptions:
        cursor = run(
            "INSERT INTO subscriptions (user_id, tier, status, started_at, ends_at, source, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "tier = excluded.tier, status = excluded.status, "
            "started_at = excluded.started_at, ends_at = excluded.ends_at, "
            "source = excluded.source, updated_at = excluded.updated_at "
            "WHERE (subscriptions.tier, subscriptions.status, subscriptions.started_at, "
            f"subscriptions.ends_at, subscriptions.source) {distinct} (excluded.tier, "
            "excluded.status, excluded.started_at, excluded.ends_at, excluded.source)",
            (sub.user_id, sub.tier, sub.status, sub.started_at, sub.ends_at, sub.source, now),
        )
        result.written += cursor.rowcount
    for admin in batch.admins:
        conflict = (
            "DO NOTHING"
            if admin.only_if_absent
            else (
                "DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, "
                "disabled = excluded.disabled"
            )
        )
        _count(
            result,
            f"admin:{admin.username}",
            run(
                "INSERT INTO admins (username, password_hash, role, created_at, disabled) "
                f"VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) {conflict}",
                (admin.username, admin.password_hash, admin.role, now, bool(admin.disabled)),
            ),
        )


def write_purchases(run: Run, batch: RecordBatch, now: float, result: BatchResult) -> None:
    """Payments, refunds and item unlocks, keyed by charge id and source key."""
    for pay in batch.payments:
        _count(
            result,
            f"payment:{pay.charge_id}",
            run(
                "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, "
                "payload, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(telegram_payment_charge_id) DO NOTHING",
                (
                    pay.charge_id,
                    pay.user_id,
                    pay.amount,
                    pay.currency,
                    pay.payload,
                    pay.status,
                    now,
                    now,
                ),
            ),
        )
    for refund in batch.refunds:
        # The rowcount is read before the next statement: a cursor may serve both.
        refunded = run(
            "UPDATE payments SET status = 'refunded', updated_at = ? "
            "WHERE telegram_payment_charge_id = ? AND status IN ('paid', 'rejected')",
            (now, refund.charge_id),
        ).rowcount
        if refunded:
            result.written += 1
            continue
        known = run(
            "SELECT 1 FROM payments WHERE telegram_payment_charge_id = ?", (refund.charge_id,)
        ).fetchone()
        if not known:
            raise UnknownPayment(f"no payment with charge id {refund.charge_id!r}")
        result.duplicates.append(f"refund:{refund.charge_id}")
    for unlock in batch.items:
        _count(
            result,
            f"item:{unlock.source_key}",
            run(
                "INSERT INTO items (user_id, item, source_key, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(source_key) DO NOTHING",
                (unlock.user_id, unlock.item, unlock.source_key, now),
            ),
        )


def write_logs(run: Run, batch: RecordBatch, now: float, result: BatchResult) -> None:
    """Audit entries and scheduler job-run markers."""
    for audit in batch.audit:
        _count(
            result,
            f"audit:{audit.idempotency_key}",
            run(
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
        _count(
            result,
            f"job:{job.job_key}",
            run(
                "INSERT INTO job_runs (job_key, ran_at) VALUES (?, ?) "
                "ON CONFLICT(job_key) DO NOTHING",
                (job.job_key, now),
            ),
        )


def _count(result: BatchResult, key: str, cursor: Rows) -> None:
    if cursor.rowcount == 0:
        result.duplicates.append(key)
    else:
        result.written += 1


def _write_ledger(
    conn: sqlite3.Connection, entry: LedgerEntry, now: float, result: BatchResult
) -> AppliedEntry:
    user_id, amount, key = entry.user_id, entry.amount, entry.idempotency_key
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
        result.balances[existing[0]] = balance_of(conn, existing[0])
        return AppliedEntry(key, existing[0], existing[1], existing[2], duplicate=True)
    balance = balance_of(conn, user_id)
    after = balance + amount
    if after < 0:
        raise InsufficientFunds(user_id, balance, -amount)
    conn.execute(
        "INSERT INTO ledger (user_id, amount, reason, idempotency_key, balance_after, "
        "created_at, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (user_id, amount, entry.reason, key, after, now, entry.correlation_id),
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
    conn: sqlite3.Connection,
    events: list[Event],
    encoded: list[tuple[str, int]],
    status: outbox_sql.OutboxStatus,
    now: float,
    result: BatchResult,
) -> int:
    size = 0
    for event, (body, event_size) in zip(events, encoded, strict=True):
        if outbox_sql.insert(conn, event, body, event_size, status, now):
            result.events_written += 1
            result.written += 1
            size += event_size
        else:
            result.duplicates.append(f"event:{event.event_id}")
    return size


def balance_of(conn: sqlite3.Connection, user_id: int) -> int:
    row = conn.execute("SELECT balance FROM wallets WHERE user_id = ?", (user_id,)).fetchone()
    return int(row[0]) if row else 0
