"""A shard lost and acquired again (cluster mode): a player's state from the earlier ownership
is never built on. Otherwise an update applied on that stale state and replayed later from the
shared stores takes two paths: two ``update.processed`` events with different ids for one
update, and a second daily reward (what ``scripts/chaos`` counted as a doubled event).

Two members share the real stores (inbox, snapshots, records: SQLite files, or PostgreSQL with
every write fenced by the member's lease); each has its own snapshot writer, repository and
actors, and its lease epoch is what the test says (also in ``shard_leases``). Fencing does not
help here: the stale member holds the shard's current lease when it writes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from prometheus_client import REGISTRY
from psycopg_pool import ConnectionPool

from actors import Directory, WorkerPool, use_pool
from loadtests.drive import make_update
from tests.economy.world import T0, World, world_settings
from yabot.cluster.leases import SCHEMA, Lease
from yabot.player.actor import (
    Deliver,
    Inspect,
    PlayerEffects,
    RetryWaiting,
    apply_update,
    player_actor_class,
)
from yabot.player.logic import Reply
from yabot.player.repository import PlayerRepository, snapshot_key
from yabot.player.state import PlayerState
from yabot.reply_pipeline import store_reply
from yabot.security.crypto import Encryptor
from yabot.shards import shard_of
from yabot.storage.inbox import Inbox, InboxStore
from yabot.storage.postgres.inbox import PgInbox
from yabot.storage.postgres.pool import open_pool
from yabot.storage.postgres.records import PgRecords
from yabot.storage.records import RecordsStore
from yabot.storage.replies import ReplyOutbox
from yabot.storage.snapshots import SnapshotStore
from yabot.storage.snapshots.postgres import PgSnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.snapshots.writer import SnapshotWriter
from yabot.telegram.types import parse_update

USER = 7_001
SHARDS = 8


def diverged() -> float:
    """Replays reported as taking another path than their first run."""
    return REGISTRY.get_sample_value("yabot_replays_diverged_total") or 0.0


@dataclass
class Stores:
    """One member's handles on the shared stores."""

    inbox: InboxStore
    snapshots: SnapshotStore
    records: RecordsStore
    replies: ReplyOutbox


class MemberLeases:
    """A member's view of its leases (what a ShardCoordinator holds): the test sets ``epoch``
    for the player's shard; the database (PostgreSQL) decides whether a write is fenced."""

    shards = SHARDS

    def __init__(self, name: str) -> None:
        self.name = name
        self.epoch: int | None = None

    def lease(self, shard: int) -> Lease | None:
        return None if self.epoch is None else Lease(shard, self.epoch, self.name)

    def refused(self, lease: Any) -> None:
        """The test decides when a member loses the shard."""


class Shared:
    """The stores the members share: SQLite files (one set of handles, no fencing) or one
    PostgreSQL database (each member's handles fenced by its own leases)."""

    def __init__(self, tmp_path: Path, pg_dsn: str | None) -> None:
        settings = world_settings(tmp_path / "data", YABOT_EVENTS__REDIS_URL="redis://127.0.0.1:9")
        self.world = World(settings)  # the logic; its records are the SQLite ones
        self.encryptor = Encryptor([Fernet.generate_key()])
        self._closing: list[Callable[[], None]] = []
        self.pool: ConnectionPool | None = None
        if pg_dsn is None:
            inbox = Inbox(tmp_path / "inbox.sqlite3", encryptor=self.encryptor, shards=SHARDS)
            snapshots = SqliteSnapshotStore(tmp_path / "snapshots.sqlite3")
            self._closing += [inbox.close, snapshots.close]
            self.sqlite = Stores(inbox, snapshots, self.world.records, self.world.replies)
        else:
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                for statement in SCHEMA:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO shard_leases (shard) SELECT generate_series(0, %s)", (SHARDS - 1,)
                )
            self.pool = open_pool(pg_dsn, max_size=8)
            self._closing.append(self.pool.close)
        self.reader = self.stores(MemberLeases("reader"))

    def stores(self, leases: MemberLeases) -> Stores:
        """A member's handles on the shared stores."""
        if self.pool is None:
            return self.sqlite
        records = PgRecords(self.pool, leases=leases, shards=SHARDS, outbox_mode="relay")
        inbox = PgInbox(self.pool, encryptor=self.encryptor, shards=SHARDS, leases=leases)
        snapshots = PgSnapshotStore(self.pool, leases=leases)
        return Stores(inbox, snapshots, records, ReplyOutbox(records))

    def own(self, member: Member, epoch: int, *others: Member) -> None:
        """``member`` acquires the player's shard under ``epoch``; ``others`` hold nothing."""
        for other in others:
            other.leases.epoch = None
        member.leases.epoch = epoch
        if self.pool is not None:
            with self.pool.connection() as conn:
                conn.execute(
                    "UPDATE shard_leases SET owner = %s, epoch = %s,"
                    " expires_at = now() + interval '1 hour' WHERE shard = %s",
                    (member.leases.name, epoch, shard_of(USER, SHARDS)),
                )

    def append(self, update_id: int, text: str, at: float) -> Deliver:
        """Accept an update into the shared inbox; the hand-over of its entry."""
        raw = json.dumps(make_update(update_id, USER, text)).encode()
        entry = self.reader.inbox.append(update_id, USER, raw, at)
        return Deliver(parse_update(raw, at), entry.seq)

    def processed(self) -> Counter[int]:
        """``update.processed`` event ids per update id, as the outbox holds them."""
        ids: dict[int, set[str]] = {}
        for row in self.reader.records.outbox_pending(10_000):
            if row.type == "update.processed":
                update_id = json.loads(row.body)["payload"]["update_id"]
                ids.setdefault(update_id, set()).add(row.event_id)
        return Counter({update_id: len(found) for update_id, found in ids.items()})

    def daily_rewards(self) -> int:
        movements = self.reader.records.movements(USER, 100)
        return sum(1 for m in movements if m.reason == "daily reward")

    def close(self) -> None:
        for close in self._closing:
            close()
        self.world.close()


class Member:
    """One member's side of the player: snapshot writer, repository and actors."""

    def __init__(self, shared: Shared, name: str, *, writing: bool = True) -> None:
        self.leases = MemberLeases(name)
        stores = shared.stores(self.leases)
        self.writer = SnapshotWriter(stores.snapshots, every_transitions=1, every_s=0.01)
        world = shared.world
        self.repo = PlayerRepository(
            stores.snapshots,
            self.writer,
            stores.inbox,
            shared.encryptor,
            stores.records,
            stores.replies,
            shards=SHARDS,
            shutdown_timeout_s=0.5,
        )

        def send(
            reply: Reply,
            dedupe: str,
            update_id: int | None,
            user_id: int | None = None,
            seq: int | None = None,
            epoch: int | None = None,
        ) -> None:
            """An apology: stored in this member's reply outbox (fenced on PostgreSQL)."""
            stored = store_reply(stores.replies, reply, dedupe, update_id, user_id, seq, epoch)
            if stored is not None:
                world.effects.submit(reply, dedupe, update_id, stored, None, epoch)

        self.effects = PlayerEffects(
            world.logic,
            stores.records,
            send,
            self.repo.submit,
            1,
            submit=world.effects.submit,
            settle=self.repo.settle,
            leftovers=self.repo.take_leftovers,
            owner_epoch=lambda user_id: self.leases.epoch,
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


def shared_stores(tmp_path: Path, dsn: str | None) -> Iterator[Shared]:
    """The shared stores (PostgreSQL at ``dsn``, else SQLite files) and an actor pool."""
    pool = WorkerPool(2, name="ownership-test")
    use_pool(pool)
    parts = Shared(tmp_path, dsn)
    try:
        yield parts
    finally:
        use_pool(None)
        pool.shutdown(timeout=5.0)
        parts.close()


@pytest.fixture(params=["sqlite", "postgres"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shared]:
    dsn = request.getfixturevalue("pg_dsn") if request.param == "postgres" else None
    yield from shared_stores(tmp_path, dsn)


def test_an_actor_resident_from_an_earlier_ownership_reloads_before_applying(
    shared: Shared,
) -> None:
    a, b = Member(shared, "a"), Member(shared, "b")
    reported = diverged()
    try:
        # A owns the shard (epoch 1): the player plays, A's snapshot covers it.
        shared.own(a, 1)
        a.hand_over(shared.append(101, "/c1", T0))
        a.settle()
        # A is paused past its lease: B takes the shard over (epoch 2) and applies the daily
        # reward; B's snapshot covers it, and B hands the shard back (a rebalance).
        shared.own(b, 2, a)
        daily = shared.append(102, "/daily", T0 + 10)
        assert b.repo.load(USER).economy.daily_streak == 1
        b.settle()
        assert b.repo.inbox.entries_after(USER, 0) == [], "B's snapshot covers the daily"
        # A gets the shard again (epoch 3) before its actor from epoch 1 passivated.
        shared.own(a, 3, b)
        again = shared.append(103, "/daily", T0 + 20)  # the same reward day: refused
        view = a.hand_over(again)
        a.settle()
        # Whoever loads the player next (B again, epoch 4) replays the entries no durable
        # snapshot covers: nothing the actor applied may have taken another path.
        a.directory.stop_all(timeout=10)
        shared.own(b, 4, a)
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
        shared.own(a, 1)
        a.hand_over(shared.append(101, "/c1", T0))
        assert a.writer.pending_snapshot(snapshot_key(USER)) is not None
        a.directory.stop_all(timeout=10)  # passivated; its snapshot still waits
        # B took over (epoch 2): the daily reward, covered by B's durable snapshot.
        shared.own(b, 2, a)
        shared.append(102, "/daily", T0 + 10)
        assert b.repo.load(USER).economy.daily_streak == 1
        b.settle()
        # A gets the shard back; its new actor loads the player and applies the next entry
        # (the same reward day: refused).
        shared.own(a, 3, b)
        shared.append(103, "/daily", T0 + 20)
        state = a.repo.load(USER)
        # A's snapshot does not land (its writer is stuck): B, next, replays the entry.
        shared.own(b, 4, a)
        replayed = b.repo.load(USER)
        assert shared.processed() == Counter({101: 1, 102: 1, 103: 1})
        assert shared.daily_rewards() == 1
        assert state.economy.daily_streak == 1, "built on B's snapshot, not A's waiting one"
        assert state.transitions == replayed.transitions == 3
    finally:
        a.stop()
        b.stop()


def test_a_replay_that_takes_another_path_is_reported(shared: Shared) -> None:
    member = Member(shared, "a", writing=False)
    shared.own(member, 1)
    effects, first, before = member.effects, shared.append(101, "/daily", T0), PlayerState(USER)
    claimed = apply_update(effects, before, first.update, seq=first.seq).state
    reported = diverged()
    # The same entry from the same state (a crash before its snapshot): nothing new.
    apply_update(effects, before, first.update, seq=first.seq)
    assert diverged() == reported
    assert shared.processed() == Counter({101: 1})
    # The same entry from a state that already claimed the day: refused, another event id.
    apply_update(effects, claimed, first.update, seq=first.seq)
    assert diverged() == reported + 1
    assert shared.processed() == Counter({101: 2})
    member.stop()


@pytest.fixture
def pg_shared(pg_dsn: str, tmp_path: Path) -> Iterator[Shared]:
    """The shared stores on PostgreSQL (each member's writes fenced by its leases)."""
    yield from shared_stores(tmp_path, pg_dsn)


def fenced_records() -> float:
    """Records batches the stores refused (``yabot_cluster_fenced_writes_total``)."""
    return (
        REGISTRY.get_sample_value("yabot_cluster_fenced_writes_total", {"store": "records"}) or 0.0
    )


@pytest.mark.parametrize("b_loads", [True, False], ids=["b-applied-them", "b-idle"])
def test_a_write_of_a_state_loaded_under_an_earlier_epoch_is_refused_though_the_shard_is_back(
    pg_shared: Shared, b_loads: bool
) -> None:
    """The shard is lost and acquired again between the actor's epoch check and its write.

    A's actor loaded the player under epoch 1 and checked it, then it applies entry 103 (a
    daily reward) to that state (entry 102 never reached it: handed over while A's consumer
    did not own the shard). Meanwhile, before its records are written, B took the
    shard over (epoch 2), applied entries 102 (the day's reward) and 103 (refused: the same
    day) and covered them with a snapshot, and A acquired the shard again (epoch 3). A's
    member holds the current lease, so only the epoch the state was loaded under refuses the
    write (a second daily reward, a second ``update.processed`` of 103 otherwise). When B
    applied nothing, the refused entry is not lost: the inbox keeps it, A reloads and
    applies it (once).
    """
    shared = pg_shared
    a, b = Member(shared, "a"), Member(shared, "b")
    try:
        shared.own(a, 1)
        a.hand_over(shared.append(101, "/c1", T0))
        a.settle()
        shared.append(102, "/daily", T0 + 10)  # (handed over to B's actor, below)
        third = shared.append(103, "/daily", T0 + 20)

        commit = a.effects.commit_records
        raced: list[int] = []

        def lost_and_back(batch: Any) -> Any:
            if not raced:  # after A's check of its epoch, before its write
                raced.append(1)
                shared.own(b, 2, a)
                if b_loads:
                    assert b.repo.load(USER).economy.daily_streak == 1
                    b.settle()
                shared.own(a, 3, b)
            return commit(batch)

        a.effects.commit_records = lost_and_back  # type: ignore[method-assign]
        before = fenced_records()
        # The refused entry waits in the actor and in the inbox; the actor's next message
        # (the Inspect of hand_over) finds epoch 3 and reloads: B's snapshot covers it, or
        # the load replays it from the inbox.
        view = a.hand_over(third)
        assert raced
        assert shared.daily_rewards() == 1
        assert shared.processed() == Counter({101: 1, 102: 1, 103: 1})
        assert fenced_records() == before + 1, "the stale write was refused"
        assert view["inbox_seq"] == third.seq and view["transitions"] == 3, view
        a.directory.tell(USER, RetryWaiting())  # the held entry's retry: dropped with it
        fourth = shared.append(104, "/c2", T0 + 30)
        view = a.hand_over(fourth)
        a.settle()
        assert fenced_records() == before + 1, "writes of the state loaded under 3 go"
        assert view["inbox_seq"] == fourth.seq and view["transitions"] == 4, view
        economy = view["economy"]
        assert isinstance(economy, dict) and economy["daily_streak"] == 1
        assert shared.processed() == Counter({101: 1, 102: 1, 103: 1, 104: 1})
        assert shared.daily_rewards() == 1
    finally:
        a.stop()
        b.stop()


def test_the_apology_of_a_state_loaded_under_an_earlier_epoch_is_refused_for_now(
    pg_shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poison update's apology is a write of the player's state (it consumes the entry):
    carried under the epoch the state was loaded under, it is refused once the shard was lost
    and acquired again (its member holds the current lease), and the entry is not consumed
    (refused for now: the actor reloads under the new epoch and tries again)."""
    shared = pg_shared
    a, b = Member(shared, "a"), Member(shared, "b")
    try:
        shared.own(a, 1)
        entry = shared.append(101, "/c1", T0)
        state = PlayerState(user_id=USER)  # as loaded under epoch 1
        shared.own(b, 2, a)
        shared.own(a, 3, b)

        def poison(*args: Any) -> Any:
            raise RuntimeError("a poison update")

        monkeypatch.setattr(shared.world.logic, "handle", poison)
        before = fenced_records()
        step = apply_update(a.effects, state, entry.update, seq=entry.seq, epoch=1)
        assert step.refused and step.state is state
        assert fenced_records() == before + 1
        assert shared.reader.records.replies_pending() == []
        # Loaded again under the epoch held, the entry is consumed with its apology.
        step = apply_update(a.effects, state, entry.update, seq=entry.seq, epoch=3)
        assert not step.refused and step.state.inbox_seq == entry.seq
        assert fenced_records() == before + 1
        assert len(shared.world.sent[USER]) == 1
    finally:
        a.stop()
        b.stop()


def test_a_state_loaded_while_the_shard_was_not_ours_is_not_written_once_it_is(
    pg_shared: Shared,
) -> None:
    """An actor activated while its member held no lease on the shard (B owned it) loads a
    state that may miss what B applies; if the member acquires the shard between the actor's
    check and its write, the write is refused all the same (no lease ever has epoch 0)."""
    shared = pg_shared
    a, b = Member(shared, "a"), Member(shared, "b")
    try:
        shared.own(b, 1, a)
        first = shared.append(101, "/c1", T0)
        commit = a.effects.commit_records
        raced: list[int] = []

        def acquired_meanwhile(batch: Any) -> Any:
            if not raced:
                raced.append(1)
                shared.own(a, 2, b)
            return commit(batch)

        a.effects.commit_records = acquired_meanwhile  # type: ignore[method-assign]
        before = fenced_records()
        view = a.hand_over(first)  # the Inspect finds epoch 2: the actor reloads, applies
        a.settle()
        assert raced and fenced_records() == before + 1
        assert view["inbox_seq"] == first.seq and view["transitions"] == 1, view
        assert shared.processed() == Counter({101: 1})
    finally:
        a.stop()
        b.stop()
