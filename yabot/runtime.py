"""The running system: stores, the supervisor tree of player actors, the sender and ingress.

``Runtime`` builds every component from settings and owns their start and stop order::

    root supervisor
      └─ players supervisor ── PlayerActor(user_id) ...   (Directory: activate / passivate)
    SnapshotWriter thread · OutboxRelay thread · inbox writer thread · Sender (asyncio)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pykka
from prometheus_client import Gauge

from actors import (
    Directory,
    Intensity,
    Supervisor,
    WorkerPool,
    request_stop_tree,
    supervise,
    use_pool,
    wrap_future,
)
from yabot.config import Settings
from yabot.emotion import SignatureParams
from yabot.events.relay import OutboxRelay
from yabot.narrative import NarrativeEngine, StoryLibrary
from yabot.observability.actor_metrics import install_actor_metrics
from yabot.observability.logging import get_logger, update_correlation_id
from yabot.player.actor import (
    Deliver,
    PlayerActor,
    PlayerEffects,
    Wake,
    apply_update,
    refresh_mirror,
)
from yabot.player.feelings import EmotionFeelings
from yabot.player.logic import PlayerLogic, Reply
from yabot.player.messages import (
    AdjustBesitos,
    CallResult,
    GrantSubscription,
    RefundPayment,
    RevokeSubscription,
)
from yabot.player.state import PlayerState
from yabot.routing import UpdateRouter
from yabot.scheduling import Scheduler
from yabot.security.crypto import Encryptor, load_encryptor
from yabot.storage.inbox import Inbox, open_inbox
from yabot.storage.records import RecordsDb
from yabot.storage.replies import RESENT, SYSTEM_REPLY, PendingReply, open_reply_outbox
from yabot.storage.snapshots import Snapshot, open_snapshot_store
from yabot.storage.snapshots.writer import SnapshotWriter
from yabot.storage.sqlite_util import private_dir
from yabot.telegram.sender import (
    BotSender,
    Sender,
    SenderClosed,
    SenderError,
    SenderOverloaded,
)
from yabot.telegram.sink import Overloaded
from yabot.telegram.types import IncomingUpdate, parse_update

log = get_logger(__name__)

UNQUEUED = Gauge(
    "yabot_replies_unqueued",
    "Stored replies the sender refused (send queue full); offered to it again every second",
)
RETRY_UNQUEUED_EVERY_S = 1.0


def snapshot_key(user_id: int) -> str:
    """The snapshot key of a player."""
    return f"user:{user_id}"


def _reply_correlation_id(update_id: int | None, dedupe_key: str) -> str:
    """The update's correlation id for its replies; the reply's own key for the others."""
    return dedupe_key if update_id is None else update_correlation_id(update_id)


@dataclass
class _ReplyTracker:
    """Marks an update 'replied' in the inbox once every reply it asked for was sent."""

    inbox: Inbox
    outstanding: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    finished: list[int] = field(default_factory=list)

    def expect(self, update_id: int) -> None:
        self.outstanding[update_id] += 1

    def done(self, update_id: int) -> None:
        left = self.outstanding.get(update_id, 0) - 1
        if left <= 0:
            self.outstanding.pop(update_id, None)
            self.finished.append(update_id)
        else:
            self.outstanding[update_id] = left

    def abandon(self, update_id: int) -> None:
        """A reply of ``update_id`` could not be queued: never mark it replied, so the next
        activation of its player sends its replies again."""
        self.outstanding[update_id] = 1 << 30

    def take(self) -> list[int]:
        taken, self.finished = self.finished, []
        return taken


class _HeldReplies:
    """Stored replies waiting for room in the sender's queue, by reply row.

    A chat with a held reply holds its later replies too, so a chat's replies stay in order.
    ``hold`` and ``release`` are called with ``lock`` held.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[int, tuple[Reply, str, int | None]] = {}
        self._chats: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def holds_chat(self, chat_id: int) -> bool:
        return chat_id in self._chats

    def hold(self, stored: int, reply: Reply, dedupe_key: str, update_id: int | None) -> None:
        self.rows[stored] = (reply, dedupe_key, update_id)
        if reply.chat_id is not None:
            self._chats[reply.chat_id] = self._chats.get(reply.chat_id, 0) + 1

    def release(self, stored: int) -> None:
        reply, _, _ = self.rows.pop(stored)
        if reply.chat_id is not None:
            left = self._chats[reply.chat_id] - 1
            if left:
                self._chats[reply.chat_id] = left
            else:
                del self._chats[reply.chat_id]


class Runtime:
    """Every long-lived component of one YABOT process."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock
        storage = settings.storage
        private_dir(storage.data_dir)  # 0700: the data files are the players' progress
        self.records = RecordsDb.open(settings)
        self.inbox = open_inbox(storage.data_dir, busy_timeout_ms=storage.sqlite_busy_timeout_ms)
        self.store = open_snapshot_store(storage)
        self.writer = SnapshotWriter.from_settings(self.store, storage)
        self.writer.on_durable(self._on_durable)
        self.encryptor: Encryptor = load_encryptor(settings)
        self.library = StoryLibrary(settings.story.stories_dir)
        self.library.load_all()
        self.engine = NarrativeEngine(
            self.library, max_message_chars=settings.story.max_message_chars
        )
        feelings = EmotionFeelings(SignatureParams(**settings.emotion.model_dump()))
        self.logic = PlayerLogic(settings, self.engine, feelings)
        self.relay = OutboxRelay.from_settings(settings, self.records)
        runtime = settings.runtime
        install_actor_metrics()
        self.pool = WorkerPool(runtime.pool_size, name="actors")
        use_pool(self.pool)
        self.sender: BotSender | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._tracker = _ReplyTracker(self.inbox)
        self.replies = open_reply_outbox(self.records)
        self._sent_replies: list[int] = []
        self._held = _HeldReplies()  # refused for a full send queue: offered again
        self.effects = PlayerEffects(
            self.logic,
            self.records,
            self._send,
            self._submit_snapshot,
            storage.snapshot_every_transitions,
            tell=self._tell,
            snapshot_every_s=storage.snapshot_every_s,
            submit=self._submit,
            settle=self._settle_snapshot,
        )
        intensity = Intensity(
            runtime.restart_max,
            runtime.restart_period_s,
            runtime.restart_backoff_s,
            runtime.restart_backoff_max_s,
        )
        self._intensity = intensity
        self.root = Supervisor.start("root", intensity=intensity, on_give_up=self._gave_up)
        self.players_supervisor = Supervisor.start("players", intensity=intensity)
        supervise(
            self.root, "players", self._restart_players_supervisor, ref=self.players_supervisor
        )
        self.directory: Directory[int] = Directory(
            PlayerActor,
            self._load,
            self._save,
            name="players",
            idle_timeout=runtime.idle_timeout_s,
            max_resident=runtime.max_resident,
            supervisor=self.players_supervisor,
            actor_kwargs={"effects": self.effects},
        )
        self.router = UpdateRouter(self.inbox, self._deliver, self._admit)
        if clock is not time.time:
            self.router.clock = clock
        self.scheduler = Scheduler(
            settings, self.records, self._tell, self.directory.keys, self.now
        )
        self._flusher: asyncio.Task[None] | None = None
        self.gave_up: BaseException | None = None
        self._recovering: set[int] = set()  # woken at start-up for entries not covered yet

    # ---- lifecycle --------------------------------------------------------------------
    async def start(self, sender: BotSender | None = None) -> None:
        """Start the background parts and recover players with unprocessed updates.

        Args:
            sender: Makes the Bot API calls; by default a :class:`Sender` in this process.
        """
        self.loop = asyncio.get_running_loop()
        self.sender = sender if sender is not None else Sender(self.settings)
        await self.sender.start()
        self.writer.start()
        self.relay.start()
        self.directory.start_sweeper(max(1.0, min(60.0, self.settings.runtime.idle_timeout_s / 4)))
        self._flusher = asyncio.create_task(self._flush_replied())
        await self._resend_stored_replies()
        pending = await asyncio.to_thread(self.inbox.pending_users)
        self._recovering = set(pending)
        for user_id in pending:
            self.directory.tell(user_id, Wake())
        await self.scheduler.start()
        log.info("runtime.started", recovering=len(pending), pool=self.settings.runtime.pool_size)

    async def stop(self) -> None:
        """Stop children first: players (saved), then writer, relay, sender."""
        timeout = self.settings.runtime.shutdown_timeout_s
        await self.scheduler.stop()
        players_stopped = await asyncio.to_thread(self.directory.stop_all, timeout * 0.5)
        if players_stopped:
            try:
                await asyncio.wait_for(wrap_future(request_stop_tree(self.root)), timeout * 0.2)
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
        if self._flusher is not None:
            self._flusher.cancel()
        await self._mark_replied()
        await asyncio.to_thread(self.relay.stop, 1.0)
        self.pool.shutdown(timeout=1.0 if players_stopped else 0.0)
        use_pool(None)
        self.records.close()
        self.inbox.close()
        self.replies.close()
        self.store.close()
        log.info("runtime.stopped")

    def _restart_players_supervisor(self) -> pykka.ActorRef[Any]:
        """Rebuild the players supervisor after an escalation; new activations use it."""
        self.players_supervisor = Supervisor.start("players", intensity=self._intensity)
        self.directory.use_supervisor(self.players_supervisor)
        return self.players_supervisor

    def _gave_up(self, error: BaseException) -> None:
        self.gave_up = error
        log.error("runtime.root_supervisor_gave_up", error=type(error).__name__)

    # ---- clock ----------------------------------------------------------------------------
    def now(self) -> float:
        """The time every player transition and scheduled job considers "now"."""
        return self._clock()

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Replace the clock of ingress and scheduler (tests move time with this)."""
        self._clock = clock
        self.router.clock = clock

    # ---- admin operations (the admin API calls these; each is a message to the actor) ----
    async def refund(self, user_id: int, charge_id: str, who: str) -> dict[str, Any]:
        """Refund a Stars payment (refundStarPayment); on success the subscription ends.

        Returns:
            ``{"status": "refund_requested"}`` (Telegram's answer is recorded when it comes),
            ``"unknown_charge"`` or ``"already_refunded"``.
        """
        payment = await asyncio.to_thread(self.records.payment, charge_id)
        paid = payment is not None and payment.user_id == user_id and payment.status == "paid"
        stars = payment.amount if paid and payment is not None else 0
        message = RefundPayment(charge_id, who, self.now(), stars)
        result: dict[str, Any] = await self.ask_player(user_id, message)
        return result

    async def grant(
        self, user_id: int, tier: str, days: int, who: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Grant or extend ``tier`` by ``days`` (once per ``idempotency_key``)."""
        message = GrantSubscription(tier, days, who, idempotency_key, self.now())
        result: dict[str, Any] = await self.ask_player(user_id, message)
        return result

    async def revoke(self, user_id: int, who: str, idempotency_key: str) -> dict[str, Any]:
        """End the player's paid tier now and remove them from the VIP channel."""
        result: dict[str, Any] = await self.ask_player(
            user_id, RevokeSubscription(who, idempotency_key, self.now())
        )
        return result

    async def adjust_besitos(
        self, user_id: int, amount: int, reason: str, who: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Credit (> 0) or debit (< 0) besitos once per ``idempotency_key``.

        Returns:
            ``{"status": "applied", "balance": n}`` or ``{"status": "insufficient_funds", ...}``.
        """
        message = AdjustBesitos(amount, reason, who, idempotency_key, self.now())
        result: dict[str, Any] = await self.ask_player(user_id, message)
        return result

    # ---- ingress side -------------------------------------------------------------------
    def _admit(self) -> None:
        if not self.records.outbox_within_budget():
            raise Overloaded("event backlog over its disk budget", retry_after_s=10.0)

    def _deliver(self, user_id: int, update: IncomingUpdate) -> None:
        self.directory.tell(user_id, Deliver(update))

    async def ask_player(self, user_id: int, message: Any, timeout: float | None = None) -> Any:
        """Ask a player's actor (activating it) without blocking the loop."""
        wait = timeout or self.settings.runtime.ask_timeout_s
        return await self.directory.ask_async(user_id, message, timeout=wait)

    # ---- actor side (pool threads) ------------------------------------------------------
    def _tell(self, user_id: int, message: Any) -> None:
        self.directory.tell(user_id, message)

    def _send(self, reply: Reply, dedupe_key: str, update_id: int | None) -> None:
        """Store a reply no records transaction carried (a poison update's apology), then
        submit it."""
        owner = update_id if update_id is not None else SYSTEM_REPLY
        stored = self.replies.put(dedupe_key, owner, reply.chat_id, reply.method, reply.params)
        if stored is None:
            return  # stored by an earlier life of this update: start-up sends it
        self._submit(reply, dedupe_key, update_id, stored)

    def _submit(
        self,
        reply: Reply,
        dedupe_key: str,
        update_id: int | None,
        stored: int,
        *,
        retry: bool = False,
    ) -> bool:
        """Hand a reply already durable in the reply outbox (row ``stored``) to the sender.

        A reply the sender refuses for a full queue is held and offered again every second,
        and so is every later reply of its chat (its row also survives a restart); one refused
        because the sender stopped waits for the next start-up. Returns False when the reply
        was not queued.
        """
        sender, loop = self.sender, self.loop
        assert sender is not None and loop is not None
        if update_id is not None and not retry:
            loop.call_soon_threadsafe(self._tracker.expect, int(update_id))
        if not retry and self._held.rows and reply.chat_id is not None:
            with self._held.lock:
                behind = self._held.holds_chat(reply.chat_id)
                if behind:
                    self._held.hold(stored, reply, dedupe_key, update_id)
            if behind:
                if update_id is not None:
                    loop.call_soon_threadsafe(self._tracker.abandon, int(update_id))
                UNQUEUED.set(len(self._held))
                return False

        def on_result(result: Any, error: Exception | None) -> None:
            self._settle(stored, update_id, error)
            if reply.result_to is not None and (result is not None or error is not None):
                user_id, tag = reply.result_to
                failure = None if error is None else f"{type(error).__name__}: {error}"[:300]
                self._tell(user_id, CallResult(tag, result, failure, self.now()))

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
            if update_id is not None:
                loop.call_soon_threadsafe(self._tracker.abandon, int(update_id))
            if isinstance(exc, SenderOverloaded) and not retry:
                with self._held.lock:
                    self._held.hold(stored, reply, dedupe_key, update_id)
                UNQUEUED.set(len(self._held))
            if not retry:
                log.error("runtime.reply_not_queued", update_id=update_id, error=type(exc).__name__)
            return False
        return True

    def _settle(self, stored: int, update_id: int | None, error: Exception | None) -> None:
        """Account for one stored reply the sender is done with (on the loop thread).

        Taken or refused for good, its row is deleted and its update may count as replied.
        Never sent because the sender stopped first, its row stays for the next start-up to
        send, and its update is never marked replied.
        """
        if isinstance(error, SenderClosed):
            if update_id is not None:
                self._tracker.abandon(update_id)
            return
        self._sent_replies.append(stored)
        if update_id is not None:
            self._tracker.done(update_id)

    def _submit_snapshot(self, state: PlayerState, transitions: int) -> None:
        self.writer.submit(self._snapshot(state), transitions=transitions)

    def _snapshot(self, state: PlayerState) -> Snapshot:
        return Snapshot(
            key=snapshot_key(state.user_id),
            version=state.snapshot_version + 1,
            last_update_id=max(state.last_update_id, -1),
            state=self.encryptor.encrypt_bytes(state.to_bytes()),
            updated_at=time.time(),
        )

    def _load(self, user_id: int) -> PlayerState:
        key = snapshot_key(user_id)
        waiting = self.writer.pending_snapshot(key)
        stored = waiting or self.store.load(key)
        if stored is None:
            state = PlayerState(user_id=user_id)
        else:
            state = PlayerState.from_bytes(self.encryptor.decrypt_bytes(stored.state))
            state.snapshot_version = stored.version - 1 if waiting else stored.version
        if user_id in self._recovering:
            self._recovering.discard(user_id)
            if stored is not None and not waiting:
                # The process died after this snapshot was durable but before the inbox prune
                # behind it committed: cover those entries now, or the player is woken again at
                # every start-up and their payloads are kept until the player's next snapshot.
                self.inbox.prune(user_id, state.last_update_id)
        replayed = 0
        for entry in self.inbox.entries_after(user_id, state.last_update_id):
            raw = entry.payload.encode() if isinstance(entry.payload, str) else entry.payload
            update = parse_update(raw, entry.received_at)
            state = apply_update(self.effects, state, update, replied=entry.replied)
            replayed += 1
        refresh_mirror(self.records, state)
        if replayed:
            self.writer.submit(self._snapshot(state), transitions=replayed)
        return state

    def _save(self, user_id: int, state: PlayerState) -> None:
        self.writer.submit(self._snapshot(state))
        self._settle_snapshot(user_id)

    def _settle_snapshot(self, user_id: int) -> None:
        """Wait until the player's submitted snapshots are durable, then forget the key."""
        key = snapshot_key(user_id)
        self.writer.flush([key], timeout=self.settings.runtime.shutdown_timeout_s)
        self.writer.forget(key)

    def _on_durable(self, snapshots: list[Snapshot]) -> None:
        self.inbox.prune_many(
            (int(snapshot.key.split(":", 1)[1]), snapshot.last_update_id) for snapshot in snapshots
        )

    async def _flush_replied(self) -> None:
        next_retry = time.monotonic() + RETRY_UNQUEUED_EVERY_S
        while True:
            await asyncio.sleep(0.25)
            await self._mark_replied()
            if self._held.rows and time.monotonic() >= next_retry:
                self._retry_unqueued()
                next_retry = time.monotonic() + RETRY_UNQUEUED_EVERY_S

    def _retry_unqueued(self) -> None:
        """Offer the held replies to the sender again, oldest first, until it refuses.

        The lock stays held meanwhile: a new reply of a held chat waits for this round.
        """
        with self._held.lock:
            for stored in sorted(self._held.rows):
                reply, dedupe_key, update_id = self._held.rows[stored]
                if not self._submit(reply, dedupe_key, update_id, stored, retry=True):
                    break
                self._held.release(stored)
        UNQUEUED.set(len(self._held))

    async def _mark_replied(self) -> None:
        sent, self._sent_replies = self._sent_replies, []
        if sent:
            await asyncio.to_thread(self.replies.done, sent)
        ids = self._tracker.take()
        if ids:
            await asyncio.to_thread(self.inbox.mark_replied_many, ids)

    async def _resend_stored_replies(self) -> None:
        """Send the replies an earlier life stored but Telegram never took, in order."""
        assert self.sender is not None
        waiting = await asyncio.to_thread(self.replies.pending)
        for row in waiting:
            self._tracker.expect(row.update_id)

            def on_result(_: Any, error: Exception | None, row: PendingReply = row) -> None:
                self._settle(row.id, row.update_id, error)

            self.sender.submit(
                row.method,
                row.params,
                chat_id=row.chat_id,
                dedupe_key=row.dedupe_key,
                on_result=on_result,
                correlation_id=_reply_correlation_id(row.update_id, row.dedupe_key),
            )
        if waiting:
            RESENT.inc(len(waiting))
            log.info("runtime.replies_resent", count=len(waiting))
