"""What every records adapter does around its transactions, whatever the database.

The outbox disk budget (running counts of the unsent backlog, the refusal of batches past
it, logged at most every ``REFUSAL_LOG_EVERY_S``), the ledger-refusal metric, the reply
metrics and the listeners called after a commit that wrote events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from yabot.events import metrics
from yabot.events import outbox as outbox_sql
from yabot.events.outbox import OutboxStatus
from yabot.observability.logging import get_logger
from yabot.storage.records.models import BatchResult, InsufficientFunds, OutboxFull, RecordsError
from yabot.storage.records.replies import PENDING, STORED

OutboxMode = Literal["relay", "local"]

log = get_logger(__name__)

REFUSAL_LOG_EVERY_S = 10.0


class OutboxAccounting:
    """The adapter-independent half of a records store (a base class of each adapter).

    Args:
        outbox_mode: ``"relay"`` stores events as pending for the Redis relay and enforces
            the disk budget; ``"local"`` stores them as ``local`` (never published).
        outbox_budget_bytes: Unsent backlog past which batches with events are refused.
        backlog: The unsent backlog as stored when the adapter opened.
    """

    def __init__(
        self, outbox_mode: OutboxMode, outbox_budget_bytes: int, backlog: outbox_sql.Backlog
    ) -> None:
        self._outbox_mode: OutboxMode = outbox_mode
        self._budget = outbox_budget_bytes
        self._listeners: list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._next_refusal_log = 0.0
        self._refused_since_log = 0
        self._pending_bytes = backlog.bytes
        self._pending_events = backlog.events
        metrics.OUTBOX_BUDGET_BYTES.set(self._budget)
        self._publish_backlog_metrics()

    @property
    def outbox_mode(self) -> OutboxMode:
        """``relay`` or ``local`` (see the class docs)."""
        return self._outbox_mode

    @property
    def outbox_budget_bytes(self) -> int:
        """The configured disk budget of the unsent backlog."""
        return self._budget

    def add_events_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (from the writer's thread) after a commit that wrote events."""
        with self._listeners_lock:
            self._listeners.append(listener)

    def outbox_within_budget(self) -> bool:
        """True while the unsent backlog (as counted in memory) is under its disk budget."""
        return self._pending_bytes < self._budget

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

    def _released(self, released_bytes: int, marked_events: int) -> None:
        """Account for events marked sent."""
        with self._counter_lock:
            self._pending_bytes -= released_bytes
            self._pending_events -= marked_events
        self._publish_backlog_metrics()

    def _running_backlog(self, oldest: float | None) -> outbox_sql.Backlog:
        with self._counter_lock:
            return outbox_sql.Backlog(self._pending_events, self._pending_bytes, oldest)

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
