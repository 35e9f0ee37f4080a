"""One contract, every adapter: each test runs against SQLite, MongoDB (SecantusDB or the
mongod named by YABOT_TEST_MONGODB_URI) and PostgreSQL (a throwaway server, see conftest.py)."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yabot.storage.snapshots.base import (
    MAX_STATE_BYTES,
    NO_UPDATE,
    SaveStatus,
    Snapshot,
    SnapshotStore,
)

MAX_INT64 = 2**63 - 1
StoreFactory = Callable[[], SnapshotStore]


def snap(key: str, version: int, state: bytes = b"", update: int = 0, at: float = 1.5) -> Snapshot:
    return Snapshot(key, version, update, state or f"{key}@{version}".encode(), at)


def save(store: SnapshotStore, s: Snapshot) -> SaveStatus:
    [outcome] = store.save_many([s])
    assert outcome.key == s.key and outcome.version == s.version
    return outcome.status


def test_absent_key_loads_none(store: SnapshotStore) -> None:
    assert store.load("user:nobody") is None


def test_saved_snapshot_loads_back_exactly(store: SnapshotStore) -> None:
    binary = bytes(range(256)) * 40
    first = Snapshot("user:1", 1, MAX_INT64, binary, 1_764_000_000.123456)
    assert save(store, first) is SaveStatus.SAVED
    assert store.load("user:1") == first
    empty = Snapshot("user:2", 1, NO_UPDATE, b"", 0.0)
    assert save(store, empty) is SaveStatus.SAVED
    assert store.load("user:2") == empty


def test_versions_chain_forward(store: SnapshotStore) -> None:
    for version in range(1, 6):
        assert save(store, snap("user:1", version, update=version * 10)) is SaveStatus.SAVED
    loaded = store.load("user:1")
    assert loaded is not None and loaded.version == 5 and loaded.seq == 50


def test_stale_writer_is_refused_and_changes_nothing(store: SnapshotStore) -> None:
    save(store, snap("user:1", 1))
    newest = snap("user:1", 2, b"new")
    save(store, newest)
    [outcome] = store.save_many([snap("user:1", 2, b"stale")])
    assert outcome.status is SaveStatus.CONFLICT and not outcome.saved
    assert outcome.conflict is not None
    assert (outcome.conflict.key, outcome.conflict.version) == ("user:1", 2)
    assert outcome.conflict.stored_version == 2
    assert "user:1" in str(outcome.conflict) and "version 2" in str(outcome.conflict)
    assert save(store, snap("user:1", 1, b"older")) is SaveStatus.CONFLICT
    assert store.load("user:1") == newest


def test_skipping_a_version_is_refused(store: SnapshotStore) -> None:
    save(store, snap("user:1", 1))
    [outcome] = store.save_many([snap("user:1", 3)])
    assert outcome.status is SaveStatus.CONFLICT
    assert outcome.conflict is not None and outcome.conflict.stored_version == 1
    loaded = store.load("user:1")
    assert loaded is not None and loaded.version == 1


def test_later_version_of_an_absent_key_is_refused_and_not_created(store: SnapshotStore) -> None:
    [outcome] = store.save_many([snap("user:9", 4)])
    assert outcome.status is SaveStatus.CONFLICT
    assert outcome.conflict is not None and outcome.conflict.stored_version is None
    assert "absent" in str(outcome.conflict)
    assert store.load("user:9") is None


def test_batch_outcomes_are_per_snapshot_in_input_order(store: SnapshotStore) -> None:
    save(store, snap("a", 1))
    save(store, snap("b", 1))
    save(store, snap("b", 2))
    batch = [snap("a", 2), snap("b", 2, b"stale"), snap("c", 1), snap("d", 3), snap("e", 1)]
    outcomes = store.save_many(batch)
    assert [o.key for o in outcomes] == ["a", "b", "c", "d", "e"]
    assert [o.status for o in outcomes] == [
        SaveStatus.SAVED,
        SaveStatus.CONFLICT,
        SaveStatus.SAVED,
        SaveStatus.CONFLICT,
        SaveStatus.SAVED,
    ]
    assert store.load("a") == batch[0] and store.load("c") == batch[2]
    assert store.load("d") is None


def test_group_commit_of_many_keys(store: SnapshotStore) -> None:
    batch = [snap(f"user:{i}", 1, update=i) for i in range(300)]
    assert all(o.saved for o in store.save_many(batch))
    assert all(o.saved for o in store.save_many([snap(s.key, 2) for s in batch]))
    loaded = store.load("user:299")
    assert loaded is not None and loaded.version == 2


def test_duplicate_keys_in_one_batch_are_refused_before_anything_is_stored(
    store: SnapshotStore,
) -> None:
    with pytest.raises(ValueError, match="'x' appears twice"):
        store.save_many([snap("w", 1), snap("x", 1), snap("x", 2)])
    assert store.load("w") is None and store.load("x") is None


def test_oversized_state_is_rejected_and_the_rest_of_the_batch_saved(store: SnapshotStore) -> None:
    huge = Snapshot("big", 1, 0, b"\0" * (MAX_STATE_BYTES + 1), 1.0)
    outcomes = store.save_many([huge, snap("small", 1)])
    assert outcomes[0].status is SaveStatus.REJECTED and "limit" in (outcomes[0].error or "")
    assert outcomes[1].saved
    assert store.load("big") is None


def test_retrying_an_identical_stored_snapshot_counts_as_saved(store: SnapshotStore) -> None:
    first = snap("user:1", 1)
    save(store, first)
    second = snap("user:1", 2)
    save(store, second)
    assert save(store, second) is SaveStatus.SAVED  # reply lost, batch retried
    assert save(store, snap("user:1", 2, b"different")) is SaveStatus.CONFLICT


def test_delete_removes_and_a_new_history_can_start(store: SnapshotStore) -> None:
    save(store, snap("user:1", 1))
    save(store, snap("user:1", 2))
    store.delete("user:1")
    store.delete("user:1")
    assert store.load("user:1") is None
    assert save(store, snap("user:1", 1, b"fresh")) is SaveStatus.SAVED


def test_ping_answers(store: SnapshotStore) -> None:
    assert store.ping() is True


def test_invalid_snapshots_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="version"):
        Snapshot("k", 0, 0, b"", 0.0)
    with pytest.raises(ValueError, match="seq"):
        Snapshot("k", 1, 2**63, b"", 0.0)
    with pytest.raises(ValueError, match="key"):
        Snapshot("", 1, 0, b"", 0.0)
    with pytest.raises(TypeError, match="bytes"):
        Snapshot("k", 1, 0, "text", 0.0)  # type: ignore[arg-type]


def test_two_writers_from_the_same_base_only_one_wins(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()
    save(first, snap("user:1", 1))
    base = second.load("user:1")
    assert base is not None
    assert save(first, snap("user:1", base.version + 1, b"first")) is SaveStatus.SAVED
    assert save(second, snap("user:1", base.version + 1, b"second")) is SaveStatus.CONFLICT
    loaded = second.load("user:1")
    assert loaded is not None and loaded.state == b"first"


def test_racing_threads_store_each_version_exactly_once(store_factory: StoreFactory) -> None:
    stores = [store_factory() for _ in range(4)]
    wins: list[tuple[int, int]] = []
    lock = threading.Lock()

    def race(writer: int) -> None:
        for version in range(1, 16):
            [outcome] = stores[writer].save_many([snap("hot", version, f"{writer}".encode())])
            if outcome.saved:
                with lock:
                    wins.append((version, writer))

    threads = [threading.Thread(target=race, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    versions = sorted(v for v, _ in wins)
    assert versions == sorted(set(versions))  # no version stored twice
    loaded = stores[0].load("hot")
    assert loaded is not None and loaded.version == max(versions)


writes = st.lists(
    st.tuples(st.sampled_from("abc"), st.integers(min_value=1, max_value=6), st.binary(max_size=8)),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(writes, min_size=1, max_size=4))
def test_cas_property_stored_version_only_moves_forward(
    store: SnapshotStore, batches: list[list[tuple[str, int, bytes]]]
) -> None:
    prefix = uuid.uuid4().hex[:8]
    model: dict[str, Snapshot] = {}
    counter = itertools.count()
    for batch in batches:
        unique: dict[str, Snapshot] = {}
        for key, version, state in batch:
            unique[key] = Snapshot(f"{prefix}:{key}", version, 0, state, float(next(counter)))
        outcomes = store.save_many(list(unique.values()))
        for (key, attempted), outcome in zip(unique.items(), outcomes, strict=True):
            current = model.get(key)
            expected_ok = attempted.version == (current.version + 1 if current else 1)
            assert outcome.saved is expected_ok, (key, attempted.version, current)
            if expected_ok:
                model[key] = attempted
    for key in "abc":
        assert store.load(f"{prefix}:{key}") == model.get(key)
