"""Supervisors restart crashed children through their factories, escalate, stop in order."""

from __future__ import annotations

import threading
from typing import Any

import pykka
import pytest
from actor_helpers import RECORDER, wait_until

from actors import (
    Directory,
    Intensity,
    KeyedActor,
    PooledActor,
    Restart,
    Strategy,
    Supervisor,
    WorkerPool,
    list_actors,
    stop_tree,
    supervise,
)

FAST = Intensity(max_restarts=50, period=5.0, backoff_base=0.0)


class Worker(PooledActor):
    def __init__(self, name: str, log: list[str], initial: int = 0) -> None:
        super().__init__()
        self.name = name
        self.log = log
        self.value = initial

    def on_start(self) -> None:
        self.log.append(f"start {self.name}")

    def on_stop(self) -> None:
        self.log.append(f"stop {self.name}")

    def on_receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError(f"{self.name} crashed")
        if message == "get":
            return self.value
        self.value += message
        return self.value


def start_children(
    sup: pykka.ActorRef[Supervisor], names: list[str], log: list[str]
) -> dict[str, pykka.ActorRef[Any]]:
    refs = {}
    for name in names:
        refs[name] = supervise(sup, name, lambda n=name: Worker.start(n, log))
    return refs


def current_ref(sup: pykka.ActorRef[Supervisor], name: str) -> pykka.ActorRef[Any]:
    """The child's live ref, once the supervisor has registered it."""
    actor = sup._actor_weakref()
    assert actor is not None

    def registered() -> bool:
        child = actor._children.get(name)
        return child is not None and child.ref is not None

    wait_until(registered)
    ref = actor._children[name].ref
    assert ref is not None
    return ref


def restarted(sup: pykka.ActorRef[Supervisor], name: str, old: pykka.ActorRef[Any]) -> bool:
    actor = sup._actor_weakref()
    child = actor._children.get(name) if actor else None
    return child is not None and child.ref is not None and child.ref is not old


def test_one_for_one_rebuilds_only_the_failed_child_from_its_factory(pool: WorkerPool) -> None:
    log: list[str] = []
    sup = Supervisor.start("s1", Strategy.ONE_FOR_ONE, FAST)
    refs = start_children(sup, ["a", "b"], log)
    refs["a"].ask(5, timeout=5)
    refs["b"].ask(7, timeout=5)
    refs["a"].tell("crash")
    wait_until(lambda: restarted(sup, "a", refs["a"]))
    new_a = current_ref(sup, "a")
    assert new_a.ask("get", timeout=5) == 0  # rebuilt by the factory, not the crashed object
    assert refs["b"].ask("get", timeout=5) == 7
    assert current_ref(sup, "b") is refs["b"]
    assert new_a.actor_inbox.restarts == 1
    assert stop_tree(sup, timeout=5)


def test_one_for_all_restarts_every_child(pool: WorkerPool) -> None:
    log: list[str] = []
    sup = Supervisor.start("s2", Strategy.ONE_FOR_ALL, FAST)
    refs = start_children(sup, ["a", "b", "c"], log)
    for ref in refs.values():
        ref.ask(1, timeout=5)
    refs["b"].tell("crash")
    wait_until(lambda: all(restarted(sup, n, refs[n]) for n in "abc"))
    assert all(current_ref(sup, n).ask("get", timeout=5) == 0 for n in "abc")
    assert "stop a" in log and "stop c" in log
    assert stop_tree(sup, timeout=5)


def test_rest_for_one_restarts_the_failed_and_later_children(pool: WorkerPool) -> None:
    log: list[str] = []
    sup = Supervisor.start("s3", Strategy.REST_FOR_ONE, FAST)
    refs = start_children(sup, ["a", "b", "c"], log)
    for ref in refs.values():
        ref.ask(1, timeout=5)
    refs["b"].tell("crash")
    wait_until(lambda: restarted(sup, "b", refs["b"]) and restarted(sup, "c", refs["c"]))
    assert current_ref(sup, "a") is refs["a"]
    assert refs["a"].ask("get", timeout=5) == 1
    assert current_ref(sup, "c").ask("get", timeout=5) == 0
    assert stop_tree(sup, timeout=5)


def test_transient_and_temporary_children_are_not_restarted_after_a_normal_stop(
    pool: WorkerPool,
) -> None:
    log: list[str] = []
    sup = Supervisor.start("s4", Strategy.ONE_FOR_ONE, FAST)
    transient = supervise(sup, "t", lambda: Worker.start("t", log), restart=Restart.TRANSIENT)
    temporary = supervise(sup, "x", lambda: Worker.start("x", log), restart=Restart.TEMPORARY)
    transient.stop()
    temporary.tell("crash")
    wait_until(lambda: sup.proxy().child_count().get(timeout=5) == 0)
    assert log.count("start t") == 1 and log.count("start x") == 1
    assert stop_tree(sup, timeout=5)


def test_intensity_exceeded_stops_children_and_escalates_to_parent(pool: WorkerPool) -> None:
    log: list[str] = []
    gave_up: list[BaseException] = []
    root = Supervisor.start("root", Strategy.ONE_FOR_ONE, FAST, on_give_up=gave_up.append)
    builds: list[pykka.ActorRef[Supervisor]] = []

    def make_shard() -> pykka.ActorRef[Supervisor]:
        shard = Supervisor.start("shard", Strategy.ONE_FOR_ONE, Intensity(2, 60.0, 0.0))
        supervise(shard, "w", lambda: Worker.start("w", log))
        builds.append(shard)
        return shard

    supervise(root, "shard", make_shard)
    before = RECORDER.count("escalated", "shard")
    for _ in range(3):  # the third restart within the period is one too many
        shard = builds[-1]
        old = current_ref(shard, "w")
        old.tell("crash")
        wait_until(lambda s=shard, o=old: restarted(s, "w", o) or not s.is_alive())
    wait_until(lambda: len(builds) == 2)  # the root rebuilt the shard through its factory
    assert not builds[0].is_alive()
    assert RECORDER.count("escalated", "shard") == before + 1
    assert builds[1].is_alive() and not gave_up
    assert stop_tree(root, timeout=5)


def test_root_gives_up_through_its_callback(pool: WorkerPool) -> None:
    log: list[str] = []
    gave_up: list[BaseException] = []
    root = Supervisor.start("root2", Strategy.ONE_FOR_ONE, Intensity(0, 60.0, 0.0), gave_up.append)
    ref = supervise(root, "w", lambda: Worker.start("w", log))
    ref.tell("crash")
    wait_until(lambda: not root.is_alive())
    assert len(gave_up) == 1 and "more than 0 restarts" in str(gave_up[0])


def test_backoff_doubles_up_to_a_maximum() -> None:
    intensity = Intensity(max_restarts=10, period=1.0, backoff_base=0.01, backoff_max=0.05)
    assert [intensity.backoff(n) for n in range(1, 6)] == [0.01, 0.02, 0.04, 0.05, 0.05]
    assert Intensity(backoff_base=0).backoff(3) == 0


def test_stop_tree_stops_children_before_their_supervisor(pool: WorkerPool) -> None:
    log: list[str] = []

    class LoggedSupervisor(Supervisor):
        def on_stop(self) -> None:
            log.append(f"stop {self.name}")
            super().on_stop()

    root = LoggedSupervisor.start("root", Strategy.ONE_FOR_ONE, FAST)
    inner = supervise(root, "inner", lambda: LoggedSupervisor.start("inner"))
    start_children(inner, ["a", "b"], log)
    start_children(root, ["c"], log)
    wait_until(lambda: len([e for e in log if e.startswith("start")]) == 3)
    assert stop_tree(root, timeout=5)
    assert log.index("stop inner") > max(log.index("stop a"), log.index("stop b"))
    assert log[-1] == "stop root"


class Account(KeyedActor[int, int]):
    def on_receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("bad update")
        if message == "get":
            return self.state
        self.state += message
        if message == 100:
            self.save()
        return self.state


def test_directory_actor_restarts_through_its_loader_with_its_mail(pool: WorkerPool) -> None:
    saved: dict[int, int] = {}
    loads: list[int] = []

    def load(key: int) -> int:
        loads.append(key)
        return saved.get(key, 0)

    def save(key: int, state: int) -> None:
        saved[key] = state

    sup = Supervisor.start("users", Strategy.ONE_FOR_ONE, FAST)
    directory = Directory(Account, load, save, name="accounts", supervisor=sup)
    directory.ask(1, 100).get(timeout=5)  # persisted: 100
    directory.ask(1, 5).get(timeout=5)  # in memory only: 105
    gate = threading.Event()
    directory.tell(1, "crash")
    replies = [directory.ask(1, 1) for _ in range(3)]  # queued behind (or after) the crash
    gate.set()
    assert [r.get(timeout=5) for r in replies] == [101, 102, 103]
    assert loads == [1, 1]
    assert directory.resident_count() == 1
    infos = [i for i in list_actors() if i.actor_class == "Account"]
    assert infos[0].key == 1 and infos[0].restarts == 1
    assert directory.stop_all(timeout=5)
    assert saved[1] == 103
    assert stop_tree(sup, timeout=5)


def test_supervising_under_a_dead_supervisor_is_refused(pool: WorkerPool) -> None:
    sup = Supervisor.start("dead")
    assert stop_tree(sup, timeout=5)
    started: list[pykka.ActorRef[Any]] = []

    def factory() -> pykka.ActorRef[Any]:
        started.append(Worker.start("w", []))
        return started[-1]

    with pytest.raises(pykka.ActorDeadError):
        supervise(sup, "w", factory)
    wait_until(lambda: not started[0].is_alive())  # not left running unsupervised
