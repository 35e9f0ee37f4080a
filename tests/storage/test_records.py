"""The records store's contract, run on every adapter (SQLite, PostgreSQL, see conftest.py):
one transaction per batch, idempotent by key, balances never negative."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY

from yabot.events.models import BesitosCredited, BesitosDebited, PaymentReceived, make_event
from yabot.storage.records import (
    AdminUpsert,
    AuditEntry,
    InsufficientFunds,
    ItemUnlock,
    JobRun,
    LedgerEntry,
    OutboxFull,
    PaymentRecord,
    PaymentRefund,
    ProfileUpsert,
    RecordBatch,
    SubscriptionChange,
    UnknownPayment,
)
from yabot.storage.records.base import RecordsStore

RecordsFactory = Callable[..., RecordsStore]


def credit(user: int, amount: int, key: str) -> RecordBatch:
    return RecordBatch(
        ledger=[LedgerEntry(user, amount, "test", key)],
        events=[
            make_event(
                BesitosCredited(amount=amount, reason="test", balance_after=0),
                user_id=user,
                idempotency_key=key,
            )
        ],
    )


def full_batch(at: float) -> RecordBatch:
    return RecordBatch(
        profiles=[ProfileUpsert(7, "Ana", "ana", "es")],
        ledger=[
            LedgerEntry(7, 50, "welcome", "welcome:7"),
            LedgerEntry(7, -20, "hint", "hint:7:1"),
        ],
        subscriptions=[
            SubscriptionChange(7, "vip", "active", 1000.0, 1000.0 + 30 * 86400, "stars")
        ],
        payments=[PaymentRecord("charge-1", 7, 250, "XTR", "vip-30")],
        items=[ItemUnlock(7, "hint", "hint:7:1")],
        admins=[AdminUpsert("root", "hash1", only_if_absent=True)],
        audit=[AuditEntry("root", "grant", "user:7", {"n": 1}, idempotency_key="req-1")],
        job_runs=[JobRun("expire:7:2026-11-26")],
        events=[
            make_event(
                PaymentReceived(charge_id="charge-1", amount=250, currency="XTR"),
                user_id=7,
                idempotency_key="charge-1",
            )
        ],
        at=at,
    )


def test_a_batch_writes_everything_and_its_replay_changes_nothing(records: RecordsStore) -> None:
    first = records.apply(full_batch(1000.0))
    assert first.duplicates == []
    assert first.balances == {7: 30}
    assert [e.balance_after for e in first.ledger] == [50, 30]
    assert records.outbox_backlog().events == 0  # local mode: nothing waits for a relay

    again = records.apply(full_batch(2000.0))
    assert again.replay
    assert sorted(k.split(":")[0] for k in again.duplicates) == sorted(
        ["ledger", "ledger", "payment", "item", "admin", "audit", "job", "event"]
    )
    assert records.balance(7) == 30
    assert [m.amount for m in records.movements(7)] == [-20, 50]
    assert len(records.items(7)) == 1
    assert len(records.audit()) == 1
    payment = records.payment("charge-1")
    assert payment is not None and payment.status == "paid" and payment.created_at == 1000.0
    profile = records.profile(7)
    assert profile is not None and profile.role == "player" and profile.created_at == 1000.0
    assert records.job_ran_at("expire:7:2026-11-26") == 1000.0


def test_overdraft_rolls_back_the_whole_batch(records: RecordsStore) -> None:
    records.apply(credit(1, 10, "c1"))
    batch = RecordBatch(
        profiles=[ProfileUpsert(1, "Bo")],
        ledger=[LedgerEntry(1, 5, "bonus", "c2"), LedgerEntry(1, -16, "buy", "d1")],
        items=[ItemUnlock(1, "sword", "d1")],
        events=[
            make_event(
                BesitosDebited(amount=16, reason="buy", balance_after=0),
                user_id=1,
                idempotency_key="d1",
            )
        ],
    )
    with pytest.raises(InsufficientFunds) as caught:
        records.apply(batch)
    assert "user 1" in str(caught.value) and "15" in str(caught.value) and "16" in str(caught.value)
    assert (caught.value.balance, caught.value.amount) == (15, 16)
    assert records.balance(1) == 10
    assert records.profile(1) is None
    assert records.items(1) == []
    assert [m.idempotency_key for m in records.movements(1)] == ["c1"]


def test_group_apply_rolls_back_only_the_failing_batch(records: RecordsStore) -> None:
    outcomes = records.apply_many(
        [credit(1, 5, "a"), RecordBatch(ledger=[LedgerEntry(2, -1, "x", "b")]), credit(3, 7, "c")]
    )
    assert isinstance(outcomes[1], InsufficientFunds)
    assert (records.balance(1), records.balance(2), records.balance(3)) == (5, 0, 7)


def test_profile_upsert_keeps_role_and_creation_time(records: RecordsStore) -> None:
    records.apply(RecordBatch(profiles=[ProfileUpsert(5, "A", role="admin")], at=10.0))
    records.apply(RecordBatch(profiles=[ProfileUpsert(5, "B", "b", "en")], at=20.0))
    profile = records.profile(5)
    assert profile is not None
    assert (profile.first_name, profile.role, profile.created_at, profile.updated_at) == (
        "B",
        "admin",
        10.0,
        20.0,
    )


def test_refunds_and_expiring_subscriptions(records: RecordsStore) -> None:
    records.apply(
        RecordBatch(
            payments=[PaymentRecord("ch", 9, 250, "XTR")],
            subscriptions=[
                SubscriptionChange(9, "vip", "active", 0.0, 100.0, "stars"),
                SubscriptionChange(8, "vip", "active", 0.0, 500.0, "stars"),
            ],
        )
    )
    assert [s.user_id for s in records.subscriptions_ending_before(200.0)] == [9]
    records.apply(RecordBatch(refunds=[PaymentRefund("ch")]))
    second = records.apply(RecordBatch(refunds=[PaymentRefund("ch")]))
    assert second.duplicates == ["refund:ch"]
    payment = records.payment("ch")
    assert payment is not None and payment.status == "refunded"
    with pytest.raises(UnknownPayment):
        records.apply(RecordBatch(refunds=[PaymentRefund("nope")]))


def test_a_rejected_payment_is_kept_and_can_be_refunded(records: RecordsStore) -> None:
    records.apply(RecordBatch(payments=[PaymentRecord("forged", 9, 1, "XTR", "x", "rejected")]))
    payment = records.payment("forged")
    assert payment is not None and (payment.status, payment.amount) == ("rejected", 1)
    records.apply(RecordBatch(refunds=[PaymentRefund("forged")]))
    payment = records.payment("forged")
    assert payment is not None and payment.status == "refunded"
    with pytest.raises(ValueError, match="status"):
        PaymentRecord("c", 9, 1, "XTR", status="free")


def test_admin_accounts(records: RecordsStore) -> None:
    records.apply(RecordBatch(admins=[AdminUpsert("ops", "h1")]))
    records.apply(RecordBatch(admins=[AdminUpsert("ops", "h2", only_if_absent=True)]))
    admin = records.admin("ops")
    assert admin is not None and admin.password_hash == "h1" and not admin.disabled
    records.apply(RecordBatch(admins=[AdminUpsert("ops", "h3", disabled=True)]))
    admin = records.admin("ops")
    assert admin is not None and admin.password_hash == "h3" and admin.disabled
    assert records.admin("ghost") is None


def test_invalid_entries_are_refused_before_any_write() -> None:
    with pytest.raises(ValueError, match="amount"):
        LedgerEntry(1, 0, "zero", "k")
    with pytest.raises(ValueError, match="idempotency_key"):
        LedgerEntry(1, 5, "x", "")


def test_concurrent_writers_never_lose_a_credit(records: RecordsStore) -> None:
    def work(worker: int) -> None:
        for i in range(50):
            records.apply(credit(1, 1, f"w{worker}:{i}"))
            records.apply(credit(1, 1, f"w{worker}:{i}"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert records.balance(1) == 400
    assert len(records.movements(1, limit=1000)) == 400


def _rejected_total() -> float:
    return REGISTRY.get_sample_value("yabot_outbox_rejected_total") or 0.0


def test_outbox_over_budget_refuses_work_loudly_and_recovers(open_records: RecordsFactory) -> None:
    db = open_records(outbox_mode="relay", outbox_budget_bytes=3000)
    try:
        before = _rejected_total()
        accepted = 0
        with pytest.raises(OutboxFull) as caught:
            for i in range(100):
                db.apply(credit(1, 1, f"k{i}"))
                accepted += 1
        assert 0 < accepted < 100
        assert "budget 3000" in str(caught.value)
        assert _rejected_total() == before + 1
        assert db.balance(1) == accepted  # the refused batch wrote nothing
        db.apply(RecordBatch(profiles=[ProfileUpsert(1, "no events")]))  # no events: accepted
        pending = db.outbox_pending(1000)
        assert [row.seq for row in pending] == sorted(row.seq for row in pending)
        db.outbox_mark_sent([row.seq for row in pending])
        db.apply(credit(1, 1, "after-drain"))
        assert db.balance(1) == accepted + 1
    finally:
        db.close()


def test_backlog_budget_survives_a_restart(open_records: RecordsFactory) -> None:
    db = open_records(outbox_mode="relay", outbox_budget_bytes=3000)
    with pytest.raises(OutboxFull):
        for i in range(100):
            db.apply(credit(1, 1, f"k{i}"))
    db.close()
    reopened = open_records(outbox_mode="relay", outbox_budget_bytes=3000)
    try:
        with pytest.raises(OutboxFull):
            reopened.apply(credit(1, 1, "more"))
    finally:
        reopened.close()


def test_local_events_are_pruned_after_retention(records: RecordsStore) -> None:
    for n in range(3):
        records.apply(credit(1, 1, f"a{n}"))
    assert records.outbox_prune(older_than_s=3600) == 0
    assert records.outbox_prune(older_than_s=-1, chunk=2) == 3


def test_sent_events_are_pruned_but_pending_ones_never(open_records: RecordsFactory) -> None:
    db = open_records(outbox_mode="relay")
    try:
        for n in range(4):
            db.apply(credit(1, 1, f"k{n}"))
        first_two = [row.seq for row in db.outbox_pending(2)]
        db.outbox_mark_sent(first_two)
        assert db.outbox_prune(older_than_s=-1) == 2
        assert db.outbox_backlog().events == 2
        assert [row.seq for row in db.outbox_pending(10)] == [first_two[-1] + 1, first_two[-1] + 2]
    finally:
        db.close()
