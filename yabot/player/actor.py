"""The actor that owns one player's state: it applies updates one at a time, in order."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from actors import Directory, KeyedActor, TimerHandle, default_pool
from yabot.emotion import explain
from yabot.observability.logging import (
    correlation,
    get_logger,
    update_correlation_id,
    update_fields,
)
from yabot.player.keys import EffectKeys, effect_keys
from yabot.player.logic import Outcome, PlayerLogic, Reply
from yabot.player.messages import SystemMessage
from yabot.player.snapshot_policy import SnapshotPolicy
from yabot.player.state import PlayerState, StatePacker
from yabot.player.system import SystemLogic
from yabot.resilience import Backoff
from yabot.storage.lease_source import Fenced, LoadedUnder
from yabot.storage.records import (
    BatchResult,
    OutboxFull,
    OutgoingReply,
    RecordBatch,
    RecordsError,
    RecordsStore,
    RecordsUnavailable,
)
from yabot.storage.records.replies import stored_params
from yabot.telegram.types import IncomingUpdate

log = get_logger(__name__)

TRANSITIONS = Counter("yabot_transitions_total", "Player transitions by outcome", ["outcome"])
TRANSITION_SECONDS = Histogram(
    "yabot_transition_seconds",
    "Time to apply one update in a player's actor",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
RECORDS_SECONDS = Histogram(
    "yabot_transition_records_seconds",
    "Time a transition waits for its records transaction (part of yabot_transition_seconds): "
    "the group commit that writes its batch, and the writes queued before it",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
UPDATE_WAIT_SECONDS = Histogram(
    "yabot_update_wait_seconds",
    "From an update's arrival at the webhook or poller to the start of its transition "
    "(inbox group commit, routing and the actor's mailbox)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
APPLIED = TRANSITIONS.labels("applied")  # every update: the label lookup is not free
PACKED = Counter(
    "yabot_player_states_packed_total",
    "Idle resident players' states packed into compact bytes, and unpacked for a turn",
    ["direction"],
)
PACKS, UNPACKS = PACKED.labels("packed"), PACKED.labels("unpacked")
PACK_IDLE_S = 30.0
"""The default ``runtime.pack_idle_s``: a resident player's state is packed after this long
without a message (a few hundred bytes instead of ~4 KB of objects mid-story; unpacking for
the next turn takes ~0.1 ms). None (``0`` in the settings) never packs."""
SKIPPED = TRANSITIONS.labels("already_applied")
CONSUMED = Counter(
    "yabot_updates_apologised_total",
    "Updates that could not be applied: the player got an apology and the update was consumed",
)
WAITING = Gauge(
    "yabot_updates_waiting",
    "Updates held in players' actors behind an update whose records were refused for now",
)
RETRIED = Counter(
    "yabot_updates_retried_total", "Updates applied on a retry after their records were refused"
)
DIVERGED = Counter(
    "yabot_replays_diverged_total",
    "Replayed updates whose records were partly stored already and partly new: the update was "
    "applied before to another state (a transition that is not a function of state and "
    "update, or a stale state); its new events carry other ids than the first ones",
)
REPLAYED_STORED = Counter(
    "yabot_replays_found_stored_total",
    "Replayed updates whose replies were found stored as the replay made them: their records "
    "were committed with those replies, so the replay wrote nothing",
)
REPLAY_REPLY_KEYS = 8
"""Reply keys a load looks up per replayed entry (``{base}:0`` .. ``:7``): an update with
more replies than that is replayed through the records as before."""
RELOADED = Counter(
    "yabot_player_states_reloaded_total",
    "Resident players' states reloaded from the stores because their shard was lost and "
    "acquired again since they were loaded (cluster mode)",
)
RELOADED_CONFLICT = Counter(
    "yabot_player_states_reloaded_after_conflict_total",
    "Resident players' states reloaded from the stores because a snapshot of theirs was "
    "refused for its version (another writer stored the key, or the version fell behind)",
)


@dataclass(frozen=True)
class Deliver:
    """An update for the player's actor, already durable in the inbox as entry ``seq``.

    ``legacy`` and ``replied`` describe entries stored by inbox schema 1 (see
    :mod:`yabot.player.keys`); new entries have both False.
    """

    update: IncomingUpdate
    seq: int
    legacy: bool = False
    replied: bool = False


@dataclass(frozen=True)
class Inspect:
    """Ask the actor for a consistent view of its state (for the admin API)."""


@dataclass(frozen=True)
class Wake:
    """Activate the actor so its loader replays the inbox (used at start-up recovery)."""


@dataclass(frozen=True)
class RetryWaiting:
    """Try again the update a refusal holds back (scheduled by the actor, with backoff)."""


@dataclass(frozen=True)
class SnapshotRefused:
    """A snapshot of the player was refused: the store holds ``stored_version`` (None: no
    snapshot), not the version before the one submitted. Someone else stored the key since
    the state was loaded, or the actor's version fell behind: the actor loads again (the
    snapshot store's newest plus the inbox entries it does not cover)."""

    stored_version: int | None


@dataclass(frozen=True, slots=True)
class Step:
    """What applying one update did: the new state, or ``refused`` (state unchanged, the
    update must be tried again later, and the player's later updates wait behind it)."""

    state: PlayerState
    refused: bool = False


@dataclass(frozen=True)
class Pack:
    """The actor's own reminder to pack its state if it has been idle for ``PACK_IDLE_S``."""


NOT_OWNED = 0
"""The epoch a state loaded while this member held no lease on its shard is loaded under
(acquisitions raise a shard's epoch from 0, so no lease has it)."""


class PlayerEffects:
    """What a player's actor needs from the rest of the system (all thread-safe).

    A transition's replies are stored by its records transaction, then each newly stored one
    goes to ``submit(reply, dedupe_key, update_id, reply_id, received_at, epoch)``
    (``received_at``: when the update arrived, None for replies no update caused).
    ``send(reply, dedupe_key, update_id, user_id, seq, epoch)`` stores and submits a reply no
    records transaction carries (the apology for a poison update); ``epoch``: see below.
    ``update_id`` is None for calls not caused by an update; ``tell(user_id, message)``
    reaches another player's actor. ``retry_after(user_id, delay)``
    tells the player's actor :class:`RetryWaiting` after ``delay`` seconds, and
    ``leftovers(user_id)`` hands a newly started actor the entries its loader could not apply.

    ``owner_epoch(user_id)`` (cluster mode; None on a single instance) is the epoch of this
    member's lease on the player's shard, or None while it holds none. An actor remembers
    the epoch it loaded its state under: a state loaded under an earlier ownership may miss
    entries another member applied and covered meanwhile, so it is reloaded before use. Every
    write of the state carries that epoch (``snapshot(state, transitions, epoch)``, the
    records batch's ``loaded_under``, the apology of ``send`` and the sent marks of the
    replies given to ``send`` and ``submit``): the stores refuse it once the shard's lease
    has another, even when this member holds the shard again.
    """

    def __init__(
        self,
        logic: PlayerLogic,
        records: RecordsStore,
        send: Callable[[Reply, str, int | None, int | None, int | None, int | None], None],
        snapshot: Callable[[PlayerState, int, int | None], None],
        snapshot_every: int,
        tell: Callable[[int, Any], None] | None = None,
        snapshot_every_s: float = 2.0,
        *,
        submit: Callable[[Reply, str, int | None, int, float | None, int | None], object],
        settle: Callable[[int], int | None] | None = None,
        retry_after: Callable[[int, float], None] | None = None,
        leftovers: Callable[[int], list[Deliver]] | None = None,
        owner_epoch: Callable[[int], int | None] | None = None,
        retry_backoff_s: float = 0.05,
        retry_backoff_max_s: float = 5.0,
    ) -> None:
        self.logic = logic
        self.system = SystemLogic(logic.economy, logic.vip)
        self.records = records
        self.send = send
        self.submit = submit
        self.snapshot = snapshot
        self.snapshot_every = snapshot_every
        self.snapshot_every_s = snapshot_every_s
        self.tell = tell
        self.settle = settle
        self.retry_after = retry_after
        self.leftovers = leftovers
        self.owner_epoch = owner_epoch
        self.retry_backoff = Backoff(retry_backoff_s, retry_backoff_max_s)
        self.packer = StatePacker()
        self.pack_idle_s: float | None = PACK_IDLE_S

    def loaded_epoch(self, user_id: int) -> int | None:
        """The epoch a state of ``user_id`` loaded now is loaded under, for its writes.

        None on a single instance (nothing is fenced). In cluster mode, while this member
        holds no lease on the player's shard, ``NOT_OWNED`` (no lease ever has epoch 0): the
        state's writes are refused even if the shard is acquired before they are made.
        """
        owner_epoch = self.owner_epoch
        if owner_epoch is None:
            return None
        epoch = owner_epoch(user_id)
        return NOT_OWNED if epoch is None else epoch

    def commit_records(self, batch: RecordBatch) -> BatchResult:
        """Write one transition's batch (the store group-commits batches applied at once:
        :class:`~yabot.storage.records.group_commit.GroupCommit`)."""
        return self.records.apply(batch)

    def retry_delay(self, attempt: int) -> float:
        """The delay before retry ``attempt`` (1-based): the project's backoff, with jitter."""
        return self.retry_backoff.delay(attempt)


class PlayerActor(KeyedActor[int, PlayerState]):
    """One player's actor. Its state changes only here, one update at a time, in the order
    the inbox accepted them.

    An update whose records transaction is refused for a passing reason (the events outbox
    over its disk budget, the records file busy) is kept at the head of ``_waiting`` and tried
    again with backoff; the player's later updates wait behind it, so none is skipped and the
    order holds. Entries the state already covers (``seq <= state.inbox_seq``: a hand-over
    repeated after a crash or a restart) are recognised and ignored.

    While the player is idle the state is kept packed (:class:`StatePacker`): after
    ``effects.pack_idle_s`` without a message, and at once after a ``Wake`` that nothing
    follows. Any use of ``self.state`` unpacks it first.

    Cluster mode: the state belongs to the ownership of the shard it was loaded under
    (``effects.owner_epoch``). An actor still resident when its shard comes back after a loss
    (its passivation had not run yet, or mail cancelled it) holds a state that may miss what
    the shard's owner meanwhile applied and covered with a snapshot; applying the next entry
    to it would take another path than the true state (a second daily reward, other event
    ids). So before handling a message under a new epoch the actor drops its state and its
    held updates and loads again (snapshot plus the inbox entries it does not cover).
    """

    def __init__(
        self, key: int, directory: Directory[int], *, effects: PlayerEffects, **kw: Any
    ) -> None:
        self._state: PlayerState | None = None
        self._packed: bytes | None = None
        self._changes = 0  # assignments of a different state; snapshots remember the count
        self._snapshotted_at = -1
        self._last_message = time.monotonic()
        self._pack_timer: TimerHandle | None = None
        super().__init__(key, directory, **kw)
        self.effects = effects
        self._policy = SnapshotPolicy.for_key(key, effects.snapshot_every, effects.snapshot_every_s)
        # A list, not a deque: it is empty nearly always, and an empty deque costs 760 bytes
        # per resident player (an empty list 56); it holds a few entries when it holds any.
        self._waiting: list[Deliver] = []
        self._attempts = 0
        self._epoch: int | None = None  # the shard lease's epoch the state was loaded under

    # The snapshot version stored while the state was packed (a class default: an instance
    # attribute only for the few actors a cancelled passivation leaves packed).
    _stored_version: int | None = None

    @property
    def state(self) -> PlayerState:
        """The player's state (unpacked on first use after the actor packed it)."""
        if self._packed is not None:
            self._state = self.effects.packer.unpack(self._packed)
            self._packed = None
            UNPACKS.inc()
            if self._stored_version is not None:
                self._state.snapshot_version = self._stored_version
                self._stored_version = None
        assert self._state is not None, "the state is loaded in on_start"
        return self._state

    @state.setter
    def state(self, value: PlayerState) -> None:
        if value is not self._state or self._packed is not None:
            self._changes += 1
            if self._stored_version is not None:  # (a state loaded anew knows its version)
                self._stored_version = None
        self._state, self._packed = value, None

    def on_start(self) -> None:
        # Before the load: a change meanwhile is seen at the next message.
        self._epoch = self.effects.loaded_epoch(self.actor_key)
        super().on_start()
        self._loaded()

    def _loaded(self) -> None:
        self._snapshotted_at = self._changes  # what the store holds, or the writer was given
        if self.effects.leftovers is not None:
            self._waiting.extend(self.effects.leftovers(self.actor_key))
            if self._waiting:
                self._hold()

    def _owner_epoch(self) -> int | None:
        owner_epoch = self.effects.owner_epoch
        return None if owner_epoch is None else owner_epoch(self.actor_key)

    def _reload_if_stale(self) -> None:
        """Load the state again if the shard was acquired anew since it was loaded."""
        if self.effects.owner_epoch is None:
            return
        epoch = self._owner_epoch()
        if epoch is None or epoch == self._epoch:
            # Not ours now (its writes are fenced) or the same ownership: nothing to redo.
            return
        RELOADED.inc()
        log.warning(
            "player.reloaded_after_handoff",
            user_id=self.actor_key,
            loaded_epoch=self._epoch,
            epoch=epoch,
            inbox_seq=self.state.inbox_seq,
            dropped_waiting=len(self._waiting),
        )
        self._reload(epoch)

    def _reload(self, epoch: int | None) -> None:
        """Drop the state and the held updates, and load again (under ``epoch``)."""
        # Held updates are still in the inbox: the load replays them (or they are covered).
        WAITING.dec(len(self._waiting))
        self._waiting = []
        self._attempts = 0
        self._epoch = epoch
        self.load_state()
        self._loaded()

    def _snapshot_refused(self, message: SnapshotRefused) -> None:
        """Load again unless the state already follows the stored version (its next
        snapshot lands: a refusal of an older submission, or a fresh activation)."""
        stored = message.stored_version
        if stored is not None and self.state.snapshot_version >= stored:
            return
        RELOADED_CONFLICT.inc()
        log.warning(
            "player.reloaded_after_snapshot_conflict",
            user_id=self.actor_key,
            snapshot_version=self.state.snapshot_version,
            stored_version=stored,
            inbox_seq=self.state.inbox_seq,
        )
        self._reload(self.effects.loaded_epoch(self.actor_key))

    def save(self) -> None:
        """Save the state on passivation (unless the writer already has it: no transition
        since the load or the last snapshot) and wait for the snapshot to be durable.

        The state's ``snapshot_version`` then follows what the writer stored: the writer
        forgets the key, and a passivation cancelled by new mail goes on submitting
        versions after the stored one (not the version it restored: they would conflict).
        """
        settle = self.effects.settle
        if settle is None:
            super().save()
            return
        if self._snapshotted_at != self._changes:
            self._snapshot(1)  # with the epoch the state was loaded under
        stored = settle(self.actor_key)
        if stored is not None:
            if self._packed is not None:
                self._stored_version = stored  # set on the state when it is unpacked
            else:
                self.state.snapshot_version = stored

    def _snapshot(self, transitions: int) -> None:
        self.effects.snapshot(self.state, transitions, self._epoch)
        self._snapshotted_at = self._changes

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Pack):
            self._pack_timer = None
            self._pack_if_idle()
            return None
        self._last_message = time.monotonic()
        try:
            return self._receive(message)
        finally:
            if isinstance(message, Wake) and self.actor_inbox.empty():
                if self.effects.pack_idle_s is not None:
                    self._pack()
            else:
                self._arm_pack()

    def _pack(self) -> None:
        if self._packed is None and self._state is not None and not self._waiting:
            self._packed = self.effects.packer.pack(self._state)
            self._state = None
            PACKS.inc()

    def _pack_if_idle(self) -> None:
        idle_s = self.effects.pack_idle_s
        if idle_s is None or self._packed is not None:
            return
        if time.monotonic() - self._last_message >= idle_s:
            self._pack()
        else:
            self._arm_pack()

    def _arm_pack(self) -> None:
        idle_s = self.effects.pack_idle_s
        if idle_s is None or self._pack_timer is not None or self._packed is not None:
            return
        ref = self.actor_ref
        pool = type(self).pool or default_pool()

        def remind() -> None:
            try:
                ref.tell(Pack())
            except Exception:  # stopped, or its mailbox is full: it packs on a later message
                return

        delay = max(0.0, idle_s - (time.monotonic() - self._last_message))
        self._pack_timer = pool.call_later(delay + 0.01, remind)

    def _receive(self, message: Any) -> Any:
        self._reload_if_stale()
        if isinstance(message, Deliver):
            self.deliver(message)
            return None
        if isinstance(message, RetryWaiting):
            self._drain()
            return None
        if isinstance(message, Inspect):
            return inspect_state(self.state)
        if isinstance(message, SnapshotRefused):
            self._snapshot_refused(message)
            return None
        if isinstance(message, Wake):
            return self.state.inbox_seq
        if isinstance(message, SystemMessage):
            self.state, result = apply_system(self.effects, self.state, message, epoch=self._epoch)
            self._snapshot(self._policy.taken() + 1)
            return result
        raise TypeError(f"player actor got an unknown message: {type(message).__name__}")

    def deliver(self, message: Deliver) -> None:
        """Apply one inbox entry, or queue it behind a refused one; ignore one already had."""
        newest = self._waiting[-1].seq if self._waiting else self.state.inbox_seq
        if message.seq <= newest:
            SKIPPED.inc()
            return
        if self._waiting:
            self._waiting.append(message)
            WAITING.inc()
            return
        if not self._apply(message):
            self._waiting.append(message)
            WAITING.inc()
            self._hold()

    def apply(self, update: IncomingUpdate, seq: int) -> None:
        """Apply ``update`` (inbox entry ``seq``) now (see :meth:`deliver`)."""
        self.deliver(Deliver(update, seq))

    def _apply(self, message: Deliver) -> bool:
        update = message.update
        UPDATE_WAIT_SECONDS.observe(max(0.0, time.time() - update.received_at))
        step = apply_update(
            self.effects,
            self.state,
            update,
            seq=message.seq,
            legacy=message.legacy,
            replied=message.replied,
            epoch=self._epoch,
        )
        if step.refused:
            return False
        self.state = step.state
        if self._policy.transition(time.monotonic()):
            self._snapshot(self._policy.taken())
        return True

    def _drain(self) -> None:
        while self._waiting:
            if not self._apply(self._waiting[0]):
                self._hold()
                return
            self._waiting.pop(0)
            WAITING.dec()
            if self._attempts:
                RETRIED.inc()
            self._attempts = 0

    def _hold(self) -> None:
        """Schedule the next try of the update at the head of ``_waiting``."""
        self._attempts += 1
        delay = self.effects.retry_delay(self._attempts)
        if self.effects.retry_after is not None:
            self.effects.retry_after(self.actor_key, delay)
        log.warning(
            "player.update_held",
            user_id=self.actor_key,
            waiting=len(self._waiting),
            attempt=self._attempts,
            retry_in_s=round(delay, 3),
            **update_fields(self._waiting[0].update.update_id),
        )

    def on_stop(self) -> None:
        if self._pack_timer is not None:
            self._pack_timer.cancel()
        WAITING.dec(len(self._waiting))  # still in the inbox: the next activation replays them
        super().on_stop()


def apply_update(
    effects: PlayerEffects,
    state: PlayerState,
    update: IncomingUpdate,
    *,
    seq: int,
    legacy: bool = False,
    replied: bool = False,
    epoch: int | None = None,
    stored_replies: Mapping[str, tuple[str, str]] | None = None,
) -> Step:
    """Run one transition and its effects; return the new state, or a refusal.

    ``stored_replies`` (a replay, see :func:`replay_reply_keys`): the stored replies among the
    entry's reply keys. When they are exactly the replies the transition makes (same keys,
    methods and parameters, and no further one), the entry was applied before from this
    state: its records were committed in the transaction that stored those replies, so
    nothing is written or sent again (its tells are told, as a replay does).

    ``epoch`` (cluster mode): the epoch of the shard's lease ``state`` was loaded under; the
    records are written only while the lease has it (a refusal is one for now: the caller
    reloads the state under the new epoch and applies the entry again).

    Records and replies are stored in one SQLite transaction (idempotent by the keys of inbox
    entry ``seq``), then the replies are submitted. A transition that raises, or records
    refused for good (a debit beyond the balance, an unknown payment), consume the update with
    an apology to the player. Records refused for now (the events outbox over its budget, the
    records file unavailable) leave ``state`` unchanged and return ``refused``: the caller
    tries again later.
    """
    started = time.perf_counter()
    keys = effect_keys(update.update_id, seq, legacy=legacy)
    with correlation(
        update_correlation_id(update.update_id), user_id=state.user_id, update_id=update.update_id
    ):
        try:
            outcome: Outcome = effects.logic.handle(state, update, keys)
        except Exception:
            TRANSITIONS.labels("error").inc()
            log.exception("player.transition_failed", kind=update.kind)
            return _consumed(effects, state, state, update, seq, keys, epoch)
        outcome.state.inbox_seq = seq
        if stored_replies and not replied and _found_stored(outcome, keys.replies, stored_replies):
            REPLAYED_STORED.inc()
            _tell(effects, outcome)
            return Step(outcome.state)
        try:
            new_state = _record(
                effects,
                outcome,
                replied=replied,
                dedupe=keys.replies,
                update_id=update.update_id,
                seq=seq,
                received_at=update.received_at,
                epoch=epoch,
            )
        except (OutboxFull, RecordsUnavailable, sqlite3.OperationalError, Fenced) as exc:
            TRANSITIONS.labels(
                "rejected_outbox_full" if isinstance(exc, OutboxFull) else "rejected_unavailable"
            ).inc()
            log.error("player.records_refused_for_now", kind=update.kind, error=type(exc).__name__)
            return Step(state, refused=True)
        except RecordsError as exc:
            TRANSITIONS.labels("rejected_records").inc()
            log.error("player.records_refused", kind=update.kind, error=type(exc).__name__)
            return _consumed(effects, state, _refreshed(effects, state), update, seq, keys, epoch)
        APPLIED.inc()
        TRANSITION_SECONDS.observe(time.perf_counter() - started)
        return Step(new_state)


def apply_system(
    effects: PlayerEffects, state: PlayerState, message: SystemMessage, *, epoch: int | None = None
) -> tuple[PlayerState, Any]:
    """Run a non-update transition (scheduler, call result, admin request) and its effects
    (``epoch``: as for :func:`apply_update`).

    Returns:
        The new state and the transition's result (what an ``ask`` gets back). A refused
        batch leaves the state unchanged and returns ``{"status": "refused", ...}``.
    """
    kind = type(message).__name__
    with correlation(f"sys:{kind}", user_id=state.user_id):
        try:
            outcome = effects.system.handle(state, message)
            new_state = _record(
                effects,
                outcome,
                replied=False,
                dedupe=outcome.key_base,
                update_id=None,
                seq=None,
                epoch=epoch,
            )
        except (RecordsError, Fenced) as exc:
            TRANSITIONS.labels("rejected_records").inc()
            log.error("player.system_refused", message=kind, error=type(exc).__name__)
            return _refreshed(effects, state), {"status": "refused", "error": str(exc)[:200]}
        except Exception:
            TRANSITIONS.labels("error").inc()
            log.exception("player.system_failed", message=kind)
            return state, {"status": "error"}
    TRANSITIONS.labels("applied_system").inc()
    return new_state, outcome.result


def _record(
    effects: PlayerEffects,
    outcome: Outcome,
    *,
    replied: bool,
    dedupe: str,
    update_id: int | None,
    seq: int | None,
    received_at: float | None = None,
    epoch: int | None = None,
) -> PlayerState:
    """Apply the outcome's records and store its replies in one transaction, then submit the
    replies and send its tells.

    A reply whose dedupe key is already stored (a replayed update) is neither stored nor
    submitted again: it was submitted by its first life, or start-up resends it. When the
    records DB already held the outcome's ``guard`` the work was done before (a payment
    delivered twice, a job run again after a restart): nothing is sent again and the mirror
    is refreshed from the records.
    """
    guard = outcome.guard
    # Only this actor writes this player's keys, so checking first cannot race.
    if guard is not None and effects.records.job_ran_at(guard) is not None:
        TRANSITIONS.labels("already_done").inc()
        log.info("player.already_done", guard=guard)
        outcome.result = {"status": "duplicate"}
        return _refreshed(effects, outcome.state)
    if not replied:
        user_id = outcome.state.user_id if seq is not None else None
        outcome.batch.replies = [
            OutgoingReply(
                f"{dedupe}:{index}",
                update_id,
                reply.chat_id,
                reply.method,
                reply.params,
                user_id,
                seq,
            )
            for index, reply in enumerate(outcome.replies)
        ]
    if epoch is not None:
        outcome.batch.loaded_under = LoadedUnder(outcome.state.user_id, epoch)
    committing = time.perf_counter()
    result: BatchResult = effects.commit_records(outcome.batch)
    RECORDS_SECONDS.observe(time.perf_counter() - committing)
    if seq is not None and not replied and _diverged(result):
        DIVERGED.inc()
        log.error(
            "player.replay_diverged",
            seq=seq,
            events_written=result.events_written,
            duplicates=result.duplicates[:5],
            replies_new=sum(1 for r in result.reply_ids if r is not None),
            replies_stored=sum(1 for r in result.reply_ids if r is None),
        )
    if any(d.startswith("ledger:") for d in result.duplicates):
        outcome.state.economy.balance = effects.records.balance(outcome.state.user_id)
    if not replied:
        for index, reply_id in enumerate(result.reply_ids):
            if reply_id is not None:
                effects.submit(
                    outcome.replies[index],
                    f"{dedupe}:{index}",
                    update_id,
                    reply_id,
                    received_at,
                    epoch,
                )
        _tell(effects, outcome)
    return outcome.state


def _tell(effects: PlayerEffects, outcome: Outcome) -> None:
    """Send the outcome's messages to other actors."""
    if effects.tell is not None:
        for user_id, message in outcome.tells:
            effects.tell(user_id, message)


def replay_reply_keys(update_id: int, seq: int, *, legacy: bool = False) -> list[str]:
    """The reply keys a load looks up for the inbox entry ``seq`` before replaying it (for
    ``apply_update(stored_replies=)``); none for a legacy entry (applied by its own rule)."""
    if legacy:
        return []
    base = effect_keys(update_id, seq).replies
    return [f"{base}:{index}" for index in range(REPLAY_REPLY_KEYS)]


def _found_stored(outcome: Outcome, base: str, stored: Mapping[str, tuple[str, str]]) -> bool:
    """Whether ``stored`` holds exactly ``outcome``'s replies under ``base`` (see
    :func:`apply_update`). A guarded outcome (a payment, a job) goes through its guard."""
    count = len(outcome.replies)
    if outcome.guard is not None or not 0 < count < REPLAY_REPLY_KEYS:
        return False
    if f"{base}:{count}" in stored:
        return False
    for index, reply in enumerate(outcome.replies):
        found = stored.get(f"{base}:{index}")
        if found is None or found != (reply.method, stored_params(reply.params)):
            return False
    return True


_UPDATE_KEYED = ("event:", "ledger:", "item:")  # keys derived from the entry's (EffectKeys)


def _diverged(result: BatchResult) -> bool:
    """Whether an update's batch found some of its keyed parts (events, ledger entries, items,
    replies) stored already and wrote others anew.

    A replay of the same entry from the same state finds all of them (the first run wrote
    them in one transaction; an entry's replies are kept until a snapshot covers it), and a
    first run finds none. Both at once: the entry was applied before to another state.
    """
    stored = any(d.startswith(_UPDATE_KEYED) for d in result.duplicates) or any(
        r is None for r in result.reply_ids
    )
    new = (
        result.events_written > 0
        or any(not entry.duplicate for entry in result.ledger)
        or any(r is not None for r in result.reply_ids)
    )
    return stored and new


def _refreshed(effects: PlayerEffects, state: PlayerState) -> PlayerState:
    """``state`` with its economy and membership mirrors re-read from the records DB."""
    fresh = PlayerState.from_bytes(state.to_bytes())
    refresh_mirror(effects.records, fresh)
    return fresh


def refresh_mirror(records: RecordsStore, state: PlayerState) -> None:
    """Overwrite the balance, items and membership mirrors with what the records DB holds."""
    state.economy.balance = records.balance(state.user_id)
    for item in records.items(state.user_id):
        if item.item not in state.economy.items:
            state.economy.items.append(item.item)
    sub = records.subscription(state.user_id)
    m = state.membership
    if sub is None:
        return
    if sub.status == "active" and sub.ends_at is not None:
        m.tier, m.status, m.started_at, m.ends_at = sub.tier, "active", sub.started_at, sub.ends_at
    else:
        m.tier, m.status, m.in_channel = "free", sub.status, False
        m.ends_at = sub.ends_at or 0.0


def _consumed(
    effects: PlayerEffects,
    state: PlayerState,
    current: PlayerState,
    update: IncomingUpdate,
    seq: int,
    keys: EffectKeys,
    epoch: int | None,
) -> Step:
    """:func:`_failed` on ``current``, or a refusal for now (``state`` unchanged) when its
    apology cannot be stored now: the records store out of reach, or the write fenced (the
    shard is no longer ours, or no longer under the ``epoch`` the state was loaded under:
    the actor reloads before it tries again)."""
    try:
        return Step(_failed(effects, current, update, seq, keys, epoch))
    except (RecordsUnavailable, Fenced) as exc:
        log.error("player.apology_refused_for_now", kind=update.kind, error=type(exc).__name__)
        return Step(state, refused=True)


def _failed(
    effects: PlayerEffects,
    state: PlayerState,
    update: IncomingUpdate,
    seq: int,
    keys: EffectKeys,
    epoch: int | None = None,
) -> PlayerState:
    """Consume an update that cannot be applied: apologise to the player (a durable reply,
    fenced by the ``epoch`` the state was loaded under, like the records) and record in the
    state that its inbox entry was consumed; keep going."""
    from yabot.i18n import t

    chat_id = update.chat_id if update.chat_id is not None else state.user_id
    effects.send(
        Reply("sendMessage", {"chat_id": chat_id, "text": t("error", state.language)}, chat_id),
        f"{keys.replies}:error",
        update.update_id,
        state.user_id,
        seq,
        epoch,
    )
    CONSUMED.inc()
    new_state = PlayerState.from_bytes(state.to_bytes())
    new_state.last_update_id = update.update_id
    new_state.inbox_seq = seq
    return new_state


def inspect_state(state: PlayerState) -> dict[str, Any]:
    """A JSON-safe, consistent view of a player's state (taken inside the actor's turn)."""
    story = state.story
    return {
        "user_id": state.user_id,
        "language": state.language,
        "last_update_id": state.last_update_id,
        "inbox_seq": state.inbox_seq,
        "transitions": state.transitions,
        "story": {
            "story_id": story.story_id,
            "version": story.version,
            "turn": story.turn,
            "chapter": story.chapter,
            "scene": story.scene,
            "scenes_read": story.scenes_read,
            "question": story.question,
            "ended": story.ended,
        },
        "signature": explain(state.signature),
        "economy": {
            "balance": state.economy.balance,
            "daily_day": state.economy.daily_day,
            "daily_streak": state.economy.daily_streak,
            "items": list(state.economy.items),
            "counts": dict(state.economy.counts),
            "missions_done": list(state.economy.missions_done),
        },
        "membership": {
            "tier": state.membership.tier,
            "ends_at": state.membership.ends_at,
            "status": state.membership.status,
            "in_channel": state.membership.in_channel,
            "charges": [list(c) for c in state.membership.charges],
        },
    }


def player_actor_class(mailbox_limit: int, messages_per_turn: int) -> type[PlayerActor]:
    """``PlayerActor`` with the configured mailbox bound and turn size
    (``runtime.mailbox_limit``, ``runtime.messages_per_turn``)."""
    return type(
        "PlayerActor",
        (PlayerActor,),
        {
            "mailbox_limit": mailbox_limit,
            "turn_size": messages_per_turn,
            "__module__": __name__,
            "__doc__": PlayerActor.__doc__,
        },
    )
