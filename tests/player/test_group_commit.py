"""Group commit of the players' records batches: shared transactions, results kept apart."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from yabot.player.group_commit import GroupCommit, _Pending
from yabot.storage.records import (
    BatchResult,
    InsufficientFunds,
    LedgerEntry,
    RecordBatch,
    RecordsDb,
)


def _credit(user_id: int, amount: int, key: str) -> RecordBatch:
    return RecordBatch(ledger=[LedgerEntry(user_id, amount, "test", key)])


class _Recording:
    """A records store that counts the transactions it is asked for (the real one below)."""

    def __init__(self, db: RecordsDb, hold: threading.Event | None = None) -> None:
        self.db = db
        self.hold = hold
        self.groups: list[int] = []

    def apply(self, batch: RecordBatch) -> BatchResult:
        self.groups.append(1)
        if self.hold is not None:
            self.hold.wait(5)
            self.hold = None
        return self.db.apply(batch)

    def apply_many(self, batches: list[RecordBatch]) -> list[Any]:
        self.groups.append(len(batches))
        return self.db.apply_many(batches)


def test_batches_queued_behind_a_commit_share_the_next_one(tmp_path: Path) -> None:
    db = RecordsDb(tmp_path / "records.db")
    hold = threading.Event()
    store = _Recording(db, hold)
    group = GroupCommit(store)  # type: ignore[arg-type]
    results: dict[int, BatchResult | BaseException] = {}

    def run(user_id: int, amount: int) -> None:
        try:
            results[user_id] = group.apply(_credit(user_id, amount, f"k{user_id}:{amount}"))
        except BaseException as exc:
            results[user_id] = exc

    first = threading.Thread(target=run, args=(1, 10))
    first.start()
    while not store.groups:  # the first batch is being written (and held there)
        threading.Event().wait(0.001)
    others = [threading.Thread(target=run, args=(u, 5)) for u in (2, 3, 4)]
    for t in others:
        t.start()
    while len(group._queue) < 3:
        threading.Event().wait(0.001)
    hold.set()
    for t in [first, *others]:
        t.join(5)
    assert store.groups == [1, 3]
    for user_id, amount in ((1, 10), (2, 5), (3, 5), (4, 5)):
        result = results[user_id]
        assert isinstance(result, BatchResult)
        assert result.balances[user_id] == amount
        assert db.balance(user_id) == amount
    db.close()


def test_a_refused_batch_fails_alone_and_the_others_commit(tmp_path: Path) -> None:
    db = RecordsDb(tmp_path / "records.db")
    db.apply(_credit(7, 3, "seed"))
    group = GroupCommit(db)
    batches = [_Pending(_credit(7, -50, "too-much")), _Pending(_credit(8, 4, "fine"))]
    group._write(batches)
    assert isinstance(batches[0].error, InsufficientFunds)
    assert isinstance(batches[1].result, BatchResult)
    assert db.balance(7) == 3
    assert db.balance(8) == 4
    db.close()


def test_a_group_whose_transaction_breaks_is_written_batch_by_batch(tmp_path: Path) -> None:
    db = RecordsDb(tmp_path / "records.db")

    class Breaking(_Recording):
        def apply_many(self, batches: list[RecordBatch]) -> list[Any]:
            self.groups.append(len(batches))
            raise RuntimeError("the transaction broke")

    store = Breaking(db)
    group = GroupCommit(store)  # type: ignore[arg-type]

    batches = [_Pending(_credit(u, 2, f"b{u}")) for u in (1, 2)]
    group._write(batches)
    assert store.groups == [2, 1, 1]
    assert all(isinstance(p.result, BatchResult) and p.done for p in batches)
    assert db.balance(1) == db.balance(2) == 2
    db.close()


def test_an_error_of_a_lone_batch_is_raised_in_its_thread(tmp_path: Path) -> None:
    db = RecordsDb(tmp_path / "records.db")
    group = GroupCommit(db)
    with pytest.raises(InsufficientFunds):
        group.apply(_credit(9, -1, "debit"))
    assert group.apply(_credit(9, 1, "credit")).balances[9] == 1
    db.close()
