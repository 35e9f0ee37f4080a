"""Group commit of records batches: one store-level mechanism for every records adapter.

Every transition writes its records, outbox events and replies in one transaction. Committing
one transaction per update costs much of a simple update's CPU (on SQLite: WAL frames for the
same few pages, written again for every update; on PostgreSQL: a round trip and a commit).
The pool threads run transitions of different players at once and wait for the store in turn
anyway: :class:`GroupCommit` lets the thread that leads write every batch queued meanwhile in
one transaction, and hands each waiting thread its own outcome. A refused batch fails alone
(the adapter rolls it back alone: a savepoint per batch, or the group written again batch by
batch), and a fenced batch (cluster mode) fails alone without writing.

Nothing waits for company: a thread whose batch is alone commits at once; grouping happens
only when threads already queue for the store. The one exception is an item that asks to be
carried (``carry_s``): it waits that long for a group another thread writes anyway, and takes
a transaction of its own only if none came (sent marks, which can wait a few milliseconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from prometheus_client import Histogram

from yabot.storage.records.models import BatchResult, RecordsUnavailable

__all__ = ["GROUP_SIZE", "GroupCommit", "GroupWriter"]

GROUP_SIZE = Histogram(
    "yabot_records_group_commit_batches",
    "Records batches (and sets of sent marks) written per records transaction (group commit)",
    buckets=(1, 2, 3, 4, 6, 8, 16, 32),
)

P = TypeVar("P")

# Writes a group in one transaction and returns each item's outcome in order: its result, or
# the error that refused it alone. Raises when the whole transaction failed (nothing written).
GroupWriter = Callable[[Sequence[P]], Sequence[BatchResult | BaseException]]


class _Pending(Generic[P]):
    __slots__ = ("done", "item", "outcome")

    def __init__(self, item: P) -> None:
        self.item = item
        self.done = False
        self.outcome: BatchResult | BaseException | None = None


class GroupCommit(Generic[P]):
    """``apply`` for many threads at once: one transaction per group of waiting batches.

    Args:
        write: The adapter's writer of a group (see :data:`GroupWriter`); an item is whatever
            the adapter prepares per batch outside the store's lock (the batch, or the batch
            with its encoded events).
        enabled: False writes every batch alone in its own thread (``storage.
            records_group_commit = false``).
        max_group: At most this many batches per transaction.
    """

    def __init__(self, write: GroupWriter[P], *, enabled: bool = True, max_group: int = 64):
        self._write_group = write
        self._enabled = enabled
        self._max_group = max_group
        self._queue: list[_Pending[P]] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()

    def apply(self, item: P, *, carry_s: float = 0.0) -> BatchResult:
        """Write ``item`` (alone, or with the items other threads queued meanwhile).

        ``carry_s``: queue the item and wait up to that long for another thread's group to
        carry it; write it from this thread only if none did. Under load it then costs no
        transaction of its own; idle, it is written ``carry_s`` late.

        Returns its batch's result. Raises the error that refused its batch, or the error of
        a whole transaction that carried it (the store unavailable, a lone batch's failure).
        """
        pending = _Pending(item)
        if not self._enabled:
            self._write([pending])
        else:
            with self._queue_lock:
                self._queue.append(pending)
            if carry_s > 0:
                # A plain sleep: waking early when carried would cost an event per item.
                time.sleep(carry_s)
            with self._leader:
                if not pending.done:
                    with self._queue_lock:
                        group = self._queue[: self._max_group]
                        del self._queue[: self._max_group]
                    self._write(group)
        outcome = pending.outcome
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None
        return outcome

    def _write(self, group: list[_Pending[P]]) -> None:
        """Write ``group``; every item gets its outcome, whatever happens."""
        GROUP_SIZE.observe(len(group))
        try:
            try:
                outcomes = self._write_group([p.item for p in group])
            except BaseException as exc:
                if len(group) == 1 or isinstance(exc, RecordsUnavailable):
                    for p in group:  # the store is unavailable: every batch's transaction fails
                        p.outcome = exc
                    return
                # Nothing of the group was committed. Each batch alone, so that a batch that
                # breaks the transaction fails only its own player's update.
                for p in group:
                    self._write([p])
                return
            for p, outcome in zip(group, outcomes, strict=True):
                p.outcome = outcome
        finally:
            for p in group:
                p.done = True
