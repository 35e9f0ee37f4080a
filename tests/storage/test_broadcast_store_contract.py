"""The broadcast store's contract, on every adapter (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.storage.api_store_adapters import adapters
from yabot.api.broadcast_store import BroadcastStore, Outcomes, SqliteBroadcastStore

Opener = Callable[[], Any]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    def postgres(pool: Any) -> Any:
        from yabot.api.pg_broadcast_store import PgBroadcastStore

        return PgBroadcastStore(pool)

    yield from adapters(request, tmp_path, SqliteBroadcastStore, postgres)


def test_a_broadcast_runs_to_done(open_store: Opener) -> None:
    store: BroadcastStore = open_store()
    assert isinstance(store, BroadcastStore)
    created, new = store.create("hi", {"tier": "vip"}, [3, 1, 2, 2], "ops", "key-1", "fp")
    assert new and created.total == 3 and created.state == "running" and created.pending == 3
    assert created.segment == {"tier": "vip"}
    assert store.running_ids() == [created.id]
    first = store.claim(created.id, 2)
    assert first == [1, 2]
    store.record(created.id, Outcomes(sent=[1], failed=[(2, "blocked" * 50)]))
    after = store.get(created.id)
    assert after is not None and (after.sent, after.failed, after.pending) == (1, 1, 1)
    assert store.claim(created.id, 10) == [3]
    store.record(created.id, Outcomes(retry=[3]))
    assert store.claim(created.id, 10) == [3]
    store.record(created.id, Outcomes(sent=[3]))
    assert store.claim(created.id, 10) == []
    done = store.finish(created.id, "done")
    assert done is not None and done.state == "done" and done.finished_at is not None
    assert store.finish(created.id, "cancelled") == done  # only a running one moves
    assert store.running_ids() == []


def test_the_same_key_creates_nothing_new(open_store: Opener) -> None:
    store: BroadcastStore = open_store()
    first, new = store.create("hi", {}, [1, 2], "ops", "key-1", "fp")
    again, new_again = open_store().create("other", {}, [5], "ops", "key-1", "fp2")
    assert new and not new_again and again == first
    assert store.by_key("key-1") == first
    assert store.by_key("nope") is None
    no_key, _ = store.create("x", {}, [], "ops")
    assert no_key.state == "done" and no_key.total == 0
    assert [b.id for b in store.latest(10)] == [no_key.id, first.id]
    assert [b.id for b in store.latest(10, state="running")] == [first.id]


def test_claims_left_by_a_crash_are_released(open_store: Opener) -> None:
    store: BroadcastStore = open_store()
    created, _ = store.create("hi", {}, range(1, 6), "ops")
    assert store.claim(created.id, 3) == [1, 2, 3]
    restarted = open_store()
    assert restarted.release_claims(created.id) == 3
    assert restarted.claim(created.id, 10) == [1, 2, 3, 4, 5]


def test_concurrent_claimers_never_take_a_recipient_twice(open_store: Opener) -> None:
    stores = [open_store() for _ in range(2)]
    created, _ = stores[0].create("hi", {}, range(1, 201), "ops")
    claimed: list[int] = []
    lock = threading.Lock()

    def claim(store: BroadcastStore) -> None:
        while users := store.claim(created.id, 7):
            with lock:
                claimed.extend(users)

    threads = [threading.Thread(target=claim, args=(stores[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == list(range(1, 201))
