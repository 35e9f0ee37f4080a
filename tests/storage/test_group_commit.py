"""Group commit of records batches (one store-level mechanism): batches applied while the
store writes share its next transaction, results are kept apart, a refused batch fails alone.
The contract part runs on every records adapter."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from yabot.storage.records import (
    BatchResult,
    InsufficientFunds,
    LedgerEntry,
    OutgoingReply,
    RecordBatch,
    RecordsDb,
    RecordsUnavailable,
)
from yabot.storage.records.base import RecordsStore
from yabot.storage.records.db import _SentMarks
from yabot.storage.records.group_commit import GroupCommit


def _credit(user_id: int, amount: int, key: str) -> RecordBatch:
    return RecordBatch(
        ledger=[LedgerEntry(user_id, amount, "test", key)],
        replies=[OutgoingReply(f"{key}:0", 1, user_id, "sendMessage", {}, user_id, 1)],
    )


def _transactions() -> tuple[float, float]:
    """(transactions, batches) the group commit has written so far."""
    count = REGISTRY.get_sample_value("yabot_records_group_commit_batches_count") or 0.0
    total = REGISTRY.get_sample_value("yabot_records_group_commit_batches_sum") or 0.0
    return count, total


def _apply_queued(records: RecordsStore, batches: dict[str, RecordBatch]) -> dict[str, Any]:
    """Apply ``batches`` from one thread each while the store's group commit is busy, so that
    they all queue for its next transaction; returns each one's result or error."""
    group: GroupCommit[Any] = records._group  # type: ignore[attr-defined]
    outcomes: dict[str, Any] = {}

    def apply(name: str, batch: RecordBatch) -> None:
        try:
            outcomes[name] = records.apply(batch)
        except Exception as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=apply, args=item) for item in batches.items()]
    with group._leader:  # a transaction in progress
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 5
        while len(group._queue) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.001)
    for thread in threads:
        thread.join(10)
    return outcomes


def test_batches_queued_behind_a_commit_share_the_next_one(records: RecordsStore) -> None:
    before = _transactions()
    outcomes = _apply_queued(records, {str(u): _credit(u, u, f"k{u}") for u in (1, 2, 3, 4)})
    after = _transactions()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 4)  # one transaction, 4 batches
    for user_id in (1, 2, 3, 4):
        result = outcomes[str(user_id)]
        assert isinstance(result, BatchResult)
        assert result.balances[user_id] == user_id  # each thread got its own result
        assert result.reply_ids and result.reply_ids[0] is not None
        assert records.balance(user_id) == user_id
    assert len(records.replies_pending()) == 4


def test_a_refused_batch_of_a_group_fails_alone(records: RecordsStore) -> None:
    records.apply(_credit(7, 3, "seed"))
    outcomes = _apply_queued(
        records,
        {
            "ok": _credit(8, 4, "fine"),
            "overdraw": RecordBatch(ledger=[LedgerEntry(7, -50, "buy", "too-much")]),
            "also-ok": _credit(7, 2, "more"),
        },
    )
    assert isinstance(outcomes["overdraw"], InsufficientFunds)
    assert isinstance(outcomes["ok"], BatchResult) and isinstance(outcomes["also-ok"], BatchResult)
    assert records.balance(7) == 5 and records.balance(8) == 4
    assert [m.idempotency_key for m in records.movements(7)] == ["more", "seed"]
    assert sorted(r.dedupe_key for r in records.replies_pending()) == [
        "fine:0",
        "more:0",
        "seed:0",
    ]


def test_a_lone_refused_batch_raises_in_its_thread(records: RecordsStore) -> None:
    with pytest.raises(InsufficientFunds):
        records.apply(RecordBatch(ledger=[LedgerEntry(9, -1, "buy", "debit")]))
    assert records.apply(_credit(9, 1, "credit")).balances[9] == 1


# The mechanism alone, with a writer that records what it is asked for.


class _Writer:
    def __init__(self, fail: BaseException | None = None) -> None:
        self.groups: list[list[int]] = []
        self.fail = fail

    def __call__(self, items: Sequence[int]) -> list[BatchResult | BaseException]:
        self.groups.append(list(items))
        if self.fail is not None and len(items) > 1:
            raise self.fail
        return [BatchResult(balances={i: i}) for i in items]


def _queued(group: GroupCommit[int], items: list[int]) -> dict[int, Any]:
    outcomes: dict[int, Any] = {}

    def apply(item: int) -> None:
        try:
            outcomes[item] = group.apply(item)
        except BaseException as exc:
            outcomes[item] = exc

    threads = [threading.Thread(target=apply, args=(i,)) for i in items]
    with group._leader:
        for thread in threads:
            thread.start()
        while len(group._queue) < len(threads):
            time.sleep(0.001)
    for thread in threads:
        thread.join(5)
    return outcomes


def test_a_group_whose_transaction_breaks_is_written_batch_by_batch() -> None:
    writer = _Writer(fail=RuntimeError("the transaction broke"))
    outcomes = _queued(GroupCommit(writer), [1, 2])
    assert sorted(map(sorted, writer.groups)) == [[1], [1, 2], [2]]
    assert all(outcomes[i].balances == {i: i} for i in (1, 2))


def test_an_unavailable_store_fails_the_group_without_retrying_each() -> None:
    writer = _Writer(fail=RecordsUnavailable("down"))
    outcomes = _queued(GroupCommit(writer), [1, 2, 3])
    assert len(writer.groups) == 1
    assert all(isinstance(outcomes[i], RecordsUnavailable) for i in (1, 2, 3))


def test_a_carried_item_rides_the_next_group_another_thread_writes() -> None:
    """An item applied with ``carry_s`` takes no transaction of its own when another thread
    writes a group within that time: both are written together, and each gets its result."""
    writer = _Writer()
    group = GroupCommit(writer)
    outcomes: dict[int, Any] = {}
    carried = threading.Thread(target=lambda: outcomes.update({1: group.apply(1, carry_s=1.0)}))
    carried.start()
    deadline = time.monotonic() + 2
    while not group._queue and time.monotonic() < deadline:
        time.sleep(0.001)
    outcomes[2] = group.apply(2)  # a batch arriving while the mark waits
    carried.join(5)
    assert writer.groups == [[1, 2]]
    assert outcomes[1].balances == {1: 1} and outcomes[2].balances == {2: 2}


def test_a_carried_item_nothing_carries_is_written_alone_after_its_wait() -> None:
    writer = _Writer()
    group = GroupCommit(writer)
    started = time.monotonic()
    assert group.apply(7, carry_s=0.05).balances == {7: 7}
    assert time.monotonic() - started >= 0.05
    assert writer.groups == [[7]] and not group._queue


def test_disabled_writes_each_batch_alone() -> None:
    writer = _Writer()
    group = GroupCommit(writer, enabled=False)
    assert group.apply(5).balances == {5: 5}
    assert writer.groups == [[5]]
    assert not group._queue


def test_sent_marks_share_the_records_transaction_queued_with_them(tmp_path: Path) -> None:
    """Embedded records: the sent marks of confirmed replies ride the next records
    transaction when one is being written (one commit instead of two), and are durable."""
    db = RecordsDb(tmp_path / "records.db")
    sent = db.apply(_credit(1, 1, "first")).reply_ids[0]
    assert sent is not None
    group: GroupCommit[Any] = db._group
    outcomes: dict[str, Any] = {}

    def mark() -> None:
        db.replies_done([sent])
        outcomes["marks"] = True

    threads = [
        threading.Thread(target=lambda: outcomes.update(batch=db.apply(_credit(2, 2, "second")))),
        threading.Thread(target=mark),
    ]
    before = _transactions()
    with group._leader:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 2
        while len(group._queue) < 2 and time.monotonic() < deadline:
            time.sleep(0.001)
    for thread in threads:
        thread.join(5)
    after = _transactions()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 2)
    assert isinstance(outcomes["batch"], BatchResult) and "marks" in outcomes
    db.close()
    reopened = RecordsDb(tmp_path / "records.db")  # committed: seen by a new connection
    assert [r.dedupe_key for r in reopened.replies_pending()] == ["second:0"]
    assert reopened.balance(2) == 2
    reopened.close()


def test_sent_marks_with_a_refused_batch_are_kept(tmp_path: Path) -> None:
    db = RecordsDb(tmp_path / "records.db")
    sent = db.apply(_credit(1, 1, "first")).reply_ids[0]
    assert sent is not None
    outcomes = db._write_group(
        [RecordBatch(ledger=[LedgerEntry(3, -9, "buy", "overdraw")]), _SentMarks([sent])]
    )
    assert isinstance(outcomes[0], InsufficientFunds)
    assert db.replies_pending() == []
    db.close()


def test_only_a_batch_that_may_be_refused_gets_a_savepoint(tmp_path: Path) -> None:
    """Embedded records: in a group, a batch that cannot be refused (credits, events,
    replies) is written without a savepoint of its own; a debit still gets one and still
    fails alone."""
    db = RecordsDb(tmp_path / "records.db")
    db.apply(_credit(7, 3, "seed"))
    statements: list[str] = []
    with db._db.use() as conn:
        conn.set_trace_callback(statements.append)
    outcomes = db.apply_many(
        [
            _credit(8, 4, "fine"),
            RecordBatch(ledger=[LedgerEntry(7, -50, "buy", "too-much")]),
            _credit(7, 2, "more"),
        ]
    )
    with db._db.use() as conn:
        conn.set_trace_callback(None)
    assert isinstance(outcomes[1], InsufficientFunds)
    assert isinstance(outcomes[0], BatchResult) and isinstance(outcomes[2], BatchResult)
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 1, statements
    assert db.balance(7) == 5 and db.balance(8) == 4
    db.close()
