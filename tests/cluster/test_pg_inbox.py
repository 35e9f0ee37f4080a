"""What the shared PostgreSQL inbox adds to the inbox contract (tests/storage/test_inbox.py):
per-shard commit order across instances, NOTIFY on commit, no plaintext, fenced pruning."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from prometheus_client import REGISTRY
from psycopg_pool import ConnectionPool

from yabot.cluster.leases import Lease
from yabot.security.crypto import Encryptor
from yabot.shards import shard_of
from yabot.storage.inbox import Arrival
from yabot.storage.postgres.inbox import CHANNEL, PgInbox
from yabot.storage.postgres.pool import open_pool

KEY = Fernet.generate_key()
SHARDS = 4


@pytest.fixture
def pools(pg_dsn: str) -> Iterator[list[ConnectionPool]]:
    opened = [open_pool(pg_dsn, max_size=4) for _ in range(3)]
    yield opened
    for pool in opened:
        pool.close()


@pytest.mark.parametrize("combined", [False, True], ids=["per-shard", "all-shards-at-once"])
def test_a_shard_consumer_never_skips_an_entry_committed_late(
    pools: list[ConnectionPool], combined: bool
) -> None:
    """Three instances append concurrently; a reader following ``seq > last`` per shard sees
    every entry (a lower seq never commits after a higher one of the same shard), whether it
    reads shard by shard or every shard in one query (``shards_entries``, a small limit)."""
    boxes = [PgInbox(pool, encryptor=Encryptor([KEY]), shards=SHARDS) for pool in pools]
    per_writer, stop = 150, threading.Event()

    def write(index: int) -> None:
        box = boxes[index]
        for n in range(per_writer):
            update_id = index * 100_000 + n
            box.append_many(
                [
                    Arrival(update_id, update_id % 11, b"x", 1.0),
                    Arrival(update_id + 50_000, n % 7, b"y", 1.0),
                ]
            )

    seen: dict[int, list[int]] = {shard: [] for shard in range(SHARDS)}
    reader = boxes[0]

    def consume() -> None:
        last = dict.fromkeys(range(SHARDS), 0)
        while True:
            finished = stop.is_set()
            if combined:
                while True:
                    got = reader.shards_entries(last, limit=7)
                    for entry in got:
                        seen[entry.shard].append(entry.seq)
                        last[entry.shard] = entry.seq
                    if len(got) < 7:
                        break
                if finished:
                    return
                continue
            for shard in range(SHARDS):
                for entry in reader.shard_entries(shard, last[shard]):
                    seen[shard].append(entry.seq)
                    last[shard] = entry.seq
            if finished:
                return

    consumer = threading.Thread(target=consume)
    consumer.start()
    writers = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    consumer.join()
    total = sum(len(v) for v in seen.values())
    assert total == 3 * per_writer * 2 == reader.count()
    for shard, seqs in seen.items():
        assert seqs == sorted(seqs)
        assert len(seqs) == len(reader.shard_entries(shard, 0, limit=10_000))


def test_an_append_notifies_its_shards_on_commit(pg_dsn: str, pools: list[ConnectionPool]) -> None:
    box = PgInbox(pools[0], encryptor=Encryptor([KEY]), shards=SHARDS)
    users = [3, 8, 3] if shard_of(3, SHARDS) != shard_of(8, SHARDS) else [3, 9, 3]
    with psycopg.connect(pg_dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        got_seqs = box.append_many([Arrival(n + 1, u, b"a", 1.0) for n, u in enumerate(users)])
        box.append(1, users[0], b"a", 1.0)  # a repeat stores nothing and notifies nothing
        got = [n.payload for n in listener.notifies(timeout=1.0)]
    # One notification per append, naming every shard it wrote in ascending order, each with
    # the highest seq written there.
    top: dict[int, int] = {}
    for user, appended in zip(users, got_seqs, strict=True):
        shard = shard_of(user, SHARDS)
        top[shard] = max(top.get(shard, 0), appended.seq)
    assert got == [",".join(f"{s}:{top[s]}" for s in sorted(top))]


def test_no_payload_rests_in_plaintext(pools: list[ConnectionPool]) -> None:
    box = PgInbox(pools[0], encryptor=Encryptor([KEY]), shards=SHARDS)
    box.append(1, 1, "mi respuesta secreta", 1.0)
    with pools[0].connection() as conn:
        rows = conn.execute("SELECT payload FROM inbox_entries").fetchall()
    assert rows and all(b"secreta" not in bytes(r[0]) for r in rows)
    assert box.entries_after(1, 0)[0].payload == b"mi respuesta secreta"


def test_the_payloads_of_known_seqs_are_not_decrypted(pools: list[ConnectionPool]) -> None:
    box = PgInbox(pools[0], encryptor=Encryptor([KEY]), shards=SHARDS)
    first, second = box.append_many([Arrival(1, 1, b"one", 1.0), Arrival(2, 1, b"two", 1.0)])
    shard = shard_of(1, SHARDS)
    got = box.shards_entries({shard: 0}, known={first.seq})
    assert [(e.seq, e.payload) for e in got] == [(first.seq, b""), (second.seq, b"two")]
    assert [e.payload for e in box.shards_entries({shard: 0})] == [b"one", b"two"]


class _Leases:
    shards = SHARDS

    def __init__(self, held: dict[int, Lease]) -> None:
        self.held = held

    def lease(self, shard: int) -> Any:
        return self.held.get(shard)

    def refused(self, lease: Any) -> None:
        """The database decides; this view changes only when the test says so."""


def test_pruning_is_fenced_per_shard(pools: list[ConnectionPool]) -> None:
    from yabot.cluster.leases import SCHEMA

    with pools[0].connection() as conn:
        for statement in SCHEMA:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO shard_leases (shard) SELECT generate_series(0, %s)", (SHARDS - 1,)
        )
        conn.execute(
            "UPDATE shard_leases SET owner = 'me', epoch = 2, expires_at = now() + interval '1 h'"
        )
        conn.execute("UPDATE shard_leases SET epoch = 3 WHERE shard = %s", (shard_of(2, SHARDS),))
    ours, stale = 1, 2
    assert shard_of(ours, SHARDS) != shard_of(stale, SHARDS)
    leases = _Leases({s: Lease(s, 2, "me") for s in range(SHARDS)})
    box = PgInbox(pools[0], encryptor=Encryptor([KEY]), leases=leases)
    a = box.append(10, ours, b"a", 1.0)
    b = box.append(11, stale, b"b", 1.0)
    before = REGISTRY.get_sample_value("yabot_cluster_fenced_writes_total", {"store": "inbox"}) or 0
    assert box.prune_many([(ours, a.seq), (stale, b.seq)]) == 1
    after = REGISTRY.get_sample_value("yabot_cluster_fenced_writes_total", {"store": "inbox"}) or 0
    assert after == before + 1
    assert box.pending_users() == [stale]
