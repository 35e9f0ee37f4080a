from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from yabot.security.crypto import DecryptionError, Encryptor
from yabot.shards import shard_of
from yabot.storage.inbox import Appended, Arrival, Inbox, InboxError, InboxStore, fingerprint

DAY = 86_400.0
KEY = Fernet.generate_key()


def _open(path: Path, **kw: object) -> Inbox:
    return Inbox(path / "inbox.sqlite3", encryptor=Encryptor([KEY]), **kw)  # type: ignore[arg-type]


OpenInbox = Callable[..., InboxStore]


@pytest.fixture(params=["sqlite", "postgres"])
def open_box(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenInbox]:
    """Opens inboxes of one adapter that all see the same data (one file or one database);
    keyword arguments go to the adapter (``shards``, ``clock`` ...)."""
    opened: list[InboxStore] = []
    pools: list[Any] = []

    def open_inbox(**kw: Any) -> InboxStore:
        box: InboxStore
        if request.param == "sqlite":
            box = _open(tmp_path, **kw)
        else:
            from yabot.storage.postgres.inbox import PgInbox
            from yabot.storage.postgres.pool import open_pool

            if not pools:
                pools.append(open_pool(request.getfixturevalue("pg_dsn"), max_size=6))
            kw.pop("busy_timeout_ms", None)
            box = PgInbox(pools[0], encryptor=Encryptor([KEY]), **kw)
        opened.append(box)
        return box

    yield open_inbox
    for box in opened:
        box.close()
    for pool in pools:
        pool.close()


@pytest.fixture
def inbox(open_box: OpenInbox) -> InboxStore:
    """An inbox of each adapter (the contract suite runs against every one)."""
    return open_box(busy_timeout_ms=100)


def metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_append_stores_once_and_a_repeat_gets_the_first_arrivals_seq(inbox: InboxStore) -> None:
    duplicates = metric("yabot_inbox_duplicates_total")
    first = inbox.append(10, 7, b'{"update_id": 10}', 1.0)
    assert first.new
    assert inbox.append(10, 7, b'{"update_id":10}', 2.0) == Appended(first.seq, False)
    assert inbox.count() == 1
    [entry] = inbox.entries_after(7, 0)
    assert (entry.seq, entry.update_id, entry.payload, entry.received_at) == (
        first.seq,
        10,
        b'{"update_id": 10}',
        1.0,
    )
    assert inbox.entries_after(8, 0) == []
    assert metric("yabot_inbox_duplicates_total") == duplicates + 1


def _message(update_id: int, message_id: int, date: int, text: str) -> str:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": message_id,
                "date": date,
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "Ana"},
                "text": text,
            },
        }
    )


def test_a_different_update_reusing_a_recent_id_is_new(inbox: InboxStore) -> None:
    # A restarted emulator (or Telegram after a quiet week) counts ids again: same id, other
    # update. A retry is the same update again: same id, same message.
    reused = metric("yabot_inbox_reused_ids_total")
    first = inbox.append(1, 5, _message(1, 40, 1_000, "hola"), 1.0)
    retry = inbox.append(1, 5, _message(1, 40, 1_000, "hola"), 2.0)
    other = inbox.append(1, 5, _message(1, 41, 1_060, "hola"), 3.0)
    assert first.new and not retry.new and retry.seq == first.seq
    assert other.new and other.seq > first.seq
    assert metric("yabot_inbox_reused_ids_total") == reused + 1
    assert not inbox.append(1, 5, _message(1, 41, 1_060, "hola"), 4.0).new  # its retry


def test_the_fingerprint_ignores_text_and_formatting() -> None:
    assert fingerprint(_message(1, 40, 1_000, "a")) == fingerprint(_message(1, 40, 1_000, "b"))
    assert fingerprint(_message(1, 40, 1_000, "a")) != fingerprint(_message(1, 40, 1_001, "a"))
    assert fingerprint(_message(1, 40, 1_000, "a")) == fingerprint(
        json.dumps(json.loads(_message(1, 40, 1_000, "a")), indent=2)
    )


def test_payloads_come_back_as_bytes(inbox: InboxStore) -> None:
    inbox.append(1, 5, "texto ñ 🎲", 1.0)
    inbox.append(2, 5, b"\x00\xff", 1.0)
    assert [e.payload for e in inbox.entries_after(5, 0)] == ["texto ñ 🎲".encode(), b"\x00\xff"]


def test_no_payload_rests_in_plaintext(tmp_path: Path) -> None:
    box = _open(tmp_path)
    secret = "mi respuesta secreta: echo de menos a mi abuela"
    for update_id in range(50):
        box.append(update_id, 1, f'{{"text": "{secret} {update_id}"}}', 1.0)
    box.close()  # (WAL files included: read every file before and after the checkpoint)
    for path in tmp_path.iterdir():
        assert b"mi respuesta secreta" not in path.read_bytes(), path.name
    other_keys = Inbox(tmp_path / "inbox.sqlite3", encryptor=Encryptor([Fernet.generate_key()]))
    with pytest.raises(DecryptionError):
        other_keys.entries_after(1, 0)
    other_keys.close()


@pytest.mark.parametrize(
    ("update_id", "user_id", "message"),
    [
        (-1, 1, "outside 0..2\\*\\*63-1"),
        (2**63, 1, "outside 0..2\\*\\*63-1"),
        (10**400, 1, "outside"),
        ("123", 1, "update_id must be an int"),
        (True, 1, "update_id must be an int"),
        (1, 2**64, "user_id 18446744073709551616 does not fit"),
    ],
)
def test_out_of_range_ids_are_refused_clearly_and_nothing_is_stored(
    inbox: Inbox, update_id: int, user_id: int, message: str
) -> None:
    rejected = metric("yabot_inbox_rejected_total")
    with pytest.raises(ValueError, match=message):
        inbox.append(update_id, user_id, b"x", 1.0)
    assert inbox.count() == 0
    assert metric("yabot_inbox_rejected_total") == rejected + 1


def test_largest_update_id_fits(inbox: InboxStore) -> None:
    assert inbox.append(2**63 - 1, 1, b"x", 1.0).new
    assert inbox.entries_after(1, 0)[0].update_id == 2**63 - 1


def test_append_many_is_all_or_nothing_on_bad_input(inbox: InboxStore) -> None:
    good = Arrival(1, 1, b"a", 1.0)
    with pytest.raises(ValueError):
        inbox.append_many([good, Arrival(-5, 1, b"b", 1.0)])
    assert inbox.count() == 0
    results = inbox.append_many([good, Arrival(2, 1, b"b", 1.0), good])
    assert [r.new for r in results] == [True, True, False]
    assert results[2].seq == results[0].seq < results[1].seq


def test_entries_replay_in_arrival_order_whatever_their_update_ids(inbox: InboxStore) -> None:
    # Telegram picks ids at random after a quiet week: a later update may have a lower id.
    for update_id, user in [(900_000_005, 1), (3, 1), (4, 2), (900_000_009, 1), (7, 1)]:
        inbox.append(update_id, user, f"u{update_id}", 1.0)
    replay = inbox.entries_after(1, 0)
    assert [e.update_id for e in replay] == [900_000_005, 3, 900_000_009, 7]
    assert [e.seq for e in replay] == sorted(e.seq for e in replay)
    assert [e.update_id for e in inbox.entries_after(1, replay[1].seq)] == [900_000_009, 7]


def test_entries_carry_their_shard(open_box: OpenInbox) -> None:
    box = open_box(shards=16)
    for user in range(40):
        box.append(user + 1, user, b"x", 1.0)
    for shard in range(16):
        users = {e.user_id for e in box.shard_entries(shard)}
        assert all(shard_of(u, 16) == shard for u in users)
    box.close()
    box = open_box(shards=4)  # a new shard count restamps the entries
    assert {e.user_id for e in box.shard_entries(shard_of(7, 4))} >= {7}
    assert all(e.shard == shard_of(e.user_id, 4) for e in box.entries_received_since(0.0))
    box.close()


def test_prune_removes_only_covered_entries_of_that_user(inbox: InboxStore) -> None:
    pruned = metric("yabot_inbox_pruned_total")
    seqs = {}
    for update_id, user in [(1, 1), (2, 2), (3, 1), (4, 1)]:
        seqs[update_id] = inbox.append(update_id, user, b"", time.time()).seq
    assert inbox.pending_users() == [1, 2]
    assert inbox.prune(1, seqs[3]) == 2
    assert [e.update_id for e in inbox.entries_after(1, 0)] == [4]
    assert inbox.prune(1, seqs[4]) == 1
    assert inbox.pending_users() == [2]
    assert metric("yabot_inbox_pruned_total") == pruned + 3
    assert not inbox.append(1, 1, b"", time.time()).new  # covered, a late redelivery
    assert inbox.entries_after(1, 0) == []


def test_an_id_is_remembered_48_hours_then_a_reuse_is_a_new_update(open_box: OpenInbox) -> None:
    now = [10 * DAY]
    box = open_box(clock=lambda: now[0])
    old = box.append(1, 1, b"old", now[0] - 3 * DAY)
    box.append(2, 1, b"recent", now[0] - DAY)
    box.append(3, 1, b"not covered", now[0] - 5 * DAY)
    expired = metric("yabot_inbox_expired_total")
    box.prune(1, old.seq + 1)  # (also forgets expired ids)
    assert metric("yabot_inbox_expired_total") == expired + 1  # update 1, 3 days ago
    again = box.append(1, 1, b"new life", now[0])
    assert again.new and again.seq > old.seq
    assert not box.append(2, 1, b"recent", now[0]).new  # a retry
    assert [e.payload for e in box.entries_after(1, 0)] == [b"not covered", b"new life"]
    # Even an uncovered entry does not make a reuse long after it a repeat.
    assert box.append(3, 1, b"id 3 again, 5 days later", now[0]).new
    box.close()


def test_the_retention_is_at_least_48_hours(open_box: OpenInbox) -> None:
    with pytest.raises(ValueError, match="48 h"):
        open_box(dedup_retention_s=3600)


def test_prune_many_prunes_several_users_at_once(inbox: InboxStore) -> None:
    seqs = {}
    for update_id, user in [(1, 1), (2, 2), (3, 1), (4, 2), (5, 3)]:
        seqs[update_id] = inbox.append(update_id, user, b"", 0.0).seq
    assert inbox.prune_many([(1, seqs[3]), (2, seqs[2])]) == 3
    assert inbox.pending_users() == [2, 3]
    assert [e.update_id for e in inbox.entries_after(2, 0)] == [4]


def test_schema_1_entries_are_moved_in_encrypted_in_their_old_order(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        """CREATE TABLE inbox (update_id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL,
        payload BLOB NOT NULL, received_at REAL NOT NULL, replied INTEGER NOT NULL DEFAULT 0,
        covered INTEGER NOT NULL DEFAULT 0);"""
    )
    old.executemany(
        "INSERT INTO inbox VALUES (?, ?, ?, ?, ?, ?)",
        [
            (30, 1, b"thirty", 3.0, 1, 0),
            (10, 1, b"", 1.0, 1, 1),
            (20, 2, "twenty: plaintext answer", 2.0, 0, 0),
        ],
    )
    old.commit()
    old.close()
    box = _open(tmp_path)
    [thirty] = box.entries_after(1, 0)
    assert (thirty.update_id, thirty.payload, thirty.legacy, thirty.replied) == (
        30,
        b"thirty",
        True,
        True,
    )
    [twenty] = box.entries_after(2, 0)
    assert twenty.seq < thirty.seq and twenty.payload == b"twenty: plaintext answer"
    assert not box.append(10, 1, b"repeat of a covered one", 4.0).new
    new = box.append(40, 1, b"new", 5.0)
    assert new.seq > thirty.seq
    assert not box.entries_after(1, thirty.seq)[0].legacy
    box.close()
    assert b"plaintext answer" not in path.read_bytes()


def test_concurrent_appenders_store_each_update_once(inbox: InboxStore) -> None:
    accepted: list[int] = []
    lock = threading.Lock()

    def deliver() -> None:
        for update_id in range(300):  # every thread delivers the same updates (retries)
            if inbox.append(update_id, update_id % 7, b"x", 0.0).new:
                with lock:
                    accepted.append(update_id)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(accepted) == list(range(300))
    assert inbox.count() == 300


def test_a_locked_database_fails_loudly_and_loses_nothing(tmp_path: Path) -> None:
    inbox = _open(tmp_path, busy_timeout_ms=100)  # SQLite's own failure mode
    inbox.append(1, 1, b"kept", 0.0)
    blocker = sqlite3.connect(inbox.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(InboxError, match="locked"):
        inbox.append(2, 1, b"refused", 0.0)
    blocker.execute("ROLLBACK")
    blocker.close()
    assert inbox.append(2, 1, b"accepted on retry", 0.0).new
    assert [e.payload for e in inbox.entries_after(1, 0)] == [b"kept", b"accepted on retry"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    deliveries=st.lists(
        st.tuples(st.integers(0, 40), st.integers(1, 3), st.booleans()), max_size=80
    )
)
def test_property_repeats_store_each_update_once_and_replay_in_arrival_order(
    inbox: InboxStore, deliveries: list[tuple[int, int, bool]]
) -> None:
    # One inbox for every example: each example has its own ids and users.
    base = 1000 * (inbox.count() + 1) + len(inbox.pending_users()) * 10_000_000
    users = {u: base + u for u in (1, 2, 3)}
    counted = inbox.count()
    first_seen: dict[int, tuple[int, bytes, int]] = {}
    for index, (short_id, short_user, batched) in enumerate(deliveries):
        update_id, user = base + short_id, users[short_user]
        payload = f"update {update_id}".encode()  # a retry is the same update
        entry = Arrival(update_id, user, payload, float(index))
        stored = (
            inbox.append_many([entry])[0]
            if batched
            else inbox.append(update_id, user, payload, float(index))
        )
        assert stored.new is (update_id not in first_seen)
        if stored.new:
            first_seen[update_id] = (user, payload, stored.seq)
        else:
            assert stored.seq == first_seen[update_id][2]
    assert inbox.count() == counted + len(first_seen)
    for user in users.values():
        replay = inbox.entries_after(user, 0)
        expected = sorted((seq, u) for u, (owner, _, seq) in first_seen.items() if owner == user)
        assert [(e.seq, e.update_id) for e in replay] == expected
        assert all(e.payload == first_seen[e.update_id][1] for e in replay)
