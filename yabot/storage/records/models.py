"""What a unit of work may hold, the rows the read API returns and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yabot.events.models import Event
from yabot.storage.lease_source import LoadedUnder

MAX_KEY_CHARS = 200


def _check_key(name: str, value: str) -> None:
    if not value or len(value) > MAX_KEY_CHARS:
        raise ValueError(f"{name} must be 1..{MAX_KEY_CHARS} characters, got {len(value)}")


class RecordsError(Exception):
    """Base of the errors that reject a whole batch (nothing of it is written)."""


class InsufficientFunds(RecordsError):
    """A debit would make a balance negative."""

    def __init__(self, user_id: int, balance: int, amount: int) -> None:
        super().__init__(f"user {user_id} has {balance} besitos, cannot debit {amount}")
        self.user_id = user_id
        self.balance = balance
        self.amount = amount


class OutboxFull(RecordsError):
    """The unsent event backlog is past its disk budget; the work was refused, not lost."""

    def __init__(self, backlog_bytes: int, budget_bytes: int) -> None:
        super().__init__(
            f"event outbox holds {backlog_bytes} unsent bytes, budget {budget_bytes}: "
            "Redis has been unreachable too long; new work is refused until it drains"
        )
        self.backlog_bytes = backlog_bytes
        self.budget_bytes = budget_bytes


class RecordsUnavailable(Exception):
    """The records database cannot be reached now (a server adapter); nothing was written:
    retry later. Not a :class:`RecordsError`: the work itself is fine."""


class UnknownPayment(RecordsError):
    """A refund names a payment that was never recorded."""


@dataclass(frozen=True, slots=True)
class ProfileUpsert:
    """Create or update a player's profile; ``role`` None keeps the stored role."""

    user_id: int
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A besitos movement: positive credits, negative debits; ``idempotency_key`` is unique."""

    user_id: int
    amount: int
    reason: str
    idempotency_key: str
    correlation_id: str | None = None

    def __post_init__(self) -> None:
        if self.amount == 0:
            raise ValueError("a ledger entry's amount must not be 0")
        _check_key("idempotency_key", self.idempotency_key)
        if not self.reason:
            raise ValueError("a ledger entry needs a reason")


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """Set a player's current subscription (one row per player)."""

    user_id: int
    tier: str
    status: str
    started_at: float
    ends_at: float | None
    source: str


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A successful payment, recorded once per ``charge_id``.

    ``status`` is ``paid``, or ``rejected`` for a payment of no invoice YABOT issued (it
    granted nothing; kept so the money is accounted for and can be refunded).
    """

    charge_id: str
    user_id: int
    amount: int
    currency: str
    payload: str = ""
    status: str = "paid"

    def __post_init__(self) -> None:
        _check_key("charge_id", self.charge_id)
        if self.status not in ("paid", "rejected"):
            raise ValueError(f"payment status must be paid or rejected, got {self.status!r}")


@dataclass(frozen=True, slots=True)
class PaymentRefund:
    """Mark a recorded payment refunded (a second refund is a duplicate)."""

    charge_id: str


@dataclass(frozen=True, slots=True)
class ItemUnlock:
    """Give a player an item; ``source_key`` (e.g. the purchase's key) is unique."""

    user_id: int
    item: str
    source_key: str

    def __post_init__(self) -> None:
        _check_key("source_key", self.source_key)


@dataclass(frozen=True, slots=True)
class AdminUpsert:
    """Create or update an admin account; ``only_if_absent`` leaves an existing one alone."""

    username: str
    password_hash: str
    role: str = "admin"
    disabled: bool = False
    only_if_absent: bool = False


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to what; an ``idempotency_key`` makes a retried request write it once."""

    who: str
    action: str
    target: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class JobRun:
    """Marks a scheduled job's run (e.g. ``expire:42:2026-11-26``) as done, exactly once."""

    job_key: str

    def __post_init__(self) -> None:
        _check_key("job_key", self.job_key)


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    """A Bot API call made durable in the reply outbox until Telegram takes it.

    ``dedupe_key`` is unique: storing a key that is already stored stores nothing (the reply
    of a replayed update is not sent again). ``update_id`` is the update that caused it, None
    for replies no update caused (stored as ``SYSTEM_REPLY``). ``user_id`` and ``seq`` (the
    update's inbox entry) say when a sent reply may be forgotten: once a durable snapshot of
    that player covers that entry, no replay can ask for it again.
    """

    dedupe_key: str
    update_id: int | None
    chat_id: int | None
    method: str
    params: dict[str, Any]
    user_id: int | None = None
    seq: int | None = None


@dataclass(slots=True)
class RecordBatch:
    """A unit of work written in one SQLite transaction, outbox events and replies included.

    Every part is idempotent by its key, so applying the same batch again changes nothing.
    ``at`` is the time recorded in the rows (defaults to the moment of ``apply``).
    ``loaded_under`` (cluster mode): the player whose state the batch was computed from and
    the epoch of its shard's lease that state was loaded under; a fenced store writes the
    batch only while the lease has that epoch (the embedded store ignores it).
    """

    profiles: list[ProfileUpsert] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    subscriptions: list[SubscriptionChange] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    refunds: list[PaymentRefund] = field(default_factory=list)
    items: list[ItemUnlock] = field(default_factory=list)
    admins: list[AdminUpsert] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    job_runs: list[JobRun] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    replies: list[OutgoingReply] = field(default_factory=list)
    at: float | None = None
    loaded_under: LoadedUnder | None = None


@dataclass(frozen=True, slots=True)
class AppliedEntry:
    """The outcome of one ledger entry of a batch."""

    idempotency_key: str
    user_id: int
    amount: int
    balance_after: int
    duplicate: bool


@dataclass(slots=True)
class BatchResult:
    """What ``apply`` did.

    ``written`` counts rows inserted or changed (an upsert that changes nothing is neither
    written nor a duplicate); ``duplicates`` lists keyed parts already stored, as
    ``kind:key``; ``balances`` holds the balance after the batch of every user it touched.
    ``reply_ids`` holds, for each of the batch's replies in order, its id in the reply outbox,
    or None when its dedupe key was already stored (replies count neither as written nor as
    duplicates: a reply taken by Telegram is deleted, so they say nothing about a replay).
    """

    ledger: list[AppliedEntry] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    written: int = 0
    events_written: int = 0
    balances: dict[int, int] = field(default_factory=dict)
    reply_ids: list[int | None] = field(default_factory=list)

    @property
    def replay(self) -> bool:
        """True when the batch wrote nothing new because every keyed part already existed."""
        return self.written == 0 and bool(self.duplicates)


@dataclass(frozen=True, slots=True)
class Profile:
    """A player's profile row."""

    user_id: int
    first_name: str
    username: str | None
    language_code: str | None
    role: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Subscription:
    """A player's current subscription row."""

    user_id: int
    tier: str
    status: str
    started_at: float
    ends_at: float | None
    source: str
    updated_at: float


@dataclass(frozen=True, slots=True)
class Movement:
    """One ledger entry as stored."""

    id: int
    user_id: int
    amount: int
    reason: str
    idempotency_key: str
    balance_after: int
    created_at: float
    correlation_id: str | None


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment row."""

    charge_id: str
    user_id: int
    amount: int
    currency: str
    payload: str
    status: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Item:
    """An unlocked item."""

    user_id: int
    item: str
    source_key: str
    created_at: float


@dataclass(frozen=True, slots=True)
class AdminAccount:
    """An admin account row."""

    username: str
    password_hash: str
    role: str
    created_at: float
    disabled: bool


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An audit log row; ``details`` is decoded JSON."""

    id: int
    who: str
    action: str
    target: str
    details: dict[str, Any]
    at: float
