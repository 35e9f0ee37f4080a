"""The reply outbox: a player's replies are durable before they are sent.

Replies live in the ``replies`` table of the records database. A transition's replies are
stored by the same transaction as its records (:attr:`RecordBatch.replies`), so one update
costs one transaction; :class:`ReplyOutbox` stores the few replies no records transaction
carries (the apology for a poison update), deletes replies once Telegram took them and lists
what is left for start-up to send again, in order. A reply can therefore be sent twice (sent,
then the process died before its row was deleted), never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yabot.storage.records import OutgoingReply, RecordBatch, RecordsDb
from yabot.storage.records.replies import (
    LEGACY_FILE_NAME,
    PENDING,
    RESENT,
    STORED,
    SYSTEM_REPLY,
    PendingReply,
)

FILE_NAME = LEGACY_FILE_NAME  # where replies lived before records schema v4

__all__ = [
    "FILE_NAME",
    "PENDING",
    "RESENT",
    "STORED",
    "SYSTEM_REPLY",
    "PendingReply",
    "ReplyOutbox",
    "open_reply_outbox",
]


class ReplyOutbox:
    """Durable replies in the records database, keyed by a dedupe key (thread-safe).

    Args:
        records: The records database that holds the ``replies`` table.
    """

    def __init__(self, records: RecordsDb) -> None:
        self._records = records

    def put(
        self,
        dedupe_key: str,
        update_id: int,
        chat_id: int | None,
        method: str,
        params: dict[str, Any],
    ) -> int | None:
        """Store a reply in its own transaction; returns its id, or None when that dedupe
        key is already stored."""
        reply = OutgoingReply(dedupe_key, update_id, chat_id, method, params)
        return self._records.apply(RecordBatch(replies=[reply])).reply_ids[0]

    def done(self, ids: Iterable[int]) -> None:
        """Forget replies Telegram took (or refused for good)."""
        self._records.replies_done(ids)

    def pending(self) -> list[PendingReply]:
        """Every stored reply, oldest first."""
        return self._records.replies_pending()

    def close(self) -> None:
        """Nothing to release: the records database owns the connection and closes it."""


def open_reply_outbox(records: RecordsDb) -> ReplyOutbox:
    """The reply outbox of ``records``."""
    return ReplyOutbox(records)
