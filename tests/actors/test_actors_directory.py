"""Directory: O(1) get-or-activate, loader/saver on pool threads, passivation and a cap."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from actor_helpers import RECORDER, wait_until

from actors import Directory, DirectoryClosed, KeyedActor, WorkerPool, list_actors


class Store:
    """Stands in for a snapshot database: records which thread loaded and saved."""

    def __init__(self) -> None:
        self.data: dict[str, int] = {}
        self.loads: list[tuple[str, str]] = []
        self.saves: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def load(self, key: str) -> int:
        with self.lock:
            self.loads.append((key, threading.current_thread().name))
            return self.data.get(key, 0)

    def save(self, key: str, state: int) -> None:
        with self.lock:
            self.saves.append((key, state))
            self.data[key] = state


class Tally(KeyedActor[str, int]):
    def on_receive(self, message: Any) -> Any:
        if message == "get":
            return self.state
        self.state += message
        return self.state


def make(store: Store, **options: Any) -> Directory[str]:
    return Directory(Tally, store.load, store.save, name="test-dir", **options)


def test_activation_loads_on_a_pool_thread_and_keeps_state(pool: WorkerPool) -> None:
    store = Store()
    store.data["alice"] = 40
    directory = make(store)
    directory.tell("alice", 1)
    assert directory.ask("alice", 1).get(timeout=5) == 42
    assert directory.resident_count() == 1
    assert directory.keys() == ["alice"]
    assert store.loads == [("alice", store.loads[0][1])]
    assert store.loads[0][1].startswith("test-actors-")
    assert directory.stop_all(timeout=5)
    assert store.data["alice"] == 42


def test_tell_returns_while_the_loader_is_still_running(pool: WorkerPool) -> None:
    release = threading.Event()
    store = Store()

    def slow_load(key: str) -> int:
        release.wait(5)
        return store.load(key)

    directory = Directory(Tally, slow_load, store.save, name="slow")
    directory.tell("bob", 5)  # would hang here if the loader ran in the caller
    reply = directory.ask("bob", "get")
    assert not reply._result
    release.set()
    assert reply.get(timeout=5) == 5
    assert directory.stop_all(timeout=5)


def test_idle_actors_are_saved_and_stopped_then_reactivated(pool: WorkerPool) -> None:
    store = Store()
    directory = make(store, idle_timeout=60)
    before = RECORDER.count("passivated", "test-dir", "idle")
    assert directory.ask("carol", 7).get(timeout=5) == 7
    assert directory.sweep() == 0  # not idle yet
    import time

    assert directory.sweep(now=time.monotonic() + 61) == 1
    wait_until(lambda: directory.resident_count() == 0)
    assert store.data == {"carol": 7}
    after = RECORDER.count("passivated", "test-dir", "idle")
    assert after == before + 1
    assert directory.ask("carol", 1).get(timeout=5) == 8
    assert len(store.loads) == 2
    assert directory.stop_all(timeout=5)


def test_manual_passivation_and_sweeper(pool: WorkerPool) -> None:
    store = Store()
    directory = make(store, idle_timeout=0.05)
    directory.ask("dan", 3).get(timeout=5)
    assert directory.passivate("dan") is True
    assert directory.passivate("dan") is False  # already requested
    wait_until(lambda: not directory.is_resident("dan"))
    assert store.data["dan"] == 3
    directory.ask("erin", 1).get(timeout=5)
    directory.start_sweeper(0.02)
    wait_until(lambda: directory.resident_count() == 0)
    assert store.data["erin"] == 1
    assert directory.stop_all(timeout=5)


def test_resident_cap_passivates_least_recently_used(pool: WorkerPool) -> None:
    store = Store()
    directory = make(store, max_resident=3, idle_timeout=None)
    for key in ["k1", "k2", "k3"]:
        directory.ask(key, 1).get(timeout=5)
    directory.ask("k1", 1).get(timeout=5)  # k2 is now the least recently used
    directory.ask("k4", 1).get(timeout=5)
    wait_until(lambda: directory.resident_count() == 3)
    assert set(directory.keys()) == {"k1", "k3", "k4"}
    assert store.data == {"k2": 1}
    assert directory.stop_all(timeout=5)
    assert store.data == {"k1": 2, "k2": 1, "k3": 1, "k4": 1}


def test_message_during_passivation_cancels_it(pool: WorkerPool) -> None:
    store = Store()
    saving = threading.Event()
    proceed = threading.Event()

    def slow_save(key: str, state: int) -> None:
        saving.set()
        proceed.wait(5)
        store.save(key, state)

    directory = Directory(Tally, store.load, slow_save, name="race")
    directory.ask("fay", 1).get(timeout=5)
    directory.passivate("fay")
    assert saving.wait(5)
    reply = directory.ask("fay", 1)  # arrives while the saver runs
    proceed.set()
    assert reply.get(timeout=5) == 2
    assert directory.is_resident("fay")
    assert len(store.loads) == 1
    assert directory.stop_all(timeout=5)
    assert store.data["fay"] == 2


def test_stop_all_saves_everything_and_refuses_new_mail(pool: WorkerPool) -> None:
    store = Store()
    directory = make(store)
    for i in range(50):
        directory.tell(f"u{i}", i)
    assert directory.stop_all(timeout=5)
    assert store.data == {f"u{i}": i for i in range(50)}
    assert directory.resident_count() == 0
    with pytest.raises(DirectoryClosed):
        directory.tell("u1", 1)
    assert not [a for a in list_actors() if a.actor_class == "Tally"]


def test_crash_without_supervisor_retires_and_next_message_reloads(pool: WorkerPool) -> None:
    store = Store()
    store.data["gil"] = 10
    directory = make(store)
    directory.ask("gil", 5).get(timeout=5)
    directory.tell("gil", "not a number")  # TypeError in a tell: the actor crashes
    wait_until(lambda: not directory.is_resident("gil"))
    assert directory.ask("gil", 1).get(timeout=5) == 11  # unsaved 15 is not trusted
    assert directory.stop_all(timeout=5)


def test_invalid_options_are_refused() -> None:
    store = Store()
    with pytest.raises(ValueError, match="idle_timeout"):
        Directory(Tally, store.load, store.save, idle_timeout=0)
    with pytest.raises(ValueError, match="max_resident"):
        Directory(Tally, store.load, store.save, max_resident=0)
