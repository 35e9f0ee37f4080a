"""Transactional records in SQLite (``records.db``) with the events outbox.

Usage::

    records = RecordsDb.open(settings)
    result = records.apply(RecordBatch(
        ledger=[LedgerEntry(user_id, 10, "daily reward", f"daily:{user_id}:2026-11-26")],
        events=[make_event(DailyClaimed(day="2026-11-26", streak=1, reward=10),
                           user_id=user_id, idempotency_key=f"daily:{user_id}:2026-11-26")],
    ))
    records.balance(user_id)

A batch may also carry the transition's replies (``replies=[OutgoingReply(...)]``): they are
stored in the reply outbox by the same transaction (``result.reply_ids``).
"""

from yabot.storage.records.base import RecordsStore
from yabot.storage.records.db import RecordsDb
from yabot.storage.records.factory import open_records_store
from yabot.storage.records.models import (
    AdminAccount,
    AdminUpsert,
    AppliedEntry,
    AuditEntry,
    AuditRecord,
    BatchResult,
    InsufficientFunds,
    Item,
    ItemUnlock,
    JobRun,
    LedgerEntry,
    Movement,
    OutboxFull,
    OutgoingReply,
    Payment,
    PaymentRecord,
    PaymentRefund,
    Profile,
    ProfileUpsert,
    RecordBatch,
    RecordsError,
    RecordsUnavailable,
    Subscription,
    SubscriptionChange,
    UnknownPayment,
)

__all__ = [
    "AdminAccount",
    "AdminUpsert",
    "AppliedEntry",
    "AuditEntry",
    "AuditRecord",
    "BatchResult",
    "InsufficientFunds",
    "Item",
    "ItemUnlock",
    "JobRun",
    "LedgerEntry",
    "Movement",
    "OutboxFull",
    "OutgoingReply",
    "Payment",
    "PaymentRecord",
    "PaymentRefund",
    "Profile",
    "ProfileUpsert",
    "RecordBatch",
    "RecordsDb",
    "RecordsError",
    "RecordsStore",
    "RecordsUnavailable",
    "Subscription",
    "SubscriptionChange",
    "UnknownPayment",
    "open_records_store",
]
