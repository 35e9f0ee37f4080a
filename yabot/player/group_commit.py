"""Group commit of the players' records transactions.

Every transition writes its records, outbox events and replies in one transaction. Committing
one SQLite transaction per update cost about half of a simple update's CPU (WAL frames for the
same few pages, written again for every update, and their checksums). The pool threads run
transitions of different players at once and wait for the records file's lock in turn anyway:
:class:`GroupCommit` lets the thread that gets the lock write every batch queued meanwhile in
one transaction (each batch in its own savepoint, so a refused batch is rolled back alone) and
hand each waiting thread its own result. A batch alone is written by ``apply`` as before.

Nothing waits for company: a thread whose batch is alone commits at once; grouping happens
only when threads already queue for the lock.
"""

from __future__ import annotations

import threading

from prometheus_client import Histogram

from yabot.storage.records.base import RecordsStore
from yabot.storage.records.models import BatchResult, RecordBatch

GROUP_SIZE = Histogram(
    "yabot_records_group_commit_batches",
    "Players' records batches written per records transaction (group commit)",
    buckets=(1, 2, 3, 4, 6, 8, 16, 32),
)


class _Pending:
    __slots__ = ("batch", "done", "error", "result")

    def __init__(self, batch: RecordBatch) -> None:
        self.batch = batch
        self.done = False
        self.result: BatchResult | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """``apply`` for many threads at once, one transaction per group of waiting batches.

    Args:
        records: The records store (its ``apply_many`` writes a group, each batch refused
            alone).
        max_group: At most this many batches per transaction.
    """

    def __init__(self, records: RecordsStore, max_group: int = 64) -> None:
        self._records = records
        self._max_group = max_group
        self._queue: list[_Pending] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()

    def apply(self, batch: RecordBatch) -> BatchResult:
        """Write ``batch`` (alone, or with the batches other threads queued meanwhile).

        Returns and raises as ``RecordsStore.apply``: a refusal of this batch raises its
        ``RecordsError``; an error of the whole transaction (the file unavailable) is raised
        in every thread whose batch it carried.
        """
        pending = _Pending(batch)
        with self._queue_lock:
            self._queue.append(pending)
        with self._leader:
            if not pending.done:
                with self._queue_lock:
                    group = self._queue[: self._max_group]
                    del self._queue[: self._max_group]
                self._write(group)
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def _write(self, group: list[_Pending]) -> None:
        GROUP_SIZE.observe(len(group))
        try:
            if len(group) == 1:
                only = group[0]
                try:
                    only.result = self._records.apply(only.batch)
                except BaseException as exc:  # handed to its own thread, raised there
                    only.error = exc
                return
            try:
                outcomes = self._records.apply_many([p.batch for p in group])
            except Exception:
                # Nothing of the group was committed. Each batch alone, so that a batch that
                # breaks the transaction fails only its own player's update.
                for p in group:
                    try:
                        p.result = self._records.apply(p.batch)
                    except BaseException as exc:
                        p.error = exc
                return
            for p, outcome in zip(group, outcomes, strict=True):
                if isinstance(outcome, BatchResult):
                    p.result = outcome
                else:
                    p.error = outcome
        finally:
            for p in group:
                p.done = True
