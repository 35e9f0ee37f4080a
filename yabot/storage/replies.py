"""The reply outbox: a player's replies are durable before they are sent.

Replies live in the ``replies`` table of the records database. A transition's replies are
stored by the same transaction as its records (:attr:`RecordBatch.replies`), so one update
costs one transaction; :class:`ReplyOutbox` stores the few replies no records transaction
carries (the apology for a poison update), marks replies sent once Telegram took them and
lists what is left for start-up to send again, in order.

Marks are group-committed by :class:`SentMarks`: one writer thread commits whatever marks are
queued as soon as there are any, so a confirmed reply is durably marked within milliseconds.
Only a reply whose Bot API call was in flight at a crash (or confirmed in the last
milliseconds before it) is sent again; those are counted in ``yabot_replies_resent_total``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import Histogram

from yabot.observability.logging import get_logger
from yabot.storage.lease_source import LoadedUnder
from yabot.storage.records import OutgoingReply, RecordBatch
from yabot.storage.records.base import RecordsStore
from yabot.storage.records.replies import (
    LEGACY_FILE_NAME,
    PENDING,
    RESENT,
    STORED,
    SYSTEM_REPLY,
    PendingReply,
)

FILE_NAME = LEGACY_FILE_NAME  # where replies lived before records schema v4
MAX_MARKS_PER_COMMIT = 5000
# How long sent marks wait for a records transaction to carry them before they take one of
# their own. Under load one comes within a millisecond or two, so marks cost no commit.
MARK_CARRY_S = 0.002

log = get_logger(__name__)

MARK_SECONDS = Histogram(
    "yabot_replies_mark_seconds",
    "From Telegram's confirmation of a reply to the commit of its sent mark (batch's oldest)",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)

__all__ = [
    "FILE_NAME",
    "PENDING",
    "RESENT",
    "STORED",
    "SYSTEM_REPLY",
    "PendingReply",
    "ReplyOutbox",
    "SentMarks",
    "open_reply_outbox",
]


class ReplyOutbox:
    """Durable replies in the records database, keyed by a dedupe key (thread-safe).

    Args:
        records: The records database that holds the ``replies`` table.
    """

    def __init__(self, records: RecordsStore) -> None:
        self._records = records

    def put(
        self,
        dedupe_key: str,
        update_id: int,
        chat_id: int | None,
        method: str,
        params: dict[str, Any],
        *,
        user_id: int | None = None,
        seq: int | None = None,
        epoch: int | None = None,
    ) -> int | None:
        """Store a reply in its own transaction; returns its id, or None when that dedupe
        key is already stored. ``user_id`` and ``seq`` name the inbox entry that caused it.

        ``epoch`` (cluster mode): the epoch of the player's shard lease the state that
        produced the reply was loaded under; the store refuses the reply (``Fenced``) unless
        the lease still has it, as for a records batch (``RecordBatch.loaded_under``).
        """
        reply = OutgoingReply(dedupe_key, update_id, chat_id, method, params, user_id, seq)
        loaded = None if epoch is None or user_id is None else LoadedUnder(user_id, epoch)
        return self._records.apply(RecordBatch(replies=[reply], loaded_under=loaded)).reply_ids[0]

    def done(
        self, ids: Iterable[int], epochs: Mapping[int, int] | None = None, *, carry_s: float = 0.0
    ) -> None:
        """Mark replies Telegram took (or refused for good), in one transaction (``epochs``:
        per reply id, the lease epoch it was submitted under; ``carry_s``: how long the marks
        may wait for a records transaction to carry them; see
        :meth:`~yabot.storage.records.base.RecordsStore.replies_done`)."""
        self._records.replies_done(ids, epochs=epochs, carry_s=carry_s)

    def forget_covered(
        self, covered: Iterable[tuple[int, int]], *, sent_before: float | None = None
    ) -> int:
        """Delete sent replies of entries durable snapshots cover (``(user_id, up_to_seq)``)."""
        return self._records.replies_forget_covered(covered, sent_before=sent_before)

    def pending(self, shards: Iterable[int] | None = None) -> list[PendingReply]:
        """Every stored reply, oldest first (of ``shards`` and the system's when given)."""
        if shards is None:
            return self._records.replies_pending()
        # Only the PostgreSQL adapter is shared by members (and filters by shard).
        records: Any = self._records
        return list(records.replies_pending(shards))

    def close(self) -> None:
        """Nothing to release: the records database owns the connection and closes it."""


def open_reply_outbox(records: RecordsStore) -> ReplyOutbox:
    """The reply outbox of ``records``."""
    return ReplyOutbox(records)


class SentMarks:
    """Group-commits the sent marks of confirmed replies on one writer thread.

    ``mark(reply_id)`` never blocks; the thread wakes at the first queued mark and hands it,
    with every mark queued meanwhile, to the records' group commit, where the marks ride the
    next records transaction (or, when none comes within ``MARK_CARRY_S``, one of their own),
    then waits for the next.

    Args:
        outbox: Where the marks are committed.
    """

    def __init__(self, outbox: ReplyOutbox) -> None:
        self._outbox = outbox
        self._queue: queue.SimpleQueue[tuple[int, float, int | None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="reply-marks", daemon=True)
        self._idle = threading.Condition()
        self._queued = 0
        self._thread.start()

    def mark(self, reply_id: int, epoch: int | None = None) -> None:
        """Queue the sent mark of ``reply_id`` (thread-safe, O(1)); ``epoch`` (cluster mode):
        the lease epoch of its shard it was submitted under (the mark is written only while
        the lease has it)."""
        with self._idle:
            self._queued += 1
        self._queue.put((reply_id, time.monotonic(), epoch))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every mark queued so far is committed; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._queued == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Commit what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_MARKS_PER_COMMIT:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                self._outbox.done(
                    [reply_id for reply_id, _, _ in batch],
                    {reply_id: epoch for reply_id, _, epoch in batch if epoch is not None},
                    carry_s=MARK_CARRY_S,
                )
            except Exception as exc:  # the rows stay unmarked: sent again after a restart
                log.error("replies.mark_failed", error=type(exc).__name__, count=len(batch))
            MARK_SECONDS.observe(time.monotonic() - batch[0][1])
            with self._idle:
                self._queued -= len(batch)
                self._idle.notify_all()
            if stop:
                return
