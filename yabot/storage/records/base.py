"""``RecordsStore``: the records store as its callers see it, whatever the database.

Adapters: :class:`yabot.storage.records.RecordsDb` (SQLite, the embedded default) and
:class:`yabot.storage.postgres.records.PgRecords` (PostgreSQL, shared by a cluster). Both pass
the contract suite in tests/storage/test_records.py and tests/storage/test_replies.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from yabot.events import outbox as outbox_sql
from yabot.storage.records.accounting import OutboxMode
from yabot.storage.records.models import (
    AdminAccount,
    AuditRecord,
    BatchResult,
    Item,
    Movement,
    Payment,
    Profile,
    RecordBatch,
    RecordsError,
    Subscription,
)
from yabot.storage.records.replies import PendingReply


class RecordsStore(Protocol):
    """Transactional records, the events outbox and the reply outbox (see ``RecordsDb``)."""

    @property
    def outbox_mode(self) -> OutboxMode:
        """``relay`` (events wait for the Redis relay) or ``local``."""
        ...

    @property
    def outbox_budget_bytes(self) -> int:
        """The configured disk budget of the unsent backlog."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...

    def add_events_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after a commit that wrote events."""
        ...

    def apply(self, batch: RecordBatch) -> BatchResult:
        """Write a batch in one transaction (see ``RecordsDb.apply``)."""
        ...

    def apply_many(self, batches: Sequence[RecordBatch]) -> list[BatchResult | RecordsError]:
        """Write many batches in one transaction, each refused alone."""
        ...

    def outbox_pending(self, limit: int) -> list[outbox_sql.OutboxRow]:
        """Up to ``limit`` unsent events, oldest first."""
        ...

    def outbox_mark_sent(self, seqs: Sequence[int]) -> None:
        """Mark published events sent."""
        ...

    def outbox_prune(self, older_than_s: float, chunk: int = 5000) -> int:
        """Delete sent and local events older than ``older_than_s``; returns how many."""
        ...

    def outbox_backlog(self) -> outbox_sql.Backlog:
        """The unsent backlog as stored."""
        ...

    def outbox_backlog_fast(self) -> outbox_sql.Backlog:
        """The unsent backlog from running counts."""
        ...

    def outbox_within_budget(self) -> bool:
        """True while the unsent backlog is under its disk budget."""
        ...

    def replies_pending(self) -> list[PendingReply]:
        """Every reply not yet marked sent, oldest first."""
        ...

    def replies_done(
        self,
        ids: Iterable[int],
        *,
        epochs: Mapping[int, int] | None = None,
        carry_s: float = 0.0,
    ) -> None:
        """Mark replies Telegram took (or refused for good). ``epochs`` (cluster mode): per
        reply id, the epoch of its shard's lease it was submitted under (a server adapter
        marks it only while the lease has that epoch; the embedded store ignores it).
        ``carry_s``: the marks may wait that long for a records transaction to carry them
        (an adapter whose marks are a statement of their own ignores it)."""
        ...

    def replies_forget_covered(
        self, covered: Iterable[tuple[int, int]], *, sent_before: float | None = None
    ) -> int:
        """Delete sent replies snapshots cover (and, when given, those sent before a time)."""
        ...

    def replies_stored(self, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The stored replies (sent or not: a reply is kept until a snapshot covers its inbox
        entry) among the dedupe ``keys``: key -> (method, params as stored, compact JSON)."""
        ...

    def balance(self, user_id: int) -> int:
        """A player's besitos balance (0 when none)."""
        ...

    def movements(self, user_id: int, limit: int = 10) -> list[Movement]:
        """A player's latest ledger entries, newest first."""
        ...

    def profile(self, user_id: int) -> Profile | None:
        """A player's profile, or None."""
        ...

    def subscription(self, user_id: int) -> Subscription | None:
        """A player's current subscription, or None."""
        ...

    def subscriptions_ending_before(
        self, ts: float, *, status: str = "active", limit: int = 1000
    ) -> list[Subscription]:
        """Subscriptions in ``status`` ending before ``ts``, soonest first."""
        ...

    def items(self, user_id: int) -> list[Item]:
        """A player's unlocked items, oldest first."""
        ...

    def payment(self, charge_id: str) -> Payment | None:
        """A payment by its charge id, or None."""
        ...

    def admin(self, username: str) -> AdminAccount | None:
        """An admin account, or None."""
        ...

    def audit(self, limit: int = 100) -> list[AuditRecord]:
        """The latest audit records, newest first."""
        ...

    def job_ran_at(self, job_key: str) -> float | None:
        """When a job key was marked run, or None."""
        ...
