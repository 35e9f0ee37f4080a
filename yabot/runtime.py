"""The running system: it builds every long-lived component from settings, wires them
together and owns their start and stop order. It does nothing else::

    PlayersTree: root -> players -> shard supervisors -> PlayerActor(user_id) ...
    Directory (activate / passivate) over PlayerRepository (load, replay, snapshots, pruning)
    UpdateRouter (inbox first) · ReplyPipeline (reply outbox, sender, sent marks)
    SnapshotWriter thread · OutboxRelay thread · Scheduler · PlayerOperations (admin requests)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pykka

from actors import (
    Directory,
    DirectoryClosed,
    Intensity,
    MailboxFull,
    WorkerPool,
    request_stop_tree,
    use_pool,
    wrap_future,
)
from yabot.config import Settings
from yabot.emotion import SignatureParams
from yabot.events.relay import OutboxRelay
from yabot.narrative import NarrativeEngine, StoryLibrary
from yabot.observability.actor_metrics import install_actor_metrics
from yabot.observability.logging import get_logger
from yabot.player.actor import Deliver, PlayerEffects, RetryWaiting, Wake, player_actor_class
from yabot.player.feelings import EmotionFeelings
from yabot.player.logic import PlayerLogic
from yabot.player.operations import PlayerOperations
from yabot.player.repository import PlayerRepository, snapshot_key
from yabot.player.tree import PlayersTree
from yabot.reply_pipeline import ReplyPipeline
from yabot.routing import UpdateRouter
from yabot.scheduling import Scheduler
from yabot.security.crypto import load_encryptor
from yabot.shards import shard_of
from yabot.storage.inbox import InboxStore, open_inbox
from yabot.storage.records import open_records_store
from yabot.storage.records.base import RecordsStore
from yabot.storage.replies import open_reply_outbox
from yabot.storage.snapshots import open_snapshot_store
from yabot.storage.snapshots.writer import SnapshotWriter
from yabot.storage.sqlite_util import private_dir
from yabot.telegram.sender import BotSender, Sender
from yabot.telegram.sink import Overloaded
from yabot.telegram.types import IncomingUpdate, parse_stored_update

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from yabot.cluster.leader import Leadership
    from yabot.cluster.leases import Lease, ShardCoordinator
    from yabot.cluster.node import ShardConsumers

__all__ = ["Runtime", "snapshot_key"]

log = get_logger(__name__)


class Runtime:
    """Every long-lived component of one YABOT process, composed."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock
        storage, runtime = settings.storage, settings.runtime
        private_dir(storage.data_dir)  # 0700: the data files are the players' progress
        self.encryptor = load_encryptor(settings)
        self.coordinator: ShardCoordinator | None = None
        self.consumers: ShardConsumers | None = None
        self.pg_pool: ConnectionPool | None = None
        self.records: RecordsStore
        self.inbox: InboxStore
        if storage.backend == "postgres":
            self._open_shared_stores(settings)
        else:
            self.records = open_records_store(settings)
            self.inbox = open_inbox(settings, self.encryptor)
            self.store = open_snapshot_store(storage)
        self.writer = SnapshotWriter.from_settings(self.store, storage)
        self.library = StoryLibrary(settings.story.stories_dir)
        self.library.load_all()
        self.engine = NarrativeEngine(
            self.library, max_message_chars=settings.story.max_message_chars
        )
        feelings = EmotionFeelings(SignatureParams(**settings.emotion.model_dump()))
        self.logic = PlayerLogic(settings, self.engine, feelings)
        self.relay = OutboxRelay.from_settings(settings, self.records)
        self.relay_leadership: Leadership | None = None
        if self.coordinator is not None:
            # One instance publishes the shared outbox: the relay task's leader.
            from yabot.cluster.leader import Leadership

            self.relay_leadership = leadership = Leadership(
                self.coordinator.dsn,
                "relay",
                self._relay_lead,
                self._relay_lead,
                lease_timeout_s=self.coordinator.lease_timeout_s,
                member_id=self.coordinator.member_id,
            )
            self.relay.gate = lambda: leadership.epoch if leadership.holds() else None
        install_actor_metrics()
        self.pool = WorkerPool(runtime.pool_size, name="actors")
        use_pool(self.pool)
        self.replies = ReplyPipeline(open_reply_outbox(self.records), self._tell, self.now)
        self.players = PlayerRepository(
            self.store,
            self.writer,
            self.inbox,
            self.encryptor,
            self.records,
            self.replies.outbox,
            shards=runtime.shards,
            shutdown_timeout_s=runtime.shutdown_timeout_s,
            sent_retention_s=storage.inbox_dedupe_retention_s,
        )
        self.effects = PlayerEffects(
            self.logic,
            self.records,
            self.replies.send,
            self.players.submit,
            storage.snapshot_every_transitions,
            tell=self._tell,
            snapshot_every_s=storage.snapshot_every_s,
            submit=self.replies.submit,
            settle=self.players.settle,
            retry_after=self._retry_after,
            leftovers=self.players.take_leftovers,
            owner_epoch=self._owner_epoch if self.coordinator is not None else None,
            retry_backoff_s=runtime.restart_backoff_s,
            retry_backoff_max_s=runtime.restart_backoff_max_s,
        )
        self.effects.pack_idle_s = runtime.pack_idle_s or None
        self.players.bind(self.effects)
        intensity = Intensity(
            runtime.restart_max,
            runtime.restart_period_s,
            runtime.restart_backoff_s,
            runtime.restart_backoff_max_s,
        )
        self.tree = PlayersTree(runtime.shards, intensity)
        self.directory: Directory[int] = Directory(
            player_actor_class(runtime.mailbox_limit, runtime.messages_per_turn),
            self.players.load,
            self.players.save,
            name="players",
            idle_timeout=runtime.idle_timeout_s,
            max_resident=runtime.max_resident,
            supervisor_for=self.tree.supervisor_for,
            actor_kwargs={"effects": self.effects},
        )
        self.players.tell_actor = self._tell_resident
        self.router = UpdateRouter(
            self.inbox,
            self._deliver,
            self._admit,
            stored=self._stored if self.coordinator is not None else None,
        )
        if self.coordinator is not None:
            from yabot.cluster.node import ShardConsumers
            from yabot.storage.postgres.inbox import PgInbox

            assert isinstance(self.inbox, PgInbox)
            self.consumers = ShardConsumers(
                self.coordinator.dsn,
                self.inbox,
                self.router,
                self.directory,
                self.replies,
                shards=runtime.shards,
                parse=parse_stored_update,
                # A handoff waits this long for the shard's actors to save; what is not saved
                # by then the next owner replays from the inbox (effects keyed by update_id).
                passivate_timeout_s=min(
                    runtime.shutdown_timeout_s, settings.cluster.lease_timeout_s / 4
                ),
            )
        if clock is not time.time:
            self.router.clock = clock
        # Cluster mode: each member's jobs reach only the players of the shards it owns (every
        # shard has an owner that sweeps it; the effects are keyed by JobRun and fenced).
        self.scheduler = Scheduler(
            settings,
            self.records,
            self._tell if self.consumers is None else self._tell_owned,
            self.directory.keys,
            self.now,
        )
        self.admin = PlayerOperations(self.directory, self.records, self.now, runtime.ask_timeout_s)
        self.loop: asyncio.AbstractEventLoop | None = None

    def _open_shared_stores(self, settings: Settings) -> None:
        """``storage.backend = "postgres"``: the shared stores; in cluster mode fenced by the
        shard leases of a :class:`ShardCoordinator`."""
        from psycopg.conninfo import make_conninfo

        from yabot.cluster.leases import ShardCoordinator
        from yabot.storage.postgres.inbox import PgInbox
        from yabot.storage.postgres.pool import open_pool, open_settings_pool, postgres_dsn

        storage, cluster = settings.storage, settings.cluster
        dsn = postgres_dsn(settings)
        if cluster.enabled:
            # A member paused inside a write transaction holds the lease rows it checked
            # (FOR KEY SHARE): the server ends such a session well within the lease, so the
            # shard's next owner is not kept waiting (and the paused member writes nothing).
            idle_ms = int(max(1.0, cluster.lease_timeout_s / 2) * 1000)
            self.pg_pool = pool = open_pool(
                make_conninfo(dsn, options=f"-c idle_in_transaction_session_timeout={idle_ms}"),
                max_size=storage.postgres_pool_size,
                timeout_s=storage.postgres_timeout_s,
            )
        else:
            self.pg_pool = pool = open_settings_pool(settings)
        if cluster.enabled:
            self.coordinator = ShardCoordinator(
                dsn,
                shards=settings.runtime.shards,
                lease_timeout_s=cluster.lease_timeout_s,
                on_acquired=self._on_acquired,
                on_releasing=self._on_releasing,
                on_lost=self._on_lost,
                member_id=cluster.member_id or None,
                url=cluster.member_url,
            )
        leases = self.coordinator
        # Records, snapshots (without Mongo), admin, operations and broadcasts share the pool.
        self.records = open_records_store(settings, pool, leases)
        self.inbox = PgInbox(
            pool,
            encryptor=self.encryptor,
            shards=settings.runtime.shards,
            leases=leases,
            dedup_retention_s=storage.inbox_dedupe_retention_s,
        )
        self.store = open_snapshot_store(storage, pool, leases)

    # The coordinator's callbacks (it is built before the consumers it drives).
    async def _on_acquired(self, lease: Lease) -> None:
        assert self.consumers is not None
        await self.consumers.on_acquired(lease)

    async def _on_releasing(self, lease: Lease) -> None:
        assert self.consumers is not None
        await self.consumers.on_releasing(lease)

    async def _on_lost(self, lease: Lease) -> None:
        assert self.consumers is not None
        await self.consumers.on_lost(lease)

    async def _relay_lead(self) -> None:
        self.relay.wake()  # elected or stepped down: the relay looks at its gate again

    def _stored(self, update: IncomingUpdate, seq: int) -> None:
        assert self.consumers is not None
        self.consumers.stored(update, seq)

    @property
    def sender(self) -> BotSender | None:
        """The sender the reply pipeline uses (None before ``start``)."""
        return self.replies.sender

    @property
    def gave_up(self) -> BaseException | None:
        """Why the root supervisor gave up (then nothing restarts the players), or None."""
        return self.tree.gave_up

    # ---- lifecycle --------------------------------------------------------------------
    async def start(self, sender: BotSender | None = None) -> None:
        """Start the background parts and recover players with unprocessed updates.

        Args:
            sender: Makes the Bot API calls; by default a :class:`Sender` in this process.
        """
        self.loop = asyncio.get_running_loop()
        sender = sender if sender is not None else Sender(self.settings)
        await sender.start()
        self.writer.start()
        self.relay.start()
        self.directory.start_sweeper(max(1.0, min(60.0, self.settings.runtime.idle_timeout_s / 4)))
        pending: list[int] = []
        if self.coordinator is not None and self.consumers is not None:
            # A member resends a shard's replies and recovers its players when it acquires it.
            await self.replies.start(sender, resend=False)
            self.consumers.start()
            await self.coordinator.start()
            if self.relay_leadership is not None:
                self.relay_leadership.start()
        else:
            await self.replies.start(sender)
            pending = await asyncio.to_thread(self.players.players_to_recover)
        for user_id in pending:
            self.directory.tell(user_id, Wake())
        await self.scheduler.start()
        log.info("runtime.started", recovering=len(pending), pool=self.settings.runtime.pool_size)

    async def stop(self) -> None:
        """Stop children first: players (saved), then writer, relay, sender."""
        timeout = self.settings.runtime.shutdown_timeout_s
        await self.scheduler.stop()
        if self.consumers is not None:
            await self.consumers.stop()  # no shard's updates are taken any more
        # Every actor saves at once (in cluster mode while this member still holds the leases).
        players_stopped = await asyncio.to_thread(self.directory.stop_all, timeout * 0.5)
        if self.coordinator is not None:
            # Then hand every shard off (nothing resident is left to save) and leave.
            await self.coordinator.stop()
        if players_stopped:
            try:
                await asyncio.wait_for(
                    wrap_future(request_stop_tree(self.tree.root)), timeout * 0.2
                )
            except (TimeoutError, pykka.ActorDeadError):
                log.warning("runtime.supervisor_stop_slow")
        else:
            # What is left of the players' turns (their passivations, mail that came before)
            # would fill the pool ahead of anything else and run after the stores close: drop
            # it. Players not saved are restored from their snapshot and the inbox next time.
            log.warning(
                "runtime.players_not_passivated",
                resident=self.directory.resident_count(),
            )
            self.pool.shutdown(timeout=0.0, drop_queued=True)
        await asyncio.to_thread(self.writer.stop, timeout * 0.3)
        self.router.close()
        if self.sender is not None:
            await self.sender.stop(drain_timeout=timeout * 0.2)
        await self.replies.stop()
        await asyncio.to_thread(self.relay.stop, 1.0)
        if self.relay_leadership is not None:
            await self.relay_leadership.stop()
        self.pool.shutdown(timeout=1.0 if players_stopped else 0.0)
        use_pool(None)
        self.records.close()
        self.inbox.close()
        self.replies.outbox.close()
        self.store.close()
        if self.pg_pool is not None:
            self.pg_pool.close()
        log.info("runtime.stopped")

    # ---- clock ----------------------------------------------------------------------------
    def now(self) -> float:
        """The time every player transition and scheduled job considers "now"."""
        return self._clock()

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Replace the clock of ingress and scheduler (tests move time with this)."""
        self._clock = clock
        self.router.clock = clock

    # ---- wiring ---------------------------------------------------------------------------
    def _admit(self) -> None:
        if not self.records.outbox_within_budget():
            raise Overloaded("event backlog over its disk budget", retry_after_s=10.0)

    def _deliver(self, user_id: int, update: IncomingUpdate, seq: int) -> None:
        self.directory.tell(user_id, Deliver(update, seq))

    def _tell(self, user_id: int, message: Any) -> None:
        self.directory.tell(user_id, message)

    def _tell_resident(self, user_id: int, message: Any) -> None:
        """Tell the player's actor if it is resident (a refused snapshot: one that is gone
        loads afresh at its next activation)."""
        if self.directory.is_resident(user_id):
            self.directory.tell(user_id, message)

    def _owner_epoch(self, user_id: int) -> int | None:
        assert self.coordinator is not None
        return self.coordinator.epoch(shard_of(user_id, self.coordinator.shards))

    def _tell_owned(self, user_id: int, message: Any) -> None:
        if self.consumers is not None and self.consumers.owns(user_id):
            self.directory.tell(user_id, message)

    def _retry_after(self, user_id: int, delay: float) -> None:
        def due() -> None:
            if self.consumers is not None and not self.consumers.owns(user_id):
                # Cluster mode, the shard is not ours (now): telling would only wake the actor
                # to have its writes fenced again. A resident actor keeps its held updates
                # and is tried again later (the shard may come back to us: under the new
                # epoch it reloads first, dropping them for the inbox's copies); one that is
                # gone forgets them: its next activation loads the snapshot and the inbox.
                if self.directory.is_resident(user_id):
                    self._retry_after(user_id, delay)
                else:
                    self.players.take_leftovers(user_id)
                return
            try:
                self.directory.tell(user_id, RetryWaiting())
            except MailboxFull:
                self._retry_after(user_id, delay)
            except DirectoryClosed:
                pass  # stopping: the held updates are in the inbox for the next start

        try:
            self.pool.call_later(delay, due)
        except RuntimeError:  # the pool's timers are closed: stopping, as above
            log.info("runtime.retry_not_scheduled", user_id=user_id)
