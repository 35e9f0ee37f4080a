"""Players' durable state: load, replay, recovery, snapshots and pruning.

``PlayerRepository`` is the Directory's loader and saver for player actors. A player's state
is its newest snapshot (decrypted) plus the player's inbox entries the snapshot does not cover
(``seq`` above ``state.inbox_seq``), replayed in arrival order. Once a snapshot is durable,
the inbox entries and the sent replies it covers are pruned.

The rule for whether an update was applied is the inbox's arrival order, never the Telegram
``update_id``: an update whose id is lower than any before (Telegram's ids after a quiet week)
is applied like any other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from yabot.observability.logging import get_logger
from yabot.player.actor import (
    Deliver,
    PlayerEffects,
    SnapshotRefused,
    apply_update,
    refresh_mirror,
    replay_reply_keys,
)
from yabot.player.state import PlayerState
from yabot.security.crypto import Encryptor
from yabot.shards import shard_of
from yabot.storage.inbox import InboxEntry, InboxStore
from yabot.storage.records import RecordsStore
from yabot.storage.replies import ReplyOutbox
from yabot.storage.snapshots import Snapshot, SnapshotConflict, SnapshotStore
from yabot.storage.snapshots.writer import SnapshotWriter
from yabot.telegram.types import parse_stored_update

log = get_logger(__name__)

FORGET_SENT_EVERY_S = 60.0


def snapshot_key(user_id: int) -> str:
    """The snapshot key of a player."""
    return f"user:{user_id}"


def _user_of(key: str) -> int:
    return int(key.split(":", 1)[1])


def _deliver(entry: InboxEntry) -> Deliver:
    update = parse_stored_update(entry.payload, entry.received_at)
    return Deliver(update, entry.seq, entry.legacy, entry.replied)


class PlayerRepository:
    """Loads, replays, snapshots and prunes players' state.

    Args:
        store: Where snapshots live.
        writer: The snapshot writer (group commits) over ``store``.
        inbox: The durable inbox.
        encryptor: Encrypts snapshot states.
        records: The records database (mirrors are refreshed from it at load).
        replies: The reply outbox (sent replies a snapshot covers are forgotten).
        shards: ``runtime.shards``.
        shutdown_timeout_s: How long a passivation waits for its snapshot to be durable.
        sent_retention_s: Sent replies older than this are forgotten even when no snapshot
            covered their update (the inbox's dedupe retention).
    """

    def __init__(
        self,
        store: SnapshotStore,
        writer: SnapshotWriter,
        inbox: InboxStore,
        encryptor: Encryptor,
        records: RecordsStore,
        replies: ReplyOutbox,
        *,
        shards: int,
        shutdown_timeout_s: float = 5.0,
        sent_retention_s: float = 172_800.0,
    ) -> None:
        self.store = store
        self.writer = writer
        self.inbox = inbox
        self.encryptor = encryptor
        self.records = records
        self.replies = replies
        self.shards = shards
        self._shutdown_timeout_s = shutdown_timeout_s
        self._sent_retention_s = sent_retention_s
        self._next_forget = 0.0
        self._effects: PlayerEffects | None = None
        self._recovering: set[int] = set()
        self._leftovers: dict[int, list[Deliver]] = {}
        self._lock = threading.Lock()
        # How a refused snapshot reaches the player's actor: the runtime tells resident actors
        # only (one that is gone loads afresh anyway); by default ``effects.tell``.
        self.tell_actor: Callable[[int, Any], None] | None = None
        writer.on_durable(self._on_durable)
        writer.on_conflict(self._on_conflict)

    def bind(self, effects: PlayerEffects) -> None:
        """Set the effects replays run with (they need this repository's ``submit``)."""
        self._effects = effects

    # ---- recovery -------------------------------------------------------------------------
    def players_to_recover(self) -> list[int]:
        """Players with inbox entries no durable snapshot covers (wake them at start-up)."""
        pending = self.inbox.pending_users()
        with self._lock:
            self._recovering = set(pending)
        return pending

    # ---- the Directory's loader and saver -------------------------------------------------
    def load(self, user_id: int) -> PlayerState:
        """The player's state: newest snapshot plus the inbox entries it does not cover.

        The newest snapshot is the one this process's writer still holds for the player,
        unless the store already has its version (a member that lost the shard and got it
        back while its last snapshot waited, and was refused: see :meth:`_newest_snapshot`).

        Entries are replayed in arrival order; one whose replies are found stored as its replay
        makes them was applied before and writes nothing again (see ``apply_update``). If one
        is refused for now (its records could not be written), it and the later ones are kept
        for the actor (:meth:`take_leftovers`), which tries them again with backoff.
        """
        effects = self._effects
        assert effects is not None, "bind() the effects first"
        # Cluster mode: what the replay writes is fenced by the epoch the state is loaded under.
        epoch = effects.loaded_epoch(user_id)
        key = snapshot_key(user_id)
        stored, waiting = self._newest_snapshot(key)
        if stored is None:
            state = PlayerState(user_id=user_id)
        else:
            state = PlayerState.from_bytes(self.encryptor.decrypt_bytes(stored.state))
            state.snapshot_version = stored.version - 1 if waiting else stored.version
        with self._lock:
            recovering = user_id in self._recovering
            self._recovering.discard(user_id)
        if recovering and stored is not None and not waiting:
            # The process died after this snapshot was durable but before the inbox prune
            # behind it committed: cover those entries now, or the player is woken again at
            # every start-up and their payloads are kept until the player's next snapshot.
            self.inbox.prune(user_id, state.inbox_seq)
        replayed = 0
        entries = self.inbox.entries_after(user_id, state.inbox_seq)
        stored_replies = self.stored_replies(entries)
        for index, entry in enumerate(entries):
            if entry.legacy and entry.update_id <= state.last_update_id:
                # Stored by inbox schema 1 and applied under its rule (update_id order).
                state.inbox_seq = entry.seq
                replayed += 1
                continue
            message = _deliver(entry)
            step = apply_update(
                effects,
                state,
                message.update,
                seq=entry.seq,
                legacy=entry.legacy,
                replied=entry.replied,
                epoch=epoch,
                stored_replies=stored_replies,
            )
            if step.refused:
                held = [message, *(_deliver(e) for e in entries[index + 1 :])]
                with self._lock:
                    self._leftovers[user_id] = held
                log.warning("player.replay_held", user_id=user_id, waiting=len(held))
                break
            state = step.state
            replayed += 1
        refresh_mirror(self.records, state)
        if replayed:
            self.writer.submit(self.snapshot_of(state, epoch), transitions=replayed)
        return state

    def stored_replies(self, entries: Sequence[InboxEntry]) -> dict[str, tuple[str, str]]:
        """The stored replies of ``entries`` (kept until a snapshot covers an entry): an entry
        applied before replays from the same state to the same replies, found here, and
        writes nothing again (``apply_update(stored_replies=)``)."""
        keys = [k for e in entries for k in replay_reply_keys(e.update_id, e.seq, legacy=e.legacy)]
        return self.records.replies_stored(keys) if keys else {}

    def _newest_snapshot(self, key: str) -> tuple[Snapshot | None, bool]:
        """The newest snapshot of ``key`` and whether it is the writer's waiting one: that
        one, unless the store already has a snapshot of its version (or a later one).

        Cluster mode: a snapshot still waiting from an earlier ownership of the shard (lost,
        then acquired again) may miss what another member applied and covered meanwhile;
        built on, the state would take other paths than the true one (and its snapshots would
        never land: their version is behind). Whatever another writer stored since the
        waiting snapshot's base has the waiting one's version or a later one (versions are
        compare-and-set, +1 per write), a snapshot covering more entries included: one test
        finds them all. When the store cannot be read, the waiting snapshot is used (it exists
        for that case: a snapshot store that is down).
        """
        waiting = self.writer.pending_snapshot(key)
        if waiting is None:
            return self.store.load(key), False
        try:
            durable = self.store.load(key)
        except Exception as exc:  # the store is down: the waiting snapshot is the newest we know
            log.warning("player.snapshot_store_unreadable", key=key, error=type(exc).__name__)
            return waiting, True
        if durable is not None and durable.version >= waiting.version:
            # The waiting snapshot would conflict; its entries are still in the inbox,
            # replayed on the stored one.
            log.warning(
                "player.pending_snapshot_stale",
                key=key,
                seq=waiting.seq,
                stored_seq=durable.seq,
                version=waiting.version,
                stored_version=durable.version,
            )
            return durable, False
        return waiting, True

    def take_leftovers(self, user_id: int) -> list[Deliver]:
        """The entries the last :meth:`load` of ``user_id`` could not apply (once)."""
        with self._lock:
            return self._leftovers.pop(user_id, [])

    def save(self, user_id: int, state: PlayerState) -> None:
        """Snapshot ``state`` and wait until it is durable (passivation, shutdown); the
        state's ``snapshot_version`` follows what was stored (see :meth:`settle`)."""
        self.writer.submit(self.snapshot_of(state))
        stored = self.settle(user_id)
        if stored is not None:
            state.snapshot_version = stored

    def settle(self, user_id: int) -> int | None:
        """Wait until the player's submitted snapshots are durable, then forget the key.

        Returns:
            The version the writer last stored of the player's key (None if it stored none
            since the load, or the last was refused). The writer forgets the key: an actor
            that goes on (its passivation was cancelled by new mail) submits the versions
            after this one, or each of its later snapshots would conflict.
        """
        key = snapshot_key(user_id)
        self.writer.flush([key], timeout=self._shutdown_timeout_s)
        stored = self.writer.durable_version(key)
        self.writer.forget(key)
        return stored

    # ---- snapshots ------------------------------------------------------------------------
    def submit(self, state: PlayerState, transitions: int, epoch: int | None = None) -> None:
        """Hand a snapshot of ``state`` to the writer (it covers ``transitions`` updates;
        ``epoch``: of the shard's lease the state was loaded under, cluster mode)."""
        self.writer.submit(self.snapshot_of(state, epoch), transitions=transitions)

    def snapshot_of(self, state: PlayerState, epoch: int | None = None) -> Snapshot:
        """The encrypted snapshot of ``state`` (the next version of the player's key),
        fenced by ``epoch`` (cluster mode: see :class:`Snapshot`)."""
        return Snapshot(
            key=snapshot_key(state.user_id),
            version=state.snapshot_version + 1,
            seq=state.inbox_seq,
            state=self.encryptor.encrypt_bytes(state.to_bytes()),
            updated_at=time.time(),
            shard=shard_of(state.user_id, self.shards),
            epoch=epoch,
        )

    def _on_conflict(self, conflict: SnapshotConflict) -> None:
        """A snapshot was refused for its version (the writer thread): the player's actor
        loads again (:class:`SnapshotRefused`); the inbox keeps what the snapshot covered."""
        tell = self.tell_actor or (None if self._effects is None else self._effects.tell)
        if tell is None:
            return
        try:
            tell(_user_of(conflict.key), SnapshotRefused(conflict.stored_version))
        except Exception as exc:  # stopping, or its mailbox is full: its next load is fresh
            log.warning(
                "player.snapshot_conflict_not_told", key=conflict.key, error=type(exc).__name__
            )

    def _on_durable(self, snapshots: Sequence[Snapshot]) -> None:
        covered = [(_user_of(s.key), s.seq) for s in snapshots]
        epochs = {_user_of(s.key): s.epoch for s in snapshots if s.epoch is not None}
        self.inbox.prune_many(covered, epochs=epochs or None)
        now = time.time()
        sent_before = None
        if now >= self._next_forget:
            self._next_forget = now + FORGET_SENT_EVERY_S
            sent_before = now - self._sent_retention_s
        self.replies.forget_covered(covered, sent_before=sent_before)
