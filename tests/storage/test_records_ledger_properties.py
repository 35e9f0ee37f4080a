"""Property: any interleaving of credits, debits and repeated keys keeps the ledger exact,
on the SQLite and the PostgreSQL adapter."""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yabot.storage.records import InsufficientFunds, LedgerEntry, RecordBatch, RecordsDb
from yabot.storage.records.base import RecordsStore

operations = st.lists(
    st.tuples(
        st.sampled_from([1, 2]),
        st.integers(-30, 30).filter(lambda n: n != 0),
        st.sampled_from([f"k{i}" for i in range(12)]),
    ),
    max_size=40,
)
groups = st.lists(st.integers(1, 5), min_size=1, max_size=10)


def check_ledger(
    records: RecordsStore,
    ops: list[tuple[int, int, str]],
    group_sizes: list[int],
    user_base: int = 0,
    prefix: str = "",
) -> None:
    """Apply ``ops`` in groups and compare every outcome and the final state with a model."""
    applied: dict[str, tuple[int, int]] = {}
    position = 0
    turn = 0
    while position < len(ops):
        size = group_sizes[turn % len(group_sizes)]
        turn += 1
        group = [(user_base + u, a, prefix + k) for u, a, k in ops[position : position + size]]
        position += size
        batches = [RecordBatch(ledger=[LedgerEntry(u, a, "prop", k)]) for u, a, k in group]
        outcomes = records.apply_many(batches)
        for (user, amount, key), outcome in zip(group, outcomes, strict=True):
            model_balance = sum(a for u, a in applied.values() if u == user)
            if key in applied:
                assert not isinstance(outcome, Exception)
                assert outcome.ledger[0].duplicate
            elif model_balance + amount < 0:
                assert isinstance(outcome, InsufficientFunds)
                assert outcome.balance == model_balance
            else:
                assert not isinstance(outcome, Exception)
                applied[key] = (user, amount)
                assert outcome.ledger[0].balance_after == model_balance + amount
    for user in (user_base + 1, user_base + 2):
        expected = sum(a for u, a in applied.values() if u == user)
        assert records.balance(user) == expected >= 0
        stored = records.movements(user, limit=1000)
        assert sum(m.amount for m in stored) == expected
        assert {m.idempotency_key for m in stored} == {
            k for k, (u, _) in applied.items() if u == user
        }
        assert all(m.balance_after >= 0 for m in stored)


@settings(max_examples=60, deadline=None)
@given(ops=operations, group_sizes=groups)
def test_balance_is_the_sum_of_distinct_applied_entries(
    ops: list[tuple[int, int, str]], group_sizes: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        records = RecordsDb(Path(tmp) / "records.db")
        try:
            check_ledger(records, ops, group_sizes)
        finally:
            records.close()


@pytest.fixture
def pg_records(pg_dsn: str) -> Iterator[RecordsStore]:
    from yabot.storage.postgres.pool import open_pool
    from yabot.storage.postgres.records import PgRecords

    pool = open_pool(pg_dsn, max_size=2)
    yield PgRecords(pool)
    pool.close()


_examples = itertools.count(1)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations, group_sizes=groups)
def test_balance_is_the_sum_of_distinct_applied_entries_on_postgres(
    pg_records: RecordsStore, ops: list[tuple[int, int, str]], group_sizes: list[int]
) -> None:
    # One database for every example: each gets players and keys of its own.
    check_ledger(pg_records, ops, group_sizes, next(_examples) * 10, f"{uuid.uuid4().hex[:8]}:")
