"""PlayerRepository: load = newest snapshot + the player's uncovered inbox entries, replayed in
arrival order; durable snapshots prune the inbox and the sent replies they cover."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.economy.world import T0, World, world_settings
from yabot.player.actor import apply_update
from yabot.player.repository import PlayerRepository, snapshot_key
from yabot.player.state import PlayerState
from yabot.security.crypto import Encryptor
from yabot.shards import shard_of
from yabot.storage.inbox import Inbox
from yabot.storage.records import OutboxFull, RecordBatch
from yabot.storage.snapshots import Snapshot
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.snapshots.writer import SnapshotWriter
from yabot.telegram.types import parse_update

USER = 6_601
DAY = 86_400.0


def _message(update_id: int, text: str, at: float, user: int = USER) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(at),
                "chat": {"id": user, "type": "private"},
                "from": {"id": user, "is_bot": False, "first_name": "Ana", "language_code": "en"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            },
        }
    ).encode()


class Parts:
    def __init__(self, tmp_path: Path, *, writing: bool = True) -> None:
        self.world = World(world_settings(tmp_path / "data"))
        self.encryptor = Encryptor([Fernet.generate_key()])
        self.inbox = Inbox(tmp_path / "inbox.sqlite3", encryptor=self.encryptor, shards=8)
        self.store = SqliteSnapshotStore(tmp_path / "snapshots.sqlite3")
        self.writer = SnapshotWriter(self.store, batch_size=50, every_transitions=1, every_s=0.01)
        self.repo = PlayerRepository(
            self.store,
            self.writer,
            self.inbox,
            self.encryptor,
            self.world.records,
            self.world.replies,
            shards=8,
        )
        self.repo.bind(self.world.effects)
        if writing:
            self.writer.start()

    def close(self) -> None:
        self.writer.stop(5)
        self.inbox.close()
        self.store.close()
        self.world.close()


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[Parts]:
    p = Parts(tmp_path)
    yield p
    p.close()


def test_load_replays_entries_in_arrival_order_whatever_their_ids(parts: Parts) -> None:
    ids = [899_999_998, 899_999_999, 1_000, 1_001]  # Telegram restarted its ids after #2
    for n, update_id in enumerate(ids):
        parts.inbox.append(update_id, USER, _message(update_id, f"/c{n}", T0 + n), T0 + n)
    state = parts.repo.load(USER)
    assert state.transitions == 4
    assert state.last_update_id == 1_001
    texts = parts.world.texts(USER)
    assert [t.split("/c")[1][0] for t in texts] == ["0", "1", "2", "3"], texts
    # The replay's snapshot becomes durable and covers (prunes) the entries.
    assert parts.writer.flush(timeout=10)
    assert parts.inbox.count() == 0
    stored = parts.store.load(snapshot_key(USER))
    assert stored is not None and stored.seq == state.inbox_seq
    assert stored.shard == shard_of(USER, 8)
    again = parts.repo.load(USER)
    assert again.transitions == 4, "a new load replays nothing twice"


def test_a_reused_update_id_is_a_new_update_with_new_effect_keys(parts: Parts) -> None:
    # Months apart, Telegram sends two different updates with id 5; both are /daily.
    first = parts.inbox.append(5, USER, _message(5, "/daily", T0), T0)
    state = parts.repo.load(USER)
    later = T0 + 30 * DAY
    second = parts.inbox.append(5, USER, _message(5, "/daily", later), later)
    assert second.new and second.seq > first.seq
    update = parse_update(_message(5, "/daily", later), later)
    apply_update(parts.world.effects, state, update, seq=second.seq)
    rewards = [m for m in parts.world.records.movements(USER, 10) if m.reason == "daily reward"]
    assert len(rewards) == 2, "the second daily is not mistaken for the first"
    # A replay of the same entry (a crash before its snapshot: the state before it) changes
    # nothing.
    apply_update(parts.world.effects, state, update, seq=second.seq)
    rewards = [m for m in parts.world.records.movements(USER, 10) if m.reason == "daily reward"]
    assert len(rewards) == 2


class CountingRecords:
    """The records store, counting the batches written through it."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.batches: list[RecordBatch] = []

    def apply(self, batch: RecordBatch) -> object:
        self.batches.append(batch)
        return self.real.apply(batch)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def _restarted(parts: Parts) -> PlayerRepository:
    """The repository of a process started again on the same stores (no snapshot waiting)."""
    repo = PlayerRepository(
        parts.store,
        SnapshotWriter(parts.store, batch_size=50, every_transitions=1, every_s=0.01),
        parts.inbox,
        parts.encryptor,
        parts.world.records,
        parts.world.replies,
        shards=8,
    )
    repo.bind(parts.world.effects)
    return repo


def _ledger(parts: Parts) -> list[tuple[str, int]]:
    return [(m.idempotency_key, m.amount) for m in parts.world.records.movements(USER, 100)]


def test_a_replay_of_entries_applied_before_writes_nothing_again(tmp_path: Path) -> None:
    # A crash after three updates were applied, before a snapshot covered them: the next
    # load replays them from the same state to the same replies, found stored; only the
    # fourth, never applied, is written.
    parts = Parts(tmp_path, writing=False)
    try:
        for n, text in enumerate(["/start", "/daily", "/c2"]):
            parts.inbox.append(20 + n, USER, _message(20 + n, text, T0 + n), T0 + n)
        first = parts.repo.load(USER)
        ledger, texts = _ledger(parts), parts.world.texts(USER)
        assert first.transitions == 3 and ledger
        parts.inbox.append(23, USER, _message(23, "/c3", T0 + 3), T0 + 3)
        counting = CountingRecords(parts.world.records)
        parts.world.effects.records = counting  # type: ignore[assignment]
        again = _restarted(parts).load(USER)
        assert len(counting.batches) == 1  # the fourth entry's
        assert again.transitions == 4 and again.inbox_seq > first.inbox_seq
        assert again.economy.balance == first.economy.balance == parts.world.records.balance(USER)
        assert _ledger(parts) == ledger
        assert parts.world.texts(USER)[: len(texts)] == texts
        assert len(parts.world.texts(USER)) == len(texts) + 1  # only the fourth's reply is new
    finally:
        parts.close()


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE replies SET params = '{}' WHERE dedupe_key LIKE 'u31.%'",
        "INSERT INTO replies (dedupe_key, update_id, chat_id, method, params, user_id, seq)"
        " SELECT substr(dedupe_key, 1, length(dedupe_key) - 1) || '1', update_id, chat_id,"
        " method, params, user_id, seq FROM replies WHERE dedupe_key LIKE 'u31.%'",
    ],
    ids=["other-parameters", "one-reply-more"],
)
def test_a_replay_whose_stored_replies_differ_goes_through_the_records(
    tmp_path: Path, tamper: str
) -> None:
    # The stored replies are not the ones the replay makes (the entry was applied to another
    # state): the replay is written through the records, which find what is stored.
    parts = Parts(tmp_path, writing=False)
    try:
        parts.inbox.append(30, USER, _message(30, "/start", T0), T0)
        parts.inbox.append(31, USER, _message(31, "/c1", T0 + 1), T0 + 1)
        parts.repo.load(USER)
        with sqlite3.connect(parts.world.settings.storage.data_dir / "records.db") as conn:
            assert conn.execute(tamper).rowcount == 1
        counting = CountingRecords(parts.world.records)
        parts.world.effects.records = counting  # type: ignore[assignment]
        again = _restarted(parts).load(USER)
        assert [b.replies[0].dedupe_key.split(".")[0] for b in counting.batches] == ["u31"]
        assert again.transitions == 2
    finally:
        parts.close()


def test_a_refused_replay_stops_there_and_hands_the_rest_to_the_actor(parts: Parts) -> None:
    for n in range(3):
        parts.inbox.append(10 + n, USER, _message(10 + n, f"/c{n}", T0 + n), T0 + n)
    real = parts.world.records
    calls = {"n": 0}

    class Refusing:
        def apply(self, batch: RecordBatch) -> object:
            calls["n"] += 1
            if calls["n"] == 2:
                raise OutboxFull(1, 1)
            return real.apply(batch)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    parts.world.effects.records = Refusing()  # type: ignore[assignment]
    state = parts.repo.load(USER)
    assert state.transitions == 1
    held = parts.repo.take_leftovers(USER)
    assert [m.update.update_id for m in held] == [11, 12]
    assert parts.repo.take_leftovers(USER) == []
    assert [e.update_id for e in parts.inbox.entries_after(USER, state.inbox_seq)] == [11, 12]


def test_schema_1_data_replays_under_its_own_rule_then_the_new_one(
    tmp_path: Path, parts: Parts
) -> None:
    """An inbox and a snapshot written before the upgrade: entries up to the snapshot's
    update id were applied; the others are applied once, with their old keys."""
    parts.close()
    data = tmp_path / "v1"
    data.mkdir()
    old = sqlite3.connect(data / "inbox.sqlite3")
    old.execute(
        "CREATE TABLE inbox (update_id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, "
        "payload BLOB NOT NULL, received_at REAL NOT NULL, replied INTEGER NOT NULL DEFAULT 0, "
        "covered INTEGER NOT NULL DEFAULT 0)"
    )
    for update_id in (20, 21, 22):
        old.execute(
            "INSERT INTO inbox VALUES (?, ?, ?, ?, 0, 0)",
            (update_id, USER, _message(update_id, "/daily", T0), T0),
        )
    old.commit()
    old.close()
    world = World(world_settings(data / "data"))
    encryptor = Encryptor([Fernet.generate_key()])
    applied = PlayerState(user_id=USER, last_update_id=21, transitions=2)
    store = SqliteSnapshotStore(data / "snapshots.sqlite3")
    store.save_many(
        [Snapshot(snapshot_key(USER), 1, 21, encryptor.encrypt_bytes(applied.to_bytes()), T0)]
    )
    inbox = Inbox(data / "inbox.sqlite3", encryptor=encryptor)
    writer = SnapshotWriter(store, batch_size=50, every_transitions=1, every_s=0.01)
    repo = PlayerRepository(
        store, writer, inbox, encryptor, world.records, world.replies, shards=64
    )
    repo.bind(world.effects)
    writer.start()
    try:
        state = repo.load(USER)
        assert state.transitions == 3, "20 and 21 were applied before the upgrade; 22 now"
        keys = [m.idempotency_key for m in world.records.movements(USER, 10)]
        assert keys and all(k.startswith("u22:") for k in keys), keys
        assert writer.flush(timeout=10)
        assert inbox.count() == 0, "the skipped schema-1 entries are covered too"
    finally:
        writer.stop(5)
        inbox.close()
        store.close()
        world.close()


def test_sent_replies_are_forgotten_once_a_snapshot_covers_their_update(parts: Parts) -> None:
    records_db = parts.world.settings.storage.data_dir / "records.db"

    def rows() -> list[tuple[int, float | None]]:
        with sqlite3.connect(records_db) as conn:
            return conn.execute("SELECT seq, sent_at FROM replies WHERE update_id = 30").fetchall()

    stored = parts.inbox.append(30, USER, _message(30, "/help", T0), T0)
    state = parts.repo.load(USER)  # applies it, stores its reply, submits a snapshot
    assert parts.writer.flush(timeout=10)
    assert [seq for seq, sent in rows()] == [stored.seq], "not sent yet: kept, whatever covers it"
    parts.world.replies.done([r.id for r in parts.world.replies.pending()])
    assert [sent is not None for _, sent in rows()] == [True], "confirmed: marked, still kept"
    assert parts.world.replies.pending() == []
    parts.repo.submit(state, 1)  # a snapshot covering the update: no replay can need it
    assert parts.writer.flush(timeout=10)
    assert rows() == []


def test_a_waiting_snapshot_whose_version_the_store_has_is_not_built_on(tmp_path: Path) -> None:
    """The writer still holds the player's last snapshot (not durable yet) when the store
    already has a snapshot of that version: another writer stored the key since (a member
    that lost the shard, then acquired it again), though covering no more entries. The
    waiting one would be refused for its version, and its state may have taken another path:
    the load builds on the store's."""
    parts = Parts(tmp_path, writing=False)  # nothing the writer holds becomes durable
    try:

        def snapshot(name: str, version: int, seq: int) -> Snapshot:
            state = PlayerState(user_id=USER, first_name=name)
            state.inbox_seq = seq
            return Snapshot(
                snapshot_key(USER),
                version,
                seq,
                parts.encryptor.encrypt_bytes(state.to_bytes()),
                T0,
                shard_of(USER, 8),
            )

        assert parts.store.save_many([snapshot("first", 1, 3)])[0].saved
        parts.writer.submit(snapshot("waiting", 2, 5))
        assert parts.repo.load(USER).first_name == "waiting"  # the newest: built on
        assert parts.store.save_many([snapshot("another writer's", 2, 5)])[0].saved
        state = parts.repo.load(USER)
        assert state.first_name == "another writer's"
        assert state.snapshot_version == 2, "the next snapshot follows the stored one"
    finally:
        parts.close()
