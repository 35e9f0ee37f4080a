from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yabot.config import StorageSettings
from yabot.security.crypto import Encryptor
from yabot.storage.breaker import CircuitBreaker
from yabot.storage.inbox import Inbox
from yabot.storage.snapshots import open_snapshot_store
from yabot.storage.snapshots.base import (
    SaveOutcome,
    Snapshot,
    SnapshotConflict,
    SnapshotStoreError,
)
from yabot.storage.snapshots.mongo import MongoSnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.snapshots.writer import SnapshotWriter


class RecordingStore(SqliteSnapshotStore):
    """The real SQLite store, remembering the size of each group commit."""

    def __init__(self, path: Path, **kwargs: int) -> None:
        super().__init__(path, **kwargs)
        self.batches: list[int] = []

    def save_many(self, snapshots: Sequence[Snapshot]) -> list[SaveOutcome]:
        outcomes = super().save_many(snapshots)
        self.batches.append(len(snapshots))
        return outcomes


def snap(key: str, state: bytes, update: int = 1, version: int = 1) -> Snapshot:
    return Snapshot(key, version, update, state, time.time())


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RecordingStore]:
    s = RecordingStore(tmp_path / "snapshots.sqlite3", busy_timeout_ms=50)
    yield s
    s.close()


@pytest.fixture
def make_writer() -> Iterator[Callable[..., SnapshotWriter]]:
    writers: list[SnapshotWriter] = []

    def make(store: object, **kwargs: object) -> SnapshotWriter:
        writer = SnapshotWriter(store, **kwargs)  # type: ignore[arg-type]
        writers.append(writer)
        return writer

    yield make
    for writer in writers:
        writer.stop(timeout=1)


def test_group_commit_writes_many_keys_per_call(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, batch_size=100, every_s=60)
    for i in range(250):
        writer.submit(snap(f"user:{i}", f"state {i}".encode(), update=i))
    writer.start()
    assert writer.flush(timeout=10)
    assert store.batches == [100, 100, 50]
    loaded = store.load("user:249")
    assert loaded is not None and loaded.state == b"state 249"
    assert writer.durable_seq("user:249") == 249
    assert writer.pending_count() == 0


def test_only_the_newest_pending_snapshot_per_key_is_written(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, every_s=60, every_transitions=1000)
    for turn in range(50):
        writer.submit(snap("user:1", f"turn {turn}".encode(), update=turn))
    assert writer.pending_count() == 1
    writer.start()
    assert writer.flush(timeout=10)
    assert store.batches == [1]
    loaded = store.load("user:1")
    assert loaded is not None and (loaded.state, loaded.version) == (b"turn 49", 1)


def test_later_writes_of_one_activation_chain_versions(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, every_s=60)
    writer.start()
    for turn in range(1, 4):
        writer.submit(snap("user:1", f"turn {turn}".encode(), update=turn, version=1))
        assert writer.flush(["user:1"], timeout=10)
    loaded = store.load("user:1")
    assert loaded is not None and (loaded.version, loaded.state) == (3, b"turn 3")
    assert writer.durable_version("user:1") == 3


def test_submissions_from_many_threads_land_newest_per_key(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, batch_size=64, every_s=0.01, every_transitions=5)
    writer.start()

    def actor_thread(thread: int) -> None:
        for turn in range(300):
            key = f"user:{thread}:{turn % 25}"
            writer.submit(snap(key, f"{turn}".encode(), update=turn))

    threads = [threading.Thread(target=actor_thread, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert writer.flush(timeout=20)
    for thread in range(4):
        for slot in range(25):
            loaded = store.load(f"user:{thread}:{slot}")
            assert loaded is not None and loaded.state == f"{275 + slot}".encode()
            assert writer.durable_seq(f"user:{thread}:{slot}") == 275 + slot


def test_settings_build_the_writer_and_its_breaker(store: RecordingStore) -> None:
    settings = StorageSettings.model_validate(
        {"snapshot_batch_size": 7, "snapshot_breaker_failures": 9, "snapshot_breaker_reset_s": 3}
    )
    writer = SnapshotWriter.from_settings(store, settings)
    assert writer.breaker.health()["name"] == "snapshot_store"
    assert writer.flush(timeout=0.1) is True  # nothing submitted: nothing to wait for
    writer.submit(snap("k", b"x"))
    assert writer.flush(timeout=0.1) is False  # not started: cannot become durable


def test_a_key_is_written_after_n_transitions(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, every_s=60, every_transitions=3)
    writer.start()
    writer.submit(snap("user:1", b"1"))
    writer.submit(snap("user:1", b"2"))
    time.sleep(0.2)
    assert store.load("user:1") is None
    writer.submit(snap("user:1", b"3"))
    assert eventually(lambda: store.load("user:1") is not None)
    assert store.batches == [1]


def test_a_key_is_written_after_t_seconds(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, every_s=0.3, every_transitions=1000)
    writer.start()
    writer.submit(snap("user:1", b"1"))
    assert store.load("user:1") is None
    assert eventually(lambda: store.load("user:1") is not None)


def test_flush_of_some_keys_leaves_the_others_waiting(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, every_s=60, every_transitions=1000)
    writer.start()
    writer.submit(snap("a", b"a"))
    writer.submit(snap("b", b"b"))
    assert writer.flush(["a"], timeout=10)
    assert store.load("a") is not None and store.load("b") is None
    assert writer.pending_count() == 1
    assert writer.stop(timeout=5)
    assert store.load("b") is not None


def test_a_stale_writer_is_refused_and_observers_are_told(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    store.save_many([snap("user:1", b"newer elsewhere", update=50)])
    conflicts: list[SnapshotConflict] = []
    writer = make_writer(store, every_s=60)
    writer.on_conflict(conflicts.append)
    writer.start()
    writer.submit(snap("user:1", b"stale", update=10, version=1))
    assert writer.flush(timeout=10) is False
    assert [(c.key, c.version, c.stored_version) for c in conflicts] == [("user:1", 1, 1)]
    loaded = store.load("user:1")
    assert loaded is not None and loaded.state == b"newer elsewhere"


def test_an_observer_that_flushes_gets_an_error_not_a_deadlock(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, every_s=60)
    errors: list[BaseException] = []

    def flush_from_observer(_: Sequence[Snapshot]) -> None:
        try:
            writer.flush(timeout=5)
        except RuntimeError as exc:
            errors.append(exc)

    writer.on_durable(flush_from_observer)
    writer.start()
    writer.submit(snap("a", b"a"))
    assert writer.flush(timeout=10)
    assert len(errors) == 1 and "deadlock" in str(errors[0])


def test_durable_snapshots_prune_the_inbox(
    tmp_path: Path, store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3", encryptor=Encryptor([Fernet.generate_key()]))
    seqs = [inbox.append(update_id, 7, b"{}", 0.0).seq for update_id in (10, 11, 12)]
    writer = make_writer(store, every_s=60)

    def prune(durable: Sequence[Snapshot]) -> None:
        inbox.prune_many((int(s.key.split(":")[1]), s.seq) for s in durable)

    writer.on_durable(prune)
    writer.start()
    writer.submit(snap("user:7", b"after 11", update=seqs[1]))
    assert writer.flush(timeout=10)
    assert [e.update_id for e in inbox.entries_after(7, 0)] == [12]
    inbox.close()


def test_locked_sqlite_store_snapshots_wait_and_land_when_it_returns(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    breaker = CircuitBreaker("test-sqlite-down", failure_threshold=2, reset_s=0.2)
    writer = make_writer(store, every_s=0.05, breaker=breaker, retry_s=0.02)
    writer.start()
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    writer.submit(snap("user:1", b"during outage 1"))
    assert writer.flush(timeout=0.8) is False
    writer.submit(snap("user:1", b"during outage 2"))
    health = writer.health()
    assert health["healthy"] is False and health["pending"] == 1
    assert health["breaker"]["state"] in ("open", "half_open")
    waiting = writer.pending_snapshot("user:1")
    assert waiting is not None and waiting.state == b"during outage 2"
    blocker.execute("ROLLBACK")
    blocker.close()
    assert writer.flush(timeout=10)
    assert writer.pending_snapshot("user:1") is None
    loaded = store.load("user:1")
    assert loaded is not None and (loaded.state, loaded.version) == (b"during outage 2", 1)
    assert writer.health()["healthy"] is True


class TimesOutOnBigBatches(RecordingStore):
    """The real SQLite store, failing like a store whose timeout a big batch exceeds."""

    def save_many(self, snapshots: Sequence[Snapshot]) -> list[SaveOutcome]:
        if len(snapshots) > 8:
            raise SnapshotStoreError("operation exceeded time limit")
        return super().save_many(snapshots)


def test_batches_shrink_after_failures_until_they_fit(
    tmp_path: Path, make_writer: Callable[..., SnapshotWriter]
) -> None:
    store = TimesOutOnBigBatches(tmp_path / "s.sqlite3")
    breaker = CircuitBreaker("test-shrink", failure_threshold=100, reset_s=1)
    writer = make_writer(store, batch_size=64, every_s=60, breaker=breaker, retry_s=0.001)
    for i in range(50):
        writer.submit(snap(f"user:{i}", b"x"))
    writer.start()
    assert writer.flush(timeout=10)
    assert store.batches and max(store.batches) <= 8 and sum(store.batches) == 50
    store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_stopped_mongodb_snapshots_wait_and_land_when_it_returns(
    tmp_path: Path, make_writer: Callable[..., SnapshotWriter]
) -> None:
    from secantus import SecantusDBServer

    port = _free_port()
    server = SecantusDBServer(port=port, storage_path=str(tmp_path / "mongo"))
    server.start()
    store = MongoSnapshotStore(f"mongodb://127.0.0.1:{port}/", timeout_ms=300)
    breaker = CircuitBreaker("test-mongo-down", failure_threshold=2, reset_s=0.3)
    writer = make_writer(store, every_s=0.05, breaker=breaker, retry_s=0.05)
    writer.start()
    writer.submit(snap("user:1", b"before"))
    assert writer.flush(timeout=10)
    server.stop()
    assert store.ping() is False
    writer.submit(snap("user:1", b"during outage", update=2))
    writer.submit(snap("user:2", b"new player during outage", update=3))
    assert writer.flush(timeout=1.0) is False
    assert writer.health()["pending"] == 2
    server = SecantusDBServer(port=port, storage_path=str(tmp_path / "mongo"))
    server.start()
    try:
        assert writer.flush(timeout=15)
        first, second = store.load("user:1"), store.load("user:2")
        assert first is not None and (first.state, first.version) == (b"during outage", 2)
        assert second is not None and second.state == b"new player during outage"
    finally:
        writer.stop(timeout=1)
        store.close()
        server.stop()


def test_stop_writes_everything_and_reports_loss_when_the_store_stays_down(
    store: RecordingStore, make_writer: Callable[..., SnapshotWriter]
) -> None:
    writer = make_writer(store, every_s=60, every_transitions=1000)
    writer.start()
    writer.submit(snap("a", b"a"))
    assert writer.stop(timeout=5) is True
    assert store.load("a") is not None
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    down = make_writer(store, every_s=60, every_transitions=1000, retry_s=0.01)
    down.start()
    down.submit(snap("b", b"b"))
    assert down.stop(timeout=0.5) is False
    blocker.execute("ROLLBACK")
    blocker.close()


def test_factory_picks_sqlite_without_a_mongodb_uri(tmp_path: Path) -> None:
    store = open_snapshot_store(StorageSettings.model_validate({"data_dir": tmp_path}))
    assert isinstance(store, SqliteSnapshotStore)
    assert (tmp_path / "snapshots.sqlite3").exists()
    store.close()


def test_factory_picks_mongodb_with_a_uri(mongodb_uri: str) -> None:
    store = open_snapshot_store(StorageSettings.model_validate({"mongodb_uri": mongodb_uri}))
    assert isinstance(store, MongoSnapshotStore) and store.ping()
    store.close()


operations = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), st.sampled_from("abcd"), st.integers(0, 99)),
        st.tuples(st.just("flush"), st.sampled_from(["a", "b", "*"]), st.just(0)),
    ),
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_property_the_last_submission_of_each_key_is_what_lands(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str, int]]
) -> None:
    store = SqliteSnapshotStore(tmp_path_factory.mktemp("w") / "s.sqlite3")
    writer = SnapshotWriter(store, batch_size=3, every_transitions=2, every_s=0.01)
    writer.start()
    last: dict[str, bytes] = {}
    try:
        for kind, key, value in ops:
            if kind == "submit":
                last[key] = f"{key}={value}".encode()
                writer.submit(snap(key, last[key]))
            else:
                assert writer.flush(None if key == "*" else [key], timeout=10)
        assert writer.stop(timeout=10)
        for key, state in last.items():
            loaded = store.load(key)
            assert loaded is not None and loaded.state == state
    finally:
        writer.stop(timeout=1)
        store.close()


@pytest.mark.parametrize("uri", ["http://db", "mongodb://user:secret@", "mongodb://db:99999/"])
def test_an_unusable_mongodb_uri_is_a_clear_error_without_the_password(uri: str) -> None:
    with pytest.raises(ValueError, match=r"storage\.mongodb_uri is not usable") as caught:
        open_snapshot_store(StorageSettings.model_validate({"mongodb_uri": uri}))
    assert "secret" not in str(caught.value)
