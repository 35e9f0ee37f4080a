"""The reply pipeline: from the reply outbox to the Bot API and back to the actors.

A player's replies are durable in the reply outbox before they reach the sender (its records
transaction stored them). ``ReplyPipeline`` hands them to the sender, holds those the sender
refuses for a full queue (and every later reply of their chats, so a chat's replies keep their
order) and offers them again every second, hands a call's result back to the actor that asked
for it, and marks each confirmed reply sent through :class:`~yabot.storage.replies.SentMarks`
(group-committed within milliseconds). At start-up it sends again the replies an earlier
life stored but never saw confirmed: only those whose call was in flight at a crash.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Gauge, Histogram

from yabot.observability.logging import get_logger, update_correlation_id
from yabot.player.logic import Reply
from yabot.player.messages import CallResult
from yabot.storage.replies import RESENT, SYSTEM_REPLY, PendingReply, ReplyOutbox, SentMarks
from yabot.telegram.sender import BotSender, SenderClosed, SenderError, SenderOverloaded

log = get_logger(__name__)

UPDATE_TO_REPLY = Histogram(
    "yabot_update_to_reply_seconds",
    "From an update's arrival at the webhook or poller to Telegram's confirmation of a reply "
    "it caused",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UNQUEUED = Gauge(
    "yabot_replies_unqueued",
    "Stored replies the sender refused (send queue full); offered to it again every second",
)
RETRY_UNQUEUED_EVERY_S = 1.0


def _reply_correlation_id(update_id: int | None, dedupe_key: str) -> str:
    """The update's correlation id for its replies; the reply's own key for the others."""
    return dedupe_key if update_id is None or update_id < 0 else update_correlation_id(update_id)


class _HeldReplies:
    """Stored replies waiting for room in the sender's queue, by reply row.

    A chat with a held reply holds its later replies too, so a chat's replies stay in order.
    ``hold`` and ``release`` are called with ``lock`` held.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[int, tuple[Reply, str, int | None, int | None]] = {}
        self._chats: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def holds_chat(self, chat_id: int) -> bool:
        return chat_id in self._chats

    def hold(
        self,
        stored: int,
        reply: Reply,
        dedupe_key: str,
        update_id: int | None,
        epoch: int | None = None,
    ) -> None:
        self.rows[stored] = (reply, dedupe_key, update_id, epoch)
        if reply.chat_id is not None:
            self._chats[reply.chat_id] = self._chats.get(reply.chat_id, 0) + 1

    def release(self, stored: int) -> None:
        reply, _, _, _ = self.rows.pop(stored)
        if reply.chat_id is not None:
            left = self._chats[reply.chat_id] - 1
            if left:
                self._chats[reply.chat_id] = left
            else:
                del self._chats[reply.chat_id]


def store_reply(
    outbox: ReplyOutbox,
    reply: Reply,
    dedupe_key: str,
    update_id: int | None,
    user_id: int | None = None,
    seq: int | None = None,
    epoch: int | None = None,
) -> int | None:
    """Store a reply no records transaction carried in ``outbox``; returns its row, or None
    when ``dedupe_key`` is stored already (see :meth:`ReplyPipeline.send`)."""
    owner = update_id if update_id is not None else SYSTEM_REPLY
    return outbox.put(
        dedupe_key,
        owner,
        reply.chat_id,
        reply.method,
        reply.params,
        user_id=user_id,
        seq=seq,
        epoch=epoch,
    )


class ReplyPipeline:
    """Durable replies to the sender, results to the actors, sent marks to disk.

    Args:
        outbox: The reply outbox (in the records database).
        tell: ``tell(user_id, message)`` reaches a player's actor (call results).
        now: The clock of the call results' ``at``.
    """

    def __init__(
        self, outbox: ReplyOutbox, tell: Callable[[int, Any], None], now: Callable[[], float]
    ) -> None:
        self.outbox = outbox
        self._tell = tell
        self._now = now
        self.marks = SentMarks(outbox)
        self.sender: BotSender | None = None
        self._held = _HeldReplies()
        self._retrier: asyncio.Task[None] | None = None
        self._resent: set[int] = set()  # stored replies this life sent again (once each)

    async def start(self, sender: BotSender, *, resend: bool = True) -> int:
        """Use ``sender`` from now on and send what an earlier life left unconfirmed.

        Args:
            resend: False in cluster mode: a member resends a shard's replies when it
                acquires the shard (:meth:`resend_shard`).

        Returns:
            How many stored replies were sent again.
        """
        self.sender = sender
        self._retrier = asyncio.create_task(self._retry_loop(), name="reply-retry")
        return await self._resend_stored() if resend else 0

    async def resend_shard(self, shard: int, epoch: int | None = None) -> int:
        """Cluster mode: send the unconfirmed replies of a shard just acquired (under
        ``epoch``: their sent marks are written only while the lease has it), and the
        system's replies, once per life."""
        return await self._resend_stored([shard], epoch)

    async def stop(self) -> None:
        """Stop offering held replies and commit the last sent marks (after the sender
        stopped)."""
        if self._retrier is not None:
            self._retrier.cancel()
        await asyncio.to_thread(self.marks.close)

    # ---- the actors' side (pool threads) ---------------------------------------------------
    def send(
        self,
        reply: Reply,
        dedupe_key: str,
        update_id: int | None,
        user_id: int | None = None,
        seq: int | None = None,
        epoch: int | None = None,
    ) -> None:
        """Store a reply no records transaction carried (a poison update's apology), then
        submit it. ``epoch`` (cluster mode): the lease epoch of the player's shard the state
        was loaded under; the reply and its sent mark are fenced by it (the store raises
        ``Fenced`` once the lease has another)."""
        stored = store_reply(self.outbox, reply, dedupe_key, update_id, user_id, seq, epoch)
        if stored is None:
            return  # stored by an earlier life of this update: start-up sends it
        self.submit(reply, dedupe_key, update_id, stored, None, epoch)

    def submit(
        self,
        reply: Reply,
        dedupe_key: str,
        update_id: int | None,
        stored: int,
        received_at: float | None = None,
        epoch: int | None = None,
        *,
        retry: bool = False,
    ) -> bool:
        """Hand a reply already durable in the reply outbox (row ``stored``) to the sender.

        ``received_at`` (when the update that caused it arrived) times the update to Telegram's
        confirmation of the reply in ``yabot_update_to_reply_seconds``. ``epoch`` (cluster
        mode): the lease epoch of its player's shard it was stored under; its sent mark is
        written only while the lease has it.

        A reply the sender refuses for a full queue is held and offered again every second,
        and so is every later reply of its chat (its row also survives a restart); one refused
        because the sender stopped waits for the next start-up. Returns False when the reply
        was not queued.
        """
        sender = self.sender
        assert sender is not None, "start() the pipeline first"
        if not retry and self._held.rows and reply.chat_id is not None:
            with self._held.lock:
                behind = self._held.holds_chat(reply.chat_id)
                if behind:
                    self._held.hold(stored, reply, dedupe_key, update_id, epoch)
            if behind:
                UNQUEUED.set(len(self._held))
                return False

        def on_result(result: Any, error: Exception | None) -> None:
            self._settle(stored, error, epoch)
            if error is None and received_at is not None:
                UPDATE_TO_REPLY.observe(max(0.0, time.time() - received_at))
            if reply.result_to is not None and (result is not None or error is not None):
                user_id, tag = reply.result_to
                failure = None if error is None else f"{type(error).__name__}: {error}"[:300]
                self._tell(user_id, CallResult(tag, result, failure, self._now()))

        try:
            sender.submit(
                reply.method,
                reply.params,
                chat_id=reply.chat_id,
                dedupe_key=dedupe_key,
                on_result=on_result,
                correlation_id=_reply_correlation_id(update_id, dedupe_key),
            )
        except SenderError as exc:
            if isinstance(exc, SenderOverloaded) and not retry:
                with self._held.lock:
                    self._held.hold(stored, reply, dedupe_key, update_id, epoch)
                UNQUEUED.set(len(self._held))
            if not retry:
                log.error(
                    "replies.not_queued",
                    correlation_id=_reply_correlation_id(update_id, dedupe_key),
                    error=type(exc).__name__,
                )
            return False
        return True

    def _settle(self, stored: int, error: Exception | None, epoch: int | None = None) -> None:
        """Account for one stored reply the sender is done with.

        Taken or refused for good, it is marked sent (durably, within milliseconds). Never
        sent because the sender stopped first, it stays for the next start-up to send.
        """
        if isinstance(error, SenderClosed):
            return
        self.marks.mark(stored, epoch)

    # ---- held replies -----------------------------------------------------------------------
    @property
    def held(self) -> int:
        """Replies waiting for room in the sender's queue."""
        return len(self._held)

    async def _retry_loop(self) -> None:
        while True:
            await asyncio.sleep(RETRY_UNQUEUED_EVERY_S)
            if self._held.rows:
                self.retry_held()

    def retry_held(self) -> None:
        """Offer the held replies to the sender again, oldest first, until it refuses.

        The lock stays held meanwhile: a new reply of a held chat waits for this round.
        """
        with self._held.lock:
            for stored in sorted(self._held.rows):
                reply, dedupe_key, update_id, epoch = self._held.rows[stored]
                if not self.submit(reply, dedupe_key, update_id, stored, None, epoch, retry=True):
                    break
                self._held.release(stored)
        UNQUEUED.set(len(self._held))

    async def _resend_stored(
        self, shards: list[int] | None = None, epoch: int | None = None
    ) -> int:
        """Send the replies an earlier life stored but never saw confirmed, in order."""
        sender = self.sender
        assert sender is not None
        waiting = await asyncio.to_thread(self.outbox.pending, shards)
        waiting = [row for row in waiting if row.id not in self._resent]
        self._resent.update(row.id for row in waiting)
        for row in waiting:

            def on_result(_: Any, error: Exception | None, row: PendingReply = row) -> None:
                self._settle(row.id, error, epoch)

            sender.submit(
                row.method,
                row.params,
                chat_id=row.chat_id,
                dedupe_key=row.dedupe_key,
                on_result=on_result,
                correlation_id=_reply_correlation_id(row.update_id, row.dedupe_key),
            )
        if waiting:
            RESENT.inc(len(waiting))
            log.info("replies.resent", count=len(waiting))
        return len(waiting)

    def flush_marks(self, timeout: float = 5.0) -> bool:
        """Wait until the sent marks queued so far are committed (tests, shutdown)."""
        return self.marks.flush(timeout)


__all__ = ["UNQUEUED", "ReplyPipeline", "store_reply"]
