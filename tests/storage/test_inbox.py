from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from yabot.storage.inbox import Inbox, InboxEntry, InboxError, open_inbox


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[Inbox]:
    box = open_inbox(tmp_path, busy_timeout_ms=100)
    yield box
    box.close()


def metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_append_stores_once_and_a_repeat_changes_nothing(inbox: Inbox) -> None:
    duplicates = metric("yabot_inbox_duplicates_total")
    assert inbox.append(10, 7, b'{"update_id": 10}', 1.0) is True
    assert inbox.append(10, 8, b"other", 2.0) is False
    assert inbox.count() == 1
    assert inbox.entries_after(7, 0) == [InboxEntry(10, 7, b'{"update_id": 10}', 1.0)]
    assert inbox.entries_after(8, 0) == []
    assert metric("yabot_inbox_duplicates_total") == duplicates + 1


def test_payload_keeps_its_type(inbox: Inbox) -> None:
    inbox.append(1, 5, "texto ñ 🎲", 1.0)
    inbox.append(2, 5, b"\x00\xff", 1.0)
    assert [e.payload for e in inbox.entries_after(5, 0)] == ["texto ñ 🎲", b"\x00\xff"]


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


def test_largest_update_id_fits(inbox: Inbox) -> None:
    assert inbox.append(2**63 - 1, 1, b"x", 1.0)
    assert inbox.entries_after(1, 2**63 - 2)[0].update_id == 2**63 - 1


def test_append_many_is_all_or_nothing_on_bad_input(inbox: Inbox) -> None:
    good = InboxEntry(1, 1, b"a", 1.0)
    with pytest.raises(ValueError):
        inbox.append_many([good, InboxEntry(-5, 1, b"b", 1.0)])
    assert inbox.count() == 0
    assert inbox.append_many([good, InboxEntry(2, 1, b"b", 1.0), good]) == [True, True, False]


def test_entries_after_replays_one_users_entries_in_update_id_order(inbox: Inbox) -> None:
    for update_id, user in [(5, 1), (3, 1), (4, 2), (9, 1), (7, 1)]:
        inbox.append(update_id, user, f"u{update_id}", float(update_id))
    assert [e.update_id for e in inbox.entries_after(1, 3)] == [5, 7, 9]
    assert [e.update_id for e in inbox.entries_after(1, -1)] == [3, 5, 7, 9]


def test_prune_removes_only_covered_entries_of_that_user(inbox: Inbox) -> None:
    pruned = metric("yabot_inbox_pruned_total")
    for update_id, user in [(1, 1), (2, 2), (3, 1), (4, 1)]:
        inbox.append(update_id, user, b"", time.time())
    assert inbox.pending_users() == [1, 2]
    assert inbox.prune(1, 3) == 2
    assert [e.update_id for e in inbox.entries_after(1, 0)] == [4]
    assert inbox.prune(1, 4) == 1
    assert inbox.pending_users() == [2]
    assert metric("yabot_inbox_pruned_total") == pruned + 3
    assert inbox.append(1, 1, b"late redelivery", 0.0) is False  # covered, still a repeat
    assert inbox.entries_after(1, -1) == []


def test_pruned_ids_are_forgotten_after_the_dedup_retention(tmp_path: Path) -> None:
    now = [1000.0]
    box = Inbox(tmp_path / "inbox.sqlite3", dedup_retention_s=100, clock=lambda: now[0])
    box.append(1, 1, b"old", 950.0)
    box.append(2, 1, b"recent", 990.0)
    box.append(3, 1, b"not covered", 800.0)
    box.prune(1, 2)
    now[0] = 1060.0
    assert box.expire() == 1  # update 1 received at 950 < 1060 - 100
    assert box.append(1, 1, b"new life", 1060.0) is True
    assert box.append(2, 1, b"repeat", 1060.0) is False
    assert [e.update_id for e in box.entries_after(1, -1)] == [1, 3]  # uncovered never expire
    box.close()


def test_prune_many_prunes_several_users_at_once(inbox: Inbox) -> None:
    for update_id, user in [(1, 1), (2, 2), (3, 1), (4, 2), (5, 3)]:
        inbox.append(update_id, user, b"", 0.0)
    assert inbox.prune_many([(1, 3), (2, 2)]) == 3
    assert inbox.pending_users() == [2, 3]
    assert [e.update_id for e in inbox.entries_after(2, 0)] == [4]


def test_replied_marks_survive_a_reopen(tmp_path: Path) -> None:
    box = open_inbox(tmp_path)
    box.append(1, 1, b"", 0.0)
    box.append(2, 1, b"", 0.0)
    box.append(3, 1, b"", 0.0)
    box.mark_replied(1)
    box.mark_replied_many([3])
    box.close()
    box = open_inbox(tmp_path)
    assert [box.is_replied(u) for u in (1, 2, 3, 99)] == [True, False, True, False]
    assert [e.replied for e in box.entries_after(1, 0)] == [True, False, True]
    box.close()


def test_concurrent_appenders_store_each_update_once(inbox: Inbox) -> None:
    accepted: list[int] = []
    lock = threading.Lock()

    def deliver() -> None:
        for update_id in range(300):  # every thread delivers the same updates (retries)
            if inbox.append(update_id, update_id % 7, b"x", 0.0):
                with lock:
                    accepted.append(update_id)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(accepted) == list(range(300))
    assert inbox.count() == 300


def test_a_locked_database_fails_loudly_and_loses_nothing(tmp_path: Path, inbox: Inbox) -> None:
    inbox.append(1, 1, b"kept", 0.0)
    blocker = sqlite3.connect(inbox.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(InboxError, match="locked"):
        inbox.append(2, 1, b"refused", 0.0)
    blocker.execute("ROLLBACK")
    blocker.close()
    assert inbox.append(2, 1, b"accepted on retry", 0.0) is True
    assert [e.payload for e in inbox.entries_after(1, 0)] == [b"kept", b"accepted on retry"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    deliveries=st.lists(
        st.tuples(st.integers(0, 40), st.integers(1, 3), st.booleans()), max_size=80
    )
)
def test_property_repeats_store_each_update_once_and_replay_in_order(
    tmp_path_factory: pytest.TempPathFactory, deliveries: list[tuple[int, int, bool]]
) -> None:
    box = open_inbox(tmp_path_factory.mktemp("inbox"))
    first_seen: dict[int, tuple[int, str]] = {}
    try:
        for index, (update_id, user, batched) in enumerate(deliveries):
            payload = f"delivery {index}"
            entry = InboxEntry(update_id, user, payload, float(index))
            stored = box.append_many([entry])[0] if batched else box.append(*_fields(entry))
            assert stored is (update_id not in first_seen)
            first_seen.setdefault(update_id, (user, payload))
        assert box.count() == len(first_seen)
        for user in (1, 2, 3):
            replay = box.entries_after(user, -1)
            expected = sorted(u for u, (owner, _) in first_seen.items() if owner == user)
            assert [e.update_id for e in replay] == expected
            assert all(e.payload == first_seen[e.update_id][1] for e in replay)
    finally:
        box.close()


def _fields(entry: InboxEntry) -> tuple[int, int, bytes | str, float]:
    return entry.update_id, entry.user_id, entry.payload, entry.received_at
