"""The read queries both records adapters share (SQLite and PostgreSQL).

Queries are written with ``?`` placeholders; an adapter names its own placeholder and runs
the query through its ``_rows``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from yabot.storage.records.models import (
    AdminAccount,
    AuditRecord,
    Item,
    Movement,
    Payment,
    Profile,
    Subscription,
)


class RecordsReads:
    """Mixin: a player's ledger, profile, subscription, items, payments, admins, audit, jobs."""

    PLACEHOLDER = "?"

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.PLACEHOLDER != "?":
            sql = sql.replace("?", self.PLACEHOLDER)
        return self._rows(sql, params)

    def movements(self, user_id: int, limit: int = 10) -> list[Movement]:
        """Return a player's latest ledger entries, newest first."""
        rows = self._read(
            "SELECT id, user_id, amount, reason, idempotency_key, balance_after, created_at, "
            "correlation_id FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
        return [Movement(*row) for row in rows]

    def profile(self, user_id: int) -> Profile | None:
        """Return a player's profile, or None."""
        rows = self._read(
            "SELECT user_id, first_name, username, language_code, role, created_at, updated_at "
            "FROM profiles WHERE user_id = ?",
            (user_id,),
        )
        return Profile(*rows[0]) if rows else None

    def subscription(self, user_id: int) -> Subscription | None:
        """Return a player's current subscription, or None."""
        rows = self._read(
            "SELECT user_id, tier, status, started_at, ends_at, source, updated_at "
            "FROM subscriptions WHERE user_id = ?",
            (user_id,),
        )
        return Subscription(*rows[0]) if rows else None

    def subscriptions_ending_before(
        self, ts: float, *, status: str = "active", limit: int = 1000
    ) -> list[Subscription]:
        """Return subscriptions in ``status`` whose end is before ``ts``, soonest first."""
        rows = self._read(
            "SELECT user_id, tier, status, started_at, ends_at, source, updated_at "
            "FROM subscriptions WHERE status = ? AND ends_at IS NOT NULL AND ends_at < ? "
            "ORDER BY ends_at LIMIT ?",
            (status, ts, limit),
        )
        return [Subscription(*row) for row in rows]

    def items(self, user_id: int) -> list[Item]:
        """Return a player's unlocked items, oldest first."""
        rows = self._read(
            "SELECT user_id, item, source_key, created_at FROM items WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [Item(*row) for row in rows]

    def payment(self, charge_id: str) -> Payment | None:
        """Return a payment by its ``telegram_payment_charge_id``, or None."""
        rows = self._read(
            "SELECT telegram_payment_charge_id, user_id, amount, currency, payload, status, "
            "created_at, updated_at FROM payments WHERE telegram_payment_charge_id = ?",
            (charge_id,),
        )
        return Payment(*rows[0]) if rows else None

    def admin(self, username: str) -> AdminAccount | None:
        """Return an admin account, or None."""
        rows = self._read(
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
        rows = self._read(
            "SELECT id, who, action, target, details, at FROM audit ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [AuditRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def job_ran_at(self, job_key: str) -> float | None:
        """Return when a job key was marked run, or None if it never was."""
        rows = self._read("SELECT ran_at FROM job_runs WHERE job_key = ?", (job_key,))
        return float(rows[0][0]) if rows else None
