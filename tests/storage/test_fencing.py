"""Fencing of the PostgreSQL stores: once a shard's lease is taken over (its epoch raised by
another owner) or has expired, a write of that shard's state is refused inside its own
transaction, nothing of it is stored, and ``yabot_cluster_fenced_writes_total`` grows."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from prometheus_client import REGISTRY
from psycopg_pool import ConnectionPool
from pymongo import MongoClient

from yabot.cluster.fenced import Fenced as ActorCatches
from yabot.cluster.leases import SCHEMA, Fenced, Lease, ShardCoordinator
from yabot.events import outbox as outbox_sql
from yabot.events.models import BesitosCredited, make_event
from yabot.player.logic import Reply
from yabot.reply_pipeline import ReplyPipeline
from yabot.security.crypto import Encryptor
from yabot.shards import shard_of
from yabot.storage.lease_source import LoadedUnder
from yabot.storage.postgres.inbox import PgInbox
from yabot.storage.postgres.pool import open_pool
from yabot.storage.postgres.records import PgRecords, _Marks, _Ticket
from yabot.storage.records import (
    BatchResult,
    InsufficientFunds,
    LedgerEntry,
    OutgoingReply,
    RecordBatch,
)
from yabot.storage.replies import ReplyOutbox
from yabot.storage.snapshots.base import SaveStatus, Snapshot
from yabot.storage.snapshots.mongo import MongoSnapshotStore
from yabot.storage.snapshots.postgres import PgSnapshotStore

SHARDS = 4
ME = "member-a"
USER = 7
OTHER_USER = next(u for u in range(100, 200) if shard_of(u, SHARDS) != shard_of(USER, SHARDS))


@dataclass
class HeldLeases:
    """What a ShardCoordinator believes it holds (its in-memory view); the database decides."""

    shards: int
    held: dict[int, Lease]

    def lease(self, shard: int) -> Lease | None:
        return self.held.get(shard)

    def refused(self, lease: Any) -> None:
        """The database decides; this view changes only when the test says so."""


@pytest.fixture
def pool(pg_dsn: str) -> Iterator[ConnectionPool]:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for statement in SCHEMA:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO shard_leases (shard, owner, epoch, expires_at, acquired_at)"
            " SELECT s, %s, 1, now() + interval '1 hour', now() FROM generate_series(0, %s) s",
            (ME, SHARDS - 1),
        )
    opened = open_pool(pg_dsn, max_size=4)
    yield opened
    opened.close()


@pytest.fixture
def leases() -> HeldLeases:
    return HeldLeases(SHARDS, {s: Lease(s, 1, ME) for s in range(SHARDS)})


def take_over(pool: ConnectionPool, shard: int) -> None:
    """Another member acquires ``shard``: its epoch is raised, as ShardCoordinator does."""
    with pool.connection() as conn:
        conn.execute(
            "UPDATE shard_leases SET owner = 'member-b', epoch = epoch + 1 WHERE shard = %s",
            (shard,),
        )


def expire(pool: ConnectionPool, shard: int) -> None:
    with pool.connection() as conn:
        conn.execute(
            "UPDATE shard_leases SET expires_at = now() - interval '1 second' WHERE shard = %s",
            (shard,),
        )


def fenced(store: str) -> float:
    return REGISTRY.get_sample_value("yabot_cluster_fenced_writes_total", {"store": store}) or 0.0


def credit(user: int, key: str, reply: bool = True) -> RecordBatch:
    return RecordBatch(
        ledger=[LedgerEntry(user, 5, "gift", key)],
        events=[
            make_event(
                BesitosCredited(amount=5, reason="gift", balance_after=5),
                user_id=user,
                idempotency_key=key,
            )
        ],
        replies=[OutgoingReply(f"{key}:0", 1, user, "sendMessage", {}, user, 1)] if reply else [],
    )


def test_records_writes_of_a_taken_over_shard_are_refused_and_store_nothing(
    pool: ConnectionPool, leases: HeldLeases
) -> None:
    records = PgRecords(pool, leases=leases, outbox_mode="relay")
    records.apply(credit(USER, "before"))
    take_over(pool, shard_of(USER, SHARDS))
    before = fenced("records")
    with pytest.raises(ActorCatches):  # the class the player actor catches: it keeps the update
        records.apply(credit(USER, "after"))
    assert fenced("records") == before + 1
    assert records.balance(USER) == 5
    assert [m.idempotency_key for m in records.movements(USER)] == ["before"]
    assert len(records.outbox_pending(10)) == 1
    assert [r.dedupe_key for r in records.replies_pending()] == ["before:0"]
    # Another shard is still ours: its writes go on.
    records.apply(credit(OTHER_USER, "other"))
    assert records.balance(OTHER_USER) == 5


def test_a_group_commit_with_a_fenced_batch_writes_nothing(
    pool: ConnectionPool, leases: HeldLeases
) -> None:
    records = PgRecords(pool, leases=leases)
    take_over(pool, shard_of(USER, SHARDS))
    with pytest.raises(Fenced):
        records.apply_many([credit(OTHER_USER, "ok"), credit(USER, "fenced")])
    assert records.balance(OTHER_USER) == 0 and records.balance(USER) == 0
    assert records.replies_pending() == []


def test_concurrent_applies_share_a_transaction_and_fail_alone(
    pg_dsn: str, pool: ConnectionPool, leases: HeldLeases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches applied while a transaction runs are written together in the next one (one
    fence check, one commit); a refused or fenced batch among them fails alone."""
    records = PgRecords(pool, leases=leases)
    third = next(
        u
        for u in range(200, 400)
        if shard_of(u, SHARDS) not in {shard_of(USER, SHARDS), shard_of(OTHER_USER, SHARDS)}
    )
    records.apply(credit(OTHER_USER, "first", reply=False))
    take_over(pool, shard_of(third, SHARDS))
    groups: list[int] = []
    work = records._group_call  # ledger entries, events and replies: one records_write call

    def spy(cur: Any, group: list[Any]) -> Any:
        groups.append(len(group))
        return work(cur, group)

    monkeypatch.setattr(records, "_group_call", spy)
    outcomes: dict[str, Any] = {}

    def apply(name: str, batch: RecordBatch) -> None:
        try:
            outcomes[name] = records.apply(batch)
        except Exception as exc:
            outcomes[name] = exc

    overdraw = RecordBatch(ledger=[LedgerEntry(USER, -50, "buy", "too-much")])
    with psycopg.connect(pg_dsn) as blocker:
        # The leader's transaction waits on this wallet lock while the others queue behind it.
        blocker.execute("SELECT 1 FROM wallets WHERE user_id = %s FOR UPDATE", (OTHER_USER,))
        threads = [threading.Thread(target=apply, args=("leader", credit(OTHER_USER, "lead")))]
        threads[0].start()
        deadline = time.monotonic() + 5
        while not groups and time.monotonic() < deadline:
            time.sleep(0.01)
        for name, batch in [
            ("ok", credit(USER, "ok")),
            ("overdraw", overdraw),
            ("fenced", credit(third, "fenced")),
            ("also-ok", credit(OTHER_USER, "also-ok")),
        ]:
            threads.append(threading.Thread(target=apply, args=(name, batch)))
            threads[-1].start()
        time.sleep(0.3)
        blocker.rollback()
    for thread in threads:
        thread.join(10)
    assert groups[:2] == [1, 4]  # the four queued batches were tried as one group
    assert isinstance(outcomes["overdraw"], InsufficientFunds)
    assert isinstance(outcomes["fenced"], Fenced)
    assert records.balance(USER) == 5 and records.balance(third) == 0
    assert records.balance(OTHER_USER) == 15
    assert outcomes["ok"].reply_ids and outcomes["ok"].reply_ids[0] is not None
    keys = sorted(r.dedupe_key for r in records.replies_pending())
    assert keys == ["also-ok:0", "lead:0", "ok:0"]


def test_a_turns_batch_is_one_statement_in_its_own_transaction_fence_included(
    pool: ConnectionPool, leases: HeldLeases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of ledger entries, events and replies (what a turn writes) costs one round
    trip: one autocommit statement checks the lease and writes (no BEGIN, no COMMIT)."""
    records = PgRecords(pool, leases=leases)
    sent: list[tuple[str, bool]] = []
    execute = psycopg.Cursor.execute

    def spy(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append((str(query), self.connection.autocommit))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", spy)
    batch = credit(USER, "one-call")
    batch.loaded_under = LoadedUnder(USER, 1)
    result = records.apply(batch)
    assert len(sent) == 1 and sent[0][1], sent
    assert result.written == 2 and result.reply_ids[0] is not None
    take_over(pool, shard_of(USER, SHARDS))
    sent.clear()
    with pytest.raises(Fenced):
        records.apply(credit(USER, "fenced"))
    assert len(sent) == 1
    assert [m.idempotency_key for m in records.movements(USER)] == ["one-call"]


def test_an_expired_or_unknown_lease_fences_too(pool: ConnectionPool, leases: HeldLeases) -> None:
    records = PgRecords(pool, leases=leases)
    expire(pool, shard_of(USER, SHARDS))
    with pytest.raises(Fenced):
        records.apply(credit(USER, "late"))
    del leases.held[shard_of(OTHER_USER, SHARDS)]
    with pytest.raises(Fenced):
        records.apply(credit(OTHER_USER, "not-ours"))
    assert records.balance(USER) == 0 and records.balance(OTHER_USER) == 0


def test_sent_marks_of_a_taken_over_shard_are_refused(
    pool: ConnectionPool, leases: HeldLeases
) -> None:
    records = PgRecords(pool, leases=leases)
    stored = records.apply(credit(USER, "r"))
    take_over(pool, shard_of(USER, SHARDS))
    with pytest.raises(Fenced):
        records.replies_done([i for i in stored.reply_ids if i is not None])
    assert [r.dedupe_key for r in records.replies_pending()] == ["r:0"]
    # The new owner sends the shard's replies; this instance's view leaves them out.
    mine = [s for s in range(SHARDS) if s != shard_of(USER, SHARDS)]
    assert records.replies_pending(shards=mine) == []


def test_sent_marks_of_a_shard_held_under_a_later_epoch_than_believed_are_refused(
    pool: ConnectionPool, leases: HeldLeases
) -> None:
    # This member lost the shard and got it back (epoch 1 -> 2); its view still says 1: the
    # marks it sends under that view are refused, though the lease row names it.
    records = PgRecords(pool, leases=leases)
    stored = records.apply(credit(USER, "r"))
    with pool.connection() as conn:
        conn.execute(
            "UPDATE shard_leases SET epoch = epoch + 1 WHERE shard = %s", (shard_of(USER, SHARDS),)
        )
    with pytest.raises(Fenced):
        records.replies_done([i for i in stored.reply_ids if i is not None])
    assert [r.dedupe_key for r in records.replies_pending()] == ["r:0"]


def test_a_records_calls_fence_locks_the_lease_rows_it_finds_held(
    pg_dsn: str, pool: ConnectionPool, leases: HeldLeases
) -> None:
    # Sent marks are one records_write call: its fence must hold the rows of the shards it
    # writes until it commits, or a takeover could commit between its check and its write.
    records = PgRecords(pool, leases=leases)
    shard = shard_of(USER, SHARDS)
    first, second = (records.apply(credit(USER, key)).reply_ids[0] for key in ("a", "b"))
    assert first is not None and second is not None
    with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        _, answer = records._records_call(cur, [], _Marks((first,), {}))
        assert (answer["mn"], answer["mr"]) == (1, [])  # held: marked ...
        with (  # ... and locked
            psycopg.connect(pg_dsn, autocommit=True) as other,
            pytest.raises(psycopg.errors.LockNotAvailable),
        ):
            other.execute("SELECT 1 FROM shard_leases WHERE shard = %s FOR UPDATE NOWAIT", (shard,))
    take_over(pool, shard)
    with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        _, answer = records._records_call(cur, [], _Marks((second,), {}))
        assert (answer["mn"], answer["mr"]) == (0, [shard])


def test_without_a_lease_source_nothing_is_checked(pool: ConnectionPool) -> None:
    records = PgRecords(pool)
    take_over(pool, shard_of(USER, SHARDS))
    records.apply(credit(USER, "single-instance"))
    assert records.balance(USER) == 5


def snapshot(user: int, version: int, state: bytes) -> Snapshot:
    return Snapshot(f"user:{user}", version, version, state, 1.0, shard_of(user, SHARDS))


def test_snapshots_of_a_taken_over_shard_are_fenced_in_the_same_transaction(
    pool: ConnectionPool, leases: HeldLeases
) -> None:
    store = PgSnapshotStore(pool, leases=leases)
    assert all(o.saved for o in store.save_many([snapshot(USER, 1, b"a")]))
    take_over(pool, shard_of(USER, SHARDS))
    before = fenced("snapshots")
    outcomes = store.save_many([snapshot(USER, 2, b"stale"), snapshot(OTHER_USER, 1, b"ok")])
    assert [o.status for o in outcomes] == [SaveStatus.FENCED, SaveStatus.SAVED]
    assert fenced("snapshots") == before + 1
    stored = store.load(f"user:{USER}")
    assert stored is not None and stored.state == b"a"


class Reacquired(HeldLeases):
    """A member that lost the shard of ``USER`` and acquired it again (epoch 1 -> 3): its
    lease is sound; the test records whether a store reported it refused."""

    def __init__(self, pool: ConnectionPool) -> None:
        super().__init__(SHARDS, {s: Lease(s, 1, ME) for s in range(SHARDS)})
        shard = shard_of(USER, SHARDS)
        with pool.connection() as conn:  # member-b held it under epoch 2 meanwhile
            conn.execute("UPDATE shard_leases SET epoch = 3 WHERE shard = %s", (shard,))
        self.held[shard] = Lease(shard, 3, ME)
        self.reported: list[Any] = []

    def refused(self, lease: Any) -> None:
        self.reported.append(lease)


def test_writes_of_a_state_loaded_under_an_earlier_epoch_are_refused_though_the_shard_is_ours(
    pool: ConnectionPool,
) -> None:
    leases = Reacquired(pool)
    records = PgRecords(pool, leases=leases, outbox_mode="relay")
    snapshots = PgSnapshotStore(pool, leases=leases)
    inbox = PgInbox(pool, encryptor=Encryptor([Fernet.generate_key()]), leases=leases)
    entry = inbox.append(1, USER, b"{}", 1.0)
    records_before, snapshots_before = fenced("records"), fenced("snapshots")
    inbox_before = fenced("inbox")
    # Records (ledger, events outbox, reply outbox): one transaction, nothing of it written.
    stale = credit(USER, "stale")
    stale.loaded_under = LoadedUnder(USER, 1)
    with pytest.raises(ActorCatches):
        records.apply(stale)
    assert fenced("records") == records_before + 1
    assert records.balance(USER) == 0 and records.outbox_pending(10) == []
    assert records.replies_pending() == []
    # In a group commit the stale batch fails alone.
    fresh = credit(USER, "fresh")
    fresh.loaded_under = LoadedUnder(USER, 3)
    again = credit(USER, "stale-again")
    again.loaded_under = LoadedUnder(USER, 1)
    results = records.apply_many([credit(OTHER_USER, "other"), fresh])
    assert all(not isinstance(o, Exception) for o in results)
    with pytest.raises(Fenced):
        records.apply_many([again])
    assert records.balance(USER) == 5 and records.balance(OTHER_USER) == 5
    # Snapshot compare-and-set.
    outcomes = snapshots.save_many(
        [
            dataclasses.replace(snapshot(USER, 1, b"stale"), epoch=1),
            dataclasses.replace(snapshot(OTHER_USER, 1, b"other"), epoch=1),
        ]
    )
    assert [o.status for o in outcomes] == [SaveStatus.FENCED, SaveStatus.SAVED]
    assert snapshots.load(f"user:{USER}") is None
    assert fenced("snapshots") == snapshots_before + 1
    fresh_snapshot = dataclasses.replace(snapshot(USER, 1, b"fresh"), epoch=3)
    assert [o.status for o in snapshots.save_many([fresh_snapshot])] == [SaveStatus.SAVED]
    # Marking inbox entries done.
    assert inbox.prune_many([(USER, entry.seq)], epochs={USER: 1}) == 0
    assert fenced("inbox") == inbox_before + 1
    assert inbox.pending_users() == [USER]
    assert inbox.prune_many([(USER, entry.seq)], epochs={USER: 3}) == 1
    # The member's lease is sound: no store told its coordinator to drop the shard.
    assert leases.reported == []
    assert fenced("records") == records_before + 2


def test_mongo_snapshots_carry_the_epoch_and_a_stale_owner_is_fenced(
    mongodb_uri: str, leases: HeldLeases
) -> None:
    database = f"yabot_test_{uuid.uuid4().hex[:12]}"
    shard = shard_of(USER, SHARDS)
    old = MongoSnapshotStore(mongodb_uri, database=database, timeout_ms=5000, leases=leases)
    new_leases = HeldLeases(SHARDS, {shard: Lease(shard, 2, "member-b")})
    new = MongoSnapshotStore(mongodb_uri, database=database, timeout_ms=5000, leases=new_leases)
    try:
        assert old.save_many([snapshot(USER, 1, b"a")])[0].saved
        # The shard moves: the new owner (epoch 2) restores version 1 and writes version 2.
        assert new.save_many([snapshot(USER, 2, b"new owner")])[0].saved
        before = fenced("snapshots")
        # The paused old owner (epoch 1) wakes up and writes what it had: refused.
        [outcome] = old.save_many([snapshot(USER, 3, b"stale")])
        assert outcome.status is SaveStatus.FENCED
        assert fenced("snapshots") == before + 1
        stored = new.load(f"user:{USER}")
        assert stored is not None and stored.state == b"new owner"
        # A shard we hold no lease on is fenced before anything is sent.
        [outcome] = new.save_many([snapshot(OTHER_USER, 1, b"not ours")])
        assert outcome.status is SaveStatus.FENCED
        assert new.load(f"user:{OTHER_USER}") is None
        # The new owner's state loaded under an earlier epoch of its lease: refused locally.
        before = fenced("snapshots")
        stale = dataclasses.replace(snapshot(USER, 3, b"loaded under 1"), epoch=1)
        assert [o.status for o in new.save_many([stale])] == [SaveStatus.FENCED]
        assert fenced("snapshots") == before + 1
        fresh = dataclasses.replace(snapshot(USER, 3, b"loaded under 2"), epoch=2)
        assert new.save_many([fresh])[0].saved
    finally:
        old.close()
        new.close()
        client: MongoClient[dict[str, object]]
        with MongoClient(mongodb_uri) as client:
            client.drop_database(database)


async def _until(predicate: Any, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def test_a_paused_coordinators_stores_write_nothing_once_another_took_its_shards(
    pg_dsn: str,
) -> None:
    async def nothing(lease: Lease) -> None:
        return None

    def member(name: str) -> ShardCoordinator:
        return ShardCoordinator(
            pg_dsn,
            shards=SHARDS,
            lease_timeout_s=1.0,
            member_id=name,
            on_acquired=nothing,
            on_releasing=nothing,
            on_lost=nothing,
            interval_s=0.1,
        )

    a, b = member("a"), member("b")
    pool = open_pool(pg_dsn, max_size=4)
    try:
        await a.start()
        assert set(a.owned) == set(range(SHARDS))
        records_a = PgRecords(pool, leases=a)
        snapshots_a = PgSnapshotStore(pool, leases=a)
        await asyncio.to_thread(records_a.apply, credit(USER, "while-owner"))
        a.pause()  # a is paused: its session stays, its renewals and rounds stop
        await b.start()
        await _until(lambda: len(b.owned) == SHARDS, timeout=10)
        # A woken member first refuses by its local deadline; this test is about the
        # database's check behind it, so a's clock is made to believe the lease still runs.
        a._valid_until = time.monotonic() + 60
        assert a.lease(shard_of(USER, SHARDS)) is not None  # a still believes it owns it
        before = fenced("records")
        with pytest.raises(Fenced):
            await asyncio.to_thread(records_a.apply, credit(USER, "after-pause"))
        [outcome] = await asyncio.to_thread(snapshots_a.save_many, [snapshot(USER, 1, b"x")])
        assert outcome.status is SaveStatus.FENCED
        assert fenced("records") == before + 1
        records_b = PgRecords(pool, leases=b)
        assert records_b.balance(USER) == 5  # only the write made while a owned the shard
        await asyncio.to_thread(records_b.apply, credit(USER, "new-owner"))
        assert records_b.balance(USER) == 10
    finally:
        await b.stop()
        await a.stop()
        pool.close()


class Confirming:
    """A sender whose every call Telegram confirms at once."""

    def submit(
        self,
        method: str,
        params: dict[str, Any],
        *,
        chat_id: int | None,
        dedupe_key: str,
        on_result: Any,
        correlation_id: str,
    ) -> None:
        on_result({"ok": True}, None)


def test_an_apology_and_sent_marks_under_an_earlier_epoch_are_refused_though_the_shard_is_ours(
    pool: ConnectionPool,
) -> None:
    """The reply no records batch carries (a poison update's apology) and the sent marks of
    replies carry the epoch their state was loaded under, as the records batches do: after a
    loss and re-acquisition of the shard (epoch 1 -> 3) they are refused, not the others."""
    leases = Reacquired(pool)
    records = PgRecords(pool, leases=leases)
    pipeline = ReplyPipeline(ReplyOutbox(records), lambda user_id, message: None, time.time)
    pipeline.sender = Confirming()  # type: ignore[assignment]
    reply = Reply("sendMessage", {"chat_id": USER, "text": "x"}, USER)
    try:
        before = fenced("records")
        with pytest.raises(Fenced):
            pipeline.send(reply, "apology", 5, USER, 9, 1)
        assert records.replies_pending() == []
        assert fenced("records") == before + 1
        pipeline.send(reply, "apology-now", 6, USER, 10, 3)  # under the epoch held: stored
        assert pipeline.flush_marks(5.0)
        assert records.replies_pending() == []  # ... sent and marked
        # Replies stored before the loss, confirmed after the re-acquisition: the marks of
        # those submitted under epoch 1 are not written; the others are.
        ids = records.apply(
            RecordBatch(
                replies=[
                    OutgoingReply(key, n, USER, "sendMessage", {}, USER, n)
                    for n, key in enumerate(["old:0", "old:1", "new:0"], start=11)
                ]
            )
        ).reply_ids
        assert None not in ids
        for key, stored, epoch in zip(["old:0", "old:1", "new:0"], ids, [1, 1, 3], strict=True):
            assert stored is not None
            pipeline.submit(reply, key, 1, stored, None, epoch)
        assert pipeline.flush_marks(5.0)
        assert [r.dedupe_key for r in records.replies_pending()] == ["old:0", "old:1"]
        assert fenced("records") == before + 3
        assert leases.reported == []  # the member's lease is sound: nothing told
    finally:
        pipeline.marks.close()


def ride(records: PgRecords, batch: RecordBatch, ids: list[int], loaded: dict[int, int]) -> Any:
    """Sent marks queued in the same group as ``batch`` (as the group commit hands them to
    the writer): the outcomes of the batch and of the marks."""
    ticket = _Ticket(batch, [outbox_sql.encode(e) for e in batch.events])
    return records._write_group([ticket, _Marks(tuple(ids), loaded)])


def statements_of(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def spy(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", spy)
    return sent


def test_sent_marks_ride_a_turns_records_call_one_statement(
    pool: ConnectionPool, leases: HeldLeases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marks queued with a turn's batch are written by its records_write call: one
    statement for both; a reply with an entry is marked, one without (a system reply) is
    dropped."""
    records = PgRecords(pool, leases=leases)
    entry_reply = records.apply(credit(USER, "r")).reply_ids[0]
    system_reply = records.apply(
        RecordBatch(replies=[OutgoingReply("sys:0", 1, OTHER_USER, "sendMessage", {}, None, None)])
    ).reply_ids[0]
    assert entry_reply is not None and system_reply is not None
    sent = statements_of(monkeypatch)
    batch_outcome, marks_outcome = ride(
        records, credit(OTHER_USER, "next"), [entry_reply, system_reply], {}
    )
    assert isinstance(batch_outcome, BatchResult) and isinstance(marks_outcome, BatchResult)
    assert len(sent) == 1 and "records_write" in sent[0], sent
    assert [r.dedupe_key for r in records.replies_pending()] == ["next:0"]
    with pool.connection() as conn:
        rows = conn.execute("SELECT dedupe_key, sent_at IS NOT NULL FROM replies ORDER BY id")
        assert rows.fetchall() == [("r:0", True), ("next:0", False)]
    assert records.balance(OTHER_USER) == 5


@pytest.mark.parametrize("loss", ["taken over", "later epoch than believed"])
def test_sent_marks_riding_a_records_call_of_a_shard_not_ours_are_refused_alone(
    pool: ConnectionPool, leases: HeldLeases, loss: str
) -> None:
    """The carried marks are fenced as the marks' own statement is: a shard not held
    refuses them all (the batch of a shard still ours is written)."""
    records = PgRecords(pool, leases=leases)
    stored = records.apply(credit(USER, "r")).reply_ids[0]
    assert stored is not None
    shard = shard_of(USER, SHARDS)
    if loss == "taken over":
        take_over(pool, shard)
    else:
        with pool.connection() as conn:
            conn.execute("UPDATE shard_leases SET epoch = epoch + 1 WHERE shard = %s", (shard,))
    before = fenced("records")
    batch_outcome, marks_outcome = ride(records, credit(OTHER_USER, "ok"), [stored], {})
    assert isinstance(batch_outcome, BatchResult)
    assert isinstance(marks_outcome, Fenced)
    assert fenced("records") == before + 1
    assert sorted(r.dedupe_key for r in records.replies_pending()) == ["ok:0", "r:0"]
    assert records.balance(OTHER_USER) == 5


def test_sent_marks_riding_a_records_call_under_an_earlier_epoch_are_left(
    pool: ConnectionPool,
) -> None:
    """A carried mark of a reply submitted under an earlier epoch of its shard's lease is not
    written (counted, the coordinator not told); the others are."""
    leases = Reacquired(pool)
    records = PgRecords(pool, leases=leases)
    ids = records.apply(
        RecordBatch(
            replies=[
                OutgoingReply(key, n, USER, "sendMessage", {}, USER, n)
                for n, key in enumerate(["old:0", "new:0"], start=11)
            ]
        )
    ).reply_ids
    old, new = ids
    assert old is not None and new is not None
    before = fenced("records")
    _, marks_outcome = ride(records, credit(OTHER_USER, "ok"), [old, new], {old: 1, new: 3})
    assert isinstance(marks_outcome, BatchResult)
    assert sorted(r.dedupe_key for r in records.replies_pending()) == ["ok:0", "old:0"]
    assert fenced("records") == before + 1
    assert leases.reported == []


def test_sent_marks_queued_while_a_records_group_is_written_share_its_call(
    pool: ConnectionPool, leases: HeldLeases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the group commit: marks waiting to be carried (``carry_s``) and a turn's
    batch queued meanwhile go out in one records_write call, the marks durable."""
    records = PgRecords(pool, leases=leases)
    stored = records.apply(credit(USER, "r")).reply_ids[0]
    assert stored is not None
    sent = statements_of(monkeypatch)
    group: Any = records._group
    threads = [
        threading.Thread(target=lambda: records.replies_done([stored], carry_s=5.0)),
        threading.Thread(target=lambda: records.apply(credit(OTHER_USER, "next"))),
    ]
    with group._leader:
        for thread in threads:
            thread.start()
            deadline = time.monotonic() + 2
            while thread is threads[0] and not group._queue and time.monotonic() < deadline:
                time.sleep(0.001)
        while len(group._queue) < 2 and time.monotonic() < deadline:
            time.sleep(0.001)
    for thread in threads:
        thread.join(5)
    assert len(sent) == 1 and "records_write" in sent[0], sent
    assert [r.dedupe_key for r in records.replies_pending()] == ["next:0"]
