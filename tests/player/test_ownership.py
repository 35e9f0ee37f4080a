"""A shard lost and acquired again (cluster mode): a player's state from the earlier ownership
is never built on. Otherwise an update applied on that stale state and replayed later from the
shared stores takes two paths: two ``update.processed`` events with different ids for one
update, and a second daily reward (what ``scripts/chaos`` counted as a doubled event).

Two members share the real stores (inbox, snapshots, records); each has its own snapshot
writer, repository and actors, and reads its lease epoch from a field the test sets.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from prometheus_client import REGISTRY

from actors import Directory, WorkerPool, use_pool
from loadtests.drive import make_update
from tests.economy.world import T0, World, world_settings
from yabot.player.actor import Deliver, Inspect, PlayerEffects, apply_update, player_actor_class
from yabot.player.repository import PlayerRepository, snapshot_key
from yabot.security.crypto import Encryptor
from yabot.storage.inbox import Inbox
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.snapshots.writer import SnapshotWriter
from yabot.telegram.types import parse_update

USER = 7_001
SHARDS = 8


def diverged() -> float:
    """Replays reported as taking another path than their first run."""
    return REGISTRY.get_sample_value("yabot_replays_diverged_total") or 0.0


class Shared:
    """The stores every member shares (records with events kept for the relay)."""

    def __init__(self, tmp_path: Path) -> None:
        settings = world_settings(tmp_path / "data", YABOT_EVENTS__REDIS_URL="redis://127.0.0.1:9")
        self.world = World(settings)
        self.encryptor = Encryptor([Fernet.generate_key()])
        self.inbox = Inbox(tmp_path / "inbox.sqlite3", encryptor=self.encryptor, shards=SHARDS)
        self.store = SqliteSnapshotStore(tmp_path / "snapshots.sqlite3")

    def append(self, update_id: int, text: str, at: float) -> Deliver:
        """Accept an update into the shared inbox; the hand-over of its entry."""
        raw = json.dumps(make_update(update_id, USER, text)).encode()
        entry = self.inbox.append(update_id, USER, raw, at)
        return Deliver(parse_update(raw, at), entry.seq)

    def processed(self) -> Counter[int]:
        """``update.processed`` event ids per update id, as the outbox holds them."""
        ids: dict[int, set[str]] = {}
        for row in self.world.records.outbox_pending(10_000):
            if row.type == "update.processed":
                update_id = json.loads(row.body)["payload"]["update_id"]
                ids.setdefault(update_id, set()).add(row.event_id)
        return Counter({update_id: len(found) for update_id, found in ids.items()})

    def daily_rewards(self) -> int:
        movements = self.world.records.movements(USER, 100)
        return sum(1 for m in movements if m.reason == "daily reward")

    def close(self) -> None:
        self.inbox.close()
        self.store.close()
        self.world.close()


class Member:
    """One member's side of the player: snapshot writer, repository and actors."""

    def __init__(self, shared: Shared, name: str, *, writing: bool = True) -> None:
        self.shared = shared
        self.epoch: int | None = None  # of its lease on the player's shard
        self.writer = SnapshotWriter(shared.store, every_transitions=1, every_s=0.01)
        world = shared.world
        self.repo = PlayerRepository(
            shared.store,
            self.writer,
            shared.inbox,
            shared.encryptor,
            world.records,
            world.replies,
            shards=SHARDS,
            shutdown_timeout_s=0.5,
        )
        self.effects = PlayerEffects(
            world.logic,
            world.records,
            world.effects.send,
            self.repo.submit,
            1,
            submit=world.effects.submit,
            settle=self.repo.settle,
            leftovers=self.repo.take_leftovers,
            owner_epoch=lambda user_id: self.epoch,
        )
        self.effects.pack_idle_s = None
        self.repo.bind(self.effects)
        self.directory: Directory[int] = Directory(
            player_actor_class(100, 10),
            self.repo.load,
            self.repo.save,
            name=name,
            idle_timeout=None,
            actor_kwargs={"effects": self.effects},
        )
        if writing:
            self.writer.start()

    def hand_over(self, deliver: Deliver) -> dict[str, object]:
        """Tell the entry to the player's actor; its state once the entry was handled."""
        self.directory.tell(USER, deliver)
        view: dict[str, object] = self.directory.ask(USER, Inspect()).get(timeout=10)
        return view

    def settle(self) -> None:
        assert self.writer.flush(timeout=10)

    def stop(self) -> None:
        self.directory.stop_all(timeout=10)
        self.writer.stop(5)


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Shared]:
    pool = WorkerPool(2, name="ownership-test")
    use_pool(pool)
    parts = Shared(tmp_path)
    try:
        yield parts
    finally:
        use_pool(None)
        pool.shutdown(timeout=5.0)
        parts.close()


def test_an_actor_resident_from_an_earlier_ownership_reloads_before_applying(
    shared: Shared,
) -> None:
    a, b = Member(shared, "a"), Member(shared, "b")
    reported = diverged()
    try:
        # A owns the shard (epoch 1): the player plays, A's snapshot covers it.
        a.epoch = 1
        a.hand_over(shared.append(101, "/c1", T0))
        a.settle()
        # A is paused past its lease: B takes the shard over (epoch 2) and applies the daily
        # reward; B's snapshot covers it, and B hands the shard back (a rebalance).
        a.epoch, b.epoch = None, 2
        daily = shared.append(102, "/daily", T0 + 10)
        assert b.repo.load(USER).economy.daily_streak == 1
        b.settle()
        assert shared.inbox.entries_after(USER, 0) == [], "B's snapshot covers the daily"
        # A gets the shard again (epoch 3) before its actor from epoch 1 passivated.
        a.epoch, b.epoch = 3, None
        again = shared.append(103, "/daily", T0 + 20)  # the same reward day: refused
        view = a.hand_over(again)
        a.settle()
        # Whoever loads the player next (B again, epoch 4) replays the entries no durable
        # snapshot covers: nothing the actor applied may have taken another path.
        a.directory.stop_all(timeout=10)
        b.epoch = 4
        replayed = b.repo.load(USER)
        assert shared.processed() == Counter({101: 1, 102: 1, 103: 1})
        assert shared.daily_rewards() == 1
        assert view["inbox_seq"] == again.seq and view["transitions"] == 3, view
        assert replayed.transitions == 3 and replayed.inbox_seq == again.seq
        assert daily.seq < again.seq
        assert diverged() == reported
    finally:
        a.stop()
        b.stop()


def test_a_snapshot_left_waiting_from_an_earlier_ownership_is_not_built_on(
    shared: Shared,
) -> None:
    # A's writer never writes (its store calls hang, say): its snapshots stay waiting.
    a, b = Member(shared, "a", writing=False), Member(shared, "b")
    try:
        a.epoch = 1
        a.hand_over(shared.append(101, "/c1", T0))
        assert a.writer.pending_snapshot(snapshot_key(USER)) is not None
        a.directory.stop_all(timeout=10)  # passivated; its snapshot still waits
        # B took over (epoch 2): the daily reward, covered by B's durable snapshot.
        a.epoch, b.epoch = None, 2
        shared.append(102, "/daily", T0 + 10)
        assert b.repo.load(USER).economy.daily_streak == 1
        b.settle()
        # A gets the shard back; its new actor loads the player and applies the next entry
        # (the same reward day: refused).
        a.epoch, b.epoch = 3, None
        shared.append(103, "/daily", T0 + 20)
        state = a.repo.load(USER)
        # A's snapshot does not land (its writer is stuck): B, next, replays the entry.
        a.epoch, b.epoch = None, 4
        replayed = b.repo.load(USER)
        assert shared.processed() == Counter({101: 1, 102: 1, 103: 1})
        assert shared.daily_rewards() == 1
        assert state.economy.daily_streak == 1, "built on B's snapshot, not A's waiting one"
        assert state.transitions == replayed.transitions == 3
    finally:
        a.stop()
        b.stop()


def test_a_replay_that_takes_another_path_is_reported(shared: Shared) -> None:
    effects, first = shared.world.effects, shared.append(101, "/daily", T0)
    claimed = apply_update(effects, shared.world.state(USER), first.update, seq=first.seq).state
    reported = diverged()
    # The same entry from the same state (a crash before its snapshot): nothing new.
    apply_update(effects, shared.world.state(USER), first.update, seq=first.seq)
    assert diverged() == reported
    assert shared.processed() == Counter({101: 1})
    # The same entry from a state that already claimed the day: refused, another event id.
    apply_update(effects, claimed, first.update, seq=first.seq)
    assert diverged() == reported + 1
    assert shared.processed() == Counter({101: 2})
