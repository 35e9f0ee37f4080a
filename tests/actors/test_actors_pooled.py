"""PooledActor keeps pykka's ActorRef semantics while sharing a WorkerPool."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import threading
from typing import Any

import pykka
import pytest
from actor_helpers import wait_until

from actors import PooledActor, WorkerPool, list_actors, use_pool

# Hashes of the pykka 4.5.0 private methods PooledActor runs as they are. If pykka changes
# them, re-read them and re-check PooledActor._run_turn / Mailbox.get before updating.
PINNED_PYKKA_SOURCES = {
    "__init__": "bf2a2517",
    "_actor_loop_setup": "2687bc37",
    "_actor_loop_running": "4109f316",
    "_actor_loop_teardown": "1b35ca26",
    "_handle_receive": "2851d285",
    "_handle_failure": "e0d63e0c",
    "_stop": "1d3216e9",
}


def _source_hash(name: str) -> str:
    source = inspect.getsource(getattr(pykka.Actor, name))
    return hashlib.sha256(source.encode()).hexdigest()[:8]


def test_pykka_version_and_private_loop_are_the_pinned_ones() -> None:
    assert importlib.metadata.version("pykka") == "4.5.0"
    assert {name: _source_hash(name) for name in PINNED_PYKKA_SOURCES} == PINNED_PYKKA_SOURCES


class Counter(PooledActor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.events: list[str] = []

    def on_start(self) -> None:
        self.events.append("start")

    def on_receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("boom")
        self.count += 1
        return self.count

    def add(self, n: int) -> int:
        self.count += n
        return self.count


def test_tell_ask_proxy_stop(pool: WorkerPool) -> None:
    ref = Counter.start()
    ref.tell("a")
    assert ref.ask("b") == 2
    proxy = ref.proxy()
    assert proxy.add(10).get(timeout=2) == 12
    assert proxy.count.get(timeout=2) == 12
    assert proxy.events.get(timeout=2) == ["start"]
    assert ref.stop() is True
    assert not ref.is_alive()
    with pytest.raises(pykka.ActorDeadError):
        ref.tell("late")
    with pytest.raises(pykka.ActorDeadError):
        ref.ask("late", timeout=1)
    assert ref.stop() is False


def test_start_is_cheap_and_on_start_runs_on_a_pool_thread(pool: WorkerPool) -> None:
    release = threading.Event()
    seen: dict[str, str] = {}

    class SlowStart(PooledActor):
        def on_start(self) -> None:
            seen["thread"] = threading.current_thread().name
            release.wait(5)

        def on_receive(self, message: Any) -> Any:
            return message

    ref = SlowStart.start()  # returns although on_start is still blocked
    future = ref.ask("hello", block=False)
    assert "thread" not in seen or seen["thread"] != threading.current_thread().name
    release.set()
    assert future.get(timeout=2) == "hello"
    assert seen["thread"].startswith("test-actors-")
    ref.stop()


def test_ask_exception_goes_to_caller_and_actor_lives(pool: WorkerPool) -> None:
    ref = Counter.start()
    with pytest.raises(ValueError, match="boom"):
        ref.ask("boom", timeout=2)
    assert ref.ask("x", timeout=2) == 1
    ref.stop()


def test_tell_exception_calls_on_failure_and_stops_actor(pool: WorkerPool) -> None:
    failures: list[str] = []
    gate = threading.Event()

    class Fragile(PooledActor):
        def on_receive(self, message: Any) -> Any:
            gate.wait(5)
            if message == "boom":
                raise ValueError("boom")
            return message

        def on_failure(self, exc_type: Any, exc: Any, tb: Any) -> None:
            failures.append(repr(exc))

        def on_stop(self) -> None:
            failures.append("on_stop must not run after a failure")

    ref = Fragile.start()
    ref.tell("boom")
    queued = ref.ask("after", block=False)
    gate.set()
    with pytest.raises(pykka.ActorDeadError):
        queued.get(timeout=2)
    assert failures == ["ValueError('boom')"]
    assert not ref.is_alive()


def test_on_start_failure_stops_actor_and_fails_queued_asks(pool: WorkerPool) -> None:
    class BadStart(PooledActor):
        def on_start(self) -> None:
            raise RuntimeError("cannot load")

    ref = BadStart.start()
    with pytest.raises(pykka.ActorDeadError):
        ref.ask("x", timeout=2)
    wait_until(lambda: not ref.is_alive())


def test_messages_before_stop_are_handled_and_on_stop_runs(pool: WorkerPool) -> None:
    stopped = threading.Event()

    class Stopper(Counter):
        def on_stop(self) -> None:
            stopped.set()

    ref = Stopper.start()
    futures = [ref.ask(i, block=False) for i in range(100)]
    assert ref.stop(timeout=2) is True
    assert [f.get(timeout=2) for f in futures] == list(range(1, 101))
    assert stopped.is_set()


def test_one_actor_never_runs_two_turns_at_once(pool: WorkerPool) -> None:
    class Exclusive(PooledActor):
        def __init__(self) -> None:
            super().__init__()
            self.inside = 0
            self.overlaps = 0

        def on_receive(self, message: Any) -> Any:
            self.inside += 1
            if self.inside > 1:
                self.overlaps += 1
            threading.Event().wait(0.00001)
            self.inside -= 1
            return self.overlaps

    ref = Exclusive.start()
    senders = [threading.Thread(target=lambda: [ref.tell(i) for i in range(300)]) for _ in range(8)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    assert ref.ask("done", timeout=5) == 0
    ref.stop()


def test_turns_are_fair_a_busy_actor_does_not_starve_others() -> None:
    single = WorkerPool(1, name="fair")
    order: list[str] = []

    class Recorder(PooledActor):
        pool = single
        turn_size = 8

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def on_receive(self, message: Any) -> Any:
            order.append(self.name)

    busy, quiet = Recorder.start("busy"), Recorder.start("quiet")
    gate = threading.Event()
    single.submit(lambda: gate.wait(5))  # hold the only worker while mail piles up
    for _ in range(100):
        busy.tell("work")
    quiet.tell("work")
    gate.set()
    wait_until(lambda: len(order) == 101)
    assert order.index("quiet") <= 8, "the quiet actor waited for more than one busy turn"
    busy.stop()
    quiet.stop()
    assert single.shutdown(timeout=5)


def test_pool_comes_from_class_attribute_or_use_pool() -> None:
    use_pool(None)

    class Orphan(PooledActor):
        pass

    with pytest.raises(RuntimeError, match="use_pool"):
        Orphan.start()
    own = WorkerPool(2, name="own")

    class Owned(Counter):
        pool = own

    ref = Owned.start()
    assert ref.ask("x", timeout=2) == 1
    ref.stop()
    assert own.shutdown(timeout=5)


def test_pooled_actors_skip_pykkas_registry_but_are_listed(pool: WorkerPool) -> None:
    ref = Counter.start()
    ref.ask("x", timeout=2)
    assert ref not in pykka.ActorRegistry.get_all()
    urns = [info.urn for info in list_actors()]
    assert ref.actor_urn in urns
    ref.stop()
    assert ref.actor_urn not in [info.urn for info in list_actors()]


def test_pool_shutdown_refuses_new_work(pool: WorkerPool) -> None:
    from actors import PoolShutDown

    ref = Counter.start()
    ref.ask("x", timeout=2)
    ref.stop()
    pool.shutdown(timeout=5)
    with pytest.raises(PoolShutDown):
        pool.submit(lambda: None)


def test_pool_shutdown_can_drop_what_is_queued() -> None:
    own = WorkerPool(1, name="dropping")
    running, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def blocker() -> None:
        running.set()
        release.wait(5)

    own.submit(blocker)
    for n in range(3):
        own.submit(functools.partial(ran.append, n))
    assert running.wait(5)
    assert not own.shutdown(timeout=0.0, drop_queued=True)  # the running turn goes on
    release.set()
    assert own.shutdown(timeout=5)
    assert ran == [], "the queued turns never ran"
