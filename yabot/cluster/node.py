"""One cluster member's runtime side: shard consumers driven by the :class:`ShardCoordinator`.

The coordinator decides which shards this member owns; this module acts on it:

- ``on_acquired``: resend the shard's unconfirmed replies, then start consuming it. Each owned
  shard has a cursor; one reader reads the entries after the cursors of every shard with news
  in one query, in ``seq`` order (a shard's entries commit in that order, see
  ``yabot.storage.postgres.inbox``), and hands each to its player's actor through the router
  (whose per-player deferral keeps order when a mailbox is full). A shard starts at its oldest
  uncovered entry: entries a snapshot already covers are ignored by the actor
  (``seq <= state.inbox_seq``), and a player's state is loaded from the shared snapshot store
  plus its entries after the snapshot. ``LISTEN yabot_inbox`` (and :meth:`ShardConsumers.stored`
  for the appends of this instance) names the shards with news; every shard is read once a
  second anyway. An update this instance's ingress stored in a shard it owns is kept parsed
  until its entry is read: that entry is handed over without being decrypted and parsed again.
- ``on_releasing`` (graceful handoff): stop the consumer, let the shard's actors finish their
  mail and passivate (each saves a durable snapshot), then the coordinator releases the shard.
- ``on_lost`` (we were paused or cut off past the lease): stop the consumer and passivate the
  actors without waiting; their writes are fenced (and counted) by the stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
from prometheus_client import Counter, Gauge

from yabot.cluster.leases import Lease
from yabot.observability.logging import get_logger
from yabot.shards import shard_of
from yabot.storage.postgres.inbox import CHANNEL as INBOX_NOTIFY_CHANNEL

if TYPE_CHECKING:
    from actors import Directory

log = get_logger(__name__)

CONSUMED = Counter(
    "yabot_cluster_consumed_total", "Inbox entries a shard consumer handed to actors", ["shard"]
)
CURSOR = Gauge(
    "yabot_cluster_consumer_seq", "The last inbox seq a shard consumer handed over", ["shard"]
)
LAG = Gauge(
    "yabot_cluster_inbox_lag_seconds",
    "From an update's arrival in the inbox to its hand-over by the shard's consumer (last batch)",
    ["shard"],
)
POLL_EVERY_S = 1.0
BATCH = 500
LOCAL_MAX = 500  # parsed updates kept per shard for their entries (beyond: parsed again)
INBOX_CHANNEL = INBOX_NOTIFY_CHANNEL  # NOTIFY payload: "shard:top seq,..." (see _noted)


# What the consumers need of the rest of the bot (protocols: yabot.cluster does not import the
# router or the reply pipeline, which sit above it).
class StoredEntry(Protocol):
    """An inbox entry (``yabot.storage.inbox.InboxEntry``)."""

    @property
    def seq(self) -> int: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def received_at(self) -> float: ...
    @property
    def shard(self) -> int: ...


class ShardInbox(Protocol):
    """The shared inbox, read by shard (``yabot.storage.postgres.inbox.PgInbox``)."""

    def shards_entries(
        self, after: Mapping[int, int], limit: int = 1000, *, known: Container[int] = ()
    ) -> Sequence[StoredEntry]:
        """The uncovered entries of the shards in ``after`` past their cursors, in arrival
        order; the payloads of the ``known`` seqs are left empty (not decrypted)."""
        ...


class Parsed(Protocol):
    """An update as ingress parsed it (``yabot.telegram.types.IncomingUpdate``)."""

    @property
    def user_id(self) -> int | None: ...


class HandOver(Protocol):
    """The router (``yabot.routing.UpdateRouter``)."""

    def hand_over(self, update: Any, seq: int) -> None:
        """Tell a durable update to its player's actor, in order."""
        ...

    def drop_deferred(self, keep: Callable[[int], bool]) -> int:
        """Forget the waiting updates of the players ``keep`` refuses."""
        ...


class ShardReplies(Protocol):
    """The reply pipeline (``yabot.reply_pipeline.ReplyPipeline``)."""

    async def resend_shard(self, shard: int, epoch: int | None = None) -> int:
        """Send a shard's unconfirmed replies (acquired under ``epoch``: their sent marks
        are fenced by it)."""
        ...


@dataclass
class _Consumer:
    lease: Lease
    cursor: int = 0
    ready: bool = False  # its unconfirmed replies were resent: its entries may be read
    task: asyncio.Task[None] | None = None  # the resend
    # Updates this instance stored in the shard, parsed, by seq, until their entries are read.
    local: dict[int, Parsed] = field(default_factory=dict)
    metrics: tuple[Any, Any, Any] = field(init=False)

    def __post_init__(self) -> None:
        # The shard's metric children, looked up once (``labels`` costs a lock and a hash).
        label = str(self.lease.shard)
        self.metrics = (CONSUMED.labels(label), CURSOR.labels(label), LAG.labels(label))


class ShardConsumers:
    """Starts and stops the consumers of the shards this member owns.

    Args:
        dsn: PostgreSQL connection string (for the LISTEN connection).
        inbox: The shared inbox.
        router: Hands entries to actors (``hand_over``), keeps per-player order.
        directory: The players' actors (passivated when a shard leaves).
        replies: The reply pipeline (a shard's unconfirmed replies are resent on acquisition).
        shards: ``runtime.shards``.
        parse: Turns a stored payload and its arrival time into the update to hand over.
        passivate_timeout_s: How long a handoff waits for the shard's actors to save.
    """

    def __init__(
        self,
        dsn: str,
        inbox: ShardInbox,
        router: HandOver,
        directory: Directory[int],
        replies: ShardReplies,
        *,
        shards: int,
        parse: Callable[[bytes, float], Any],
        passivate_timeout_s: float = 5.0,
    ) -> None:
        self._dsn = dsn
        self._parse = parse
        self._inbox = inbox
        self._router = router
        self._directory = directory
        self._replies = replies
        self._shards = shards
        self._passivate_timeout_s = passivate_timeout_s
        self._consumers: dict[int, _Consumer] = {}
        self._listener: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._news: set[int] = set()  # shards to read at the reader's next round
        self._wake = asyncio.Event()

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start listening for the inbox's notifications (call on the event loop)."""
        self._listener = asyncio.create_task(self._listen(), name="inbox-listener")
        self._reader = asyncio.create_task(self._read_loop(), name="inbox-reader")

    async def stop(self) -> None:
        """Stop every consumer and the listener (the coordinator has released the shards)."""
        for consumer in list(self._consumers.values()):
            await self._stop_consumer(consumer)
        self._consumers.clear()
        for task in (self._listener, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def owns(self, user_id: int) -> bool:
        """Whether this member consumes the player's shard now."""
        return shard_of(user_id, self._shards) in self._consumers

    def cursors(self) -> dict[int, int]:
        """Per owned shard: the last seq handed over."""
        return {shard: c.cursor for shard, c in self._consumers.items()}

    # ---- the coordinator's callbacks --------------------------------------------------------
    async def on_acquired(self, lease: Lease) -> None:
        """Start consuming ``lease.shard`` (after resending its unconfirmed replies)."""
        old = self._consumers.pop(lease.shard, None)
        if old is not None:
            await self._stop_consumer(old)
        # The resend runs in the consumer's task: the coordinator's round (and the renewal of
        # every other lease) never waits for a slow database or sender.
        consumer = _Consumer(lease)
        consumer.task = asyncio.create_task(self._resend(consumer), name=f"shard-{lease.shard}")
        self._consumers[lease.shard] = consumer

    async def on_releasing(self, lease: Lease) -> None:
        """Graceful handoff: stop taking the shard's updates, let its actors finish and save."""
        consumer = self._consumers.pop(lease.shard, None)
        if consumer is not None:
            await self._stop_consumer(consumer)
        left = await self._passivate_shard(lease.shard, wait=True)
        if left:
            log.warning("cluster.handoff_unsaved", shard=lease.shard, actors=left)

    async def on_lost(self, lease: Lease) -> None:
        """The shard was taken from us: stop at once (any write of ours is fenced)."""
        consumer = self._consumers.pop(lease.shard, None)
        if consumer is not None:
            await self._stop_consumer(consumer)
        await self._passivate_shard(lease.shard, wait=False)

    # ---- internals ---------------------------------------------------------------------------
    async def _stop_consumer(self, consumer: _Consumer) -> None:
        if consumer.task is not None:
            consumer.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer.task

    async def _passivate_shard(self, shard: int, *, wait: bool) -> int:
        def in_shard(user_id: int) -> bool:
            return shard_of(user_id, self._shards) == shard

        self._router.drop_deferred(lambda user_id: not in_shard(user_id))
        resident: list[int] = self._directory.keys()  # a Directory is not a dict
        keys = [k for k in resident if in_shard(k)]
        for key in keys:
            self._directory.passivate(key)
        if not wait:
            return 0
        deadline = time.monotonic() + self._passivate_timeout_s
        while time.monotonic() < deadline:
            left = [k for k in keys if self._directory.is_resident(k)]
            if not left:
                return 0
            await asyncio.sleep(0.02)
        return sum(1 for k in keys if self._directory.is_resident(k))

    async def _resend(self, consumer: _Consumer) -> None:
        shard = consumer.lease.shard
        try:
            await self._replies.resend_shard(shard, consumer.lease.epoch)
        except Exception as exc:  # the replies stay stored; the next acquisition resends
            log.warning("cluster.resend_failed", shard=shard, error=type(exc).__name__)
        consumer.ready = True
        self._news.add(shard)
        self._wake.set()

    async def _read_loop(self) -> None:
        """Read the shards with news (all of them every ``POLL_EVERY_S``) and hand over."""
        next_poll = time.monotonic() + POLL_EVERY_S
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_poll - time.monotonic()))
            self._wake.clear()
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + POLL_EVERY_S
                self._news.update(self._consumers)
            news, self._news = self._news, set()
            reading = {s: c for s in news if (c := self._consumers.get(s)) is not None and c.ready}
            if not reading:
                continue
            # The seqs whose updates are here already, parsed: their payloads are not decrypted.
            # (Only the hand-over below removes them, so each is still here when its entry is.)
            known = {seq for c in reading.values() for seq in c.local}
            try:
                entries = await asyncio.to_thread(
                    partial(self._inbox.shards_entries, known=known),
                    {s: c.cursor for s, c in reading.items()},
                    BATCH,
                )
            except Exception as exc:  # the database is away: read again at the next poll
                log.warning("cluster.consume_failed", shards=len(reading), error=type(exc).__name__)
                continue
            self._hand_over(reading, entries)
            if len(entries) == BATCH:  # more may wait in any of them
                self._news.update(reading)
                self._wake.set()
                await asyncio.sleep(0)

    def _hand_over(self, reading: dict[int, _Consumer], entries: Sequence[StoredEntry]) -> None:
        handed: dict[int, list[StoredEntry]] = {}
        for entry in entries:
            shard = entry.shard
            consumer = reading.get(shard)
            # A shard released or lost while we read: its entries are someone else's now.
            if consumer is None or self._consumers.get(shard) is not consumer:
                continue
            if entry.seq <= consumer.cursor:
                continue
            update = consumer.local.pop(entry.seq, None)
            if update is None:
                update = self._parse(entry.payload, entry.received_at)
            self._router.hand_over(update, entry.seq)
            consumer.cursor = entry.seq
            handed.setdefault(shard, []).append(entry)
        now = time.time()
        for shard, done in handed.items():
            local = reading[shard].local
            # Forget what the reads will not bring back (e.g. an entry a snapshot covered
            # before it was read): everything at or below the cursor.
            while local and (oldest := next(iter(local))) <= done[-1].seq:
                del local[oldest]
            consumed, cursor, lag = reading[shard].metrics
            consumed.inc(len(done))
            cursor.set(done[-1].seq)
            lag.set(max(0.0, now - done[-1].received_at))

    def stored(self, update: Parsed, seq: int) -> None:
        """This instance stored ``update`` as entry ``seq``: if its shard is ours, keep it
        parsed for that entry and wake the shard's consumer."""
        if update.user_id is None:
            return
        shard = shard_of(update.user_id, self._shards)
        consumer = self._consumers.get(shard)
        if consumer is None:
            return
        if seq > consumer.cursor and len(consumer.local) < LOCAL_MAX:
            consumer.local[seq] = update
        self._news.add(shard)
        self._wake.set()

    async def _listen(self) -> None:
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {INBOX_CHANNEL}")
                    async for note in conn.notifies():
                        self._noted(note.payload)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as exc:
                log.warning("cluster.listen_failed", error=type(exc).__name__)
            await asyncio.sleep(POLL_EVERY_S)

    def _noted(self, payload: str) -> None:
        """A notification names the shards an append wrote, each with the highest seq it
        wrote there: ``"3:1207,17:1210"`` (a shard alone, ``"3"``, is read in any case).

        A shard whose consumer is already past that seq is not read again: its entries were
        read with an earlier batch (this instance's own appends wake their consumer at once,
        see :meth:`stored`, so their notification usually comes after the read)."""
        for part in payload.split(","):
            shard_text, _, seq_text = part.partition(":")
            with contextlib.suppress(ValueError):
                consumer = self._consumers.get(int(shard_text))
                if consumer is None or (seq_text and int(seq_text) <= consumer.cursor):
                    continue
                self._news.add(consumer.lease.shard)
                self._wake.set()
