"""Properties under concurrency: per-actor FIFO, no loss and no double activation."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pykka
import pytest
from actor_helpers import wait_until
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from actors import (
    Directory,
    Intensity,
    KeyedActor,
    PooledActor,
    Strategy,
    Supervisor,
    WorkerPool,
    list_actors,
    live_count,
    stop_tree,
    supervise,
    use_pool,
)

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def shared_pool() -> Iterator[WorkerPool]:
    """One pool for all examples of a property (a pool per example would be slow)."""
    pool = WorkerPool(4, name="prop-actors")
    use_pool(pool)
    yield pool
    use_pool(None)
    assert pool.shutdown(timeout=5)


class Log(PooledActor):
    turn_size = 3  # many short turns: more interleaving between senders

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[int, int]] = []

    def on_receive(self, message: Any) -> Any:
        if message == "dump":
            return list(self.received)
        self.received.append(message)
        return None


@PROPERTY
@given(per_sender=st.lists(st.integers(min_value=1, max_value=200), min_size=2, max_size=8))
def test_fifo_per_sender_under_concurrent_senders(
    shared_pool: WorkerPool, per_sender: list[int]
) -> None:
    ref = Log.start()
    start = threading.Barrier(len(per_sender))

    def send(sender: int, count: int) -> None:
        start.wait()
        for seq in range(count):
            if seq % 2:
                ref.tell((sender, seq))
            else:
                ref.ask((sender, seq), block=False)

    threads = [threading.Thread(target=send, args=item) for item in enumerate(per_sender)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = ref.ask("dump", timeout=10)
    ref.stop()
    for sender, count in enumerate(per_sender):
        assert [seq for s, seq in received if s == sender] == list(range(count))


class Counter(KeyedActor[int, int]):
    turn_size = 2

    def __init__(self, key: int, directory: Directory[int], tracker: Tracker) -> None:
        super().__init__(key, directory)
        self.tracker = tracker

    def on_receive(self, message: Any) -> Any:
        self.tracker.enter(self.actor_key)
        try:
            self.state += 1
            return self.state
        finally:
            self.tracker.leave(self.actor_key)


class Tracker:
    """Detects two incarnations of one key handling messages at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.busy: dict[int, int] = {}
        self.overlaps = 0
        self.store: dict[int, int] = {}
        self.loads = 0
        self.saves = 0

    def enter(self, key: int) -> None:
        with self.lock:
            self.busy[key] = self.busy.get(key, 0) + 1
            self.overlaps += self.busy[key] > 1

    def leave(self, key: int) -> None:
        with self.lock:
            self.busy[key] -= 1

    def load(self, key: int) -> int:
        time.sleep(0.0002)
        with self.lock:
            self.loads += 1
            return self.store.get(key, 0)

    def save(self, key: int, state: int) -> None:
        time.sleep(0.0002)
        with self.lock:
            self.saves += 1
            self.store[key] = state


@PROPERTY
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["tell", "ask", "passivate", "sweep", "pause"]), st.integers(0, 4)
        ),
        min_size=20,
        max_size=300,
    ),
    threads=st.integers(min_value=2, max_value=4),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
)
def test_no_loss_no_double_activation_racing_passivation(
    shared_pool: WorkerPool, ops: list[tuple[str, int]], threads: int, cap: int | None
) -> None:
    tracker = Tracker()
    directory = Directory(
        Counter,
        tracker.load,
        tracker.save,
        name="prop",
        idle_timeout=1e-6,
        max_resident=cap,
        actor_kwargs={"tracker": tracker},
    )
    sent = dict.fromkeys(range(5), 0)
    sent_lock = threading.Lock()
    replies: list[Any] = []

    def run(chunk: list[tuple[str, int]]) -> None:
        for op, key in chunk:
            if op == "tell":
                directory.tell(key, "inc")
            elif op == "ask":
                replies.append(directory.ask(key, "inc"))
            elif op == "passivate":
                directory.passivate(key)
            elif op == "sweep":
                directory.sweep()
            else:  # let passivations finish, so keys retire and reactivate mid-run
                time.sleep(0.0005)
            if op in ("tell", "ask"):
                with sent_lock:
                    sent[key] += 1

    workers = [threading.Thread(target=run, args=(ops[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for reply in replies:
        assert isinstance(reply.get(timeout=10), int)
    assert directory.stop_all(timeout=10)
    event(f"reactivations > 0: {tracker.loads > len([k for k in sent if sent[k]])}")
    assert tracker.overlaps == 0
    assert {k: v for k, v in tracker.store.items() if v} == {k: v for k, v in sent.items() if v}


def test_ten_thousand_crash_restart_cycles_leak_nothing(shared_pool: WorkerPool) -> None:
    threads_before = set(threading.enumerate())
    live_before = live_count()
    loads: list[int] = []

    class Crashy(KeyedActor[int, int]):
        turn_size = 64

        def on_receive(self, message: Any) -> Any:
            raise RuntimeError("crash on every message")

    sup = Supervisor.start(
        "crashy", Strategy.ONE_FOR_ONE, Intensity(max_restarts=10**6, backoff_base=0.0)
    )

    def load(key: int) -> int:
        loads.append(key)
        return 0

    directory = Directory(
        Crashy, load, lambda k, s: None, name="crashy", supervisor=sup, idle_timeout=None
    )
    quiet = logging.getLogger("pykka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        for i in range(10_000):
            directory.tell(i % 100, "boom")
        wait_until(lambda: len(loads) == 100 + 10_000, timeout=60)
    finally:
        quiet.setLevel(level)
    assert directory.resident_count() == 100
    wait_until(lambda: sup.proxy().child_count().get(timeout=5) == 100)
    assert directory.stop_all(timeout=10)
    assert stop_tree(sup, timeout=10)
    wait_until(lambda: live_count() == live_before)
    # Threads other tests left may end meanwhile; none may be new.
    assert set(threading.enumerate()) - threads_before == set()


class Member(PooledActor):
    def __init__(self, group: str, name: str) -> None:
        super().__init__()
        self.name = name
        self.actor_key = (group, name)  # shown by list_actors()

    def on_receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        return self.name


@PROPERTY
@given(
    strategy=st.sampled_from(list(Strategy)),
    size=st.integers(min_value=1, max_value=6),
    crashes=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=12),
)
def test_supervisor_restores_exactly_one_child_per_id(
    shared_pool: WorkerPool, strategy: Strategy, size: int, crashes: list[int]
) -> None:
    group = f"g{time.monotonic_ns()}"
    sup = Supervisor.start("prop", strategy, Intensity(max_restarts=10**6, backoff_base=0.0))
    names = [f"c{i}" for i in range(size)]
    first_refs = {n: supervise(sup, n, lambda n=n: Member.start(group, n)) for n in names}
    supervisor = sup._actor_weakref()
    assert supervisor is not None

    def live_members() -> list[str]:
        infos = list_actors()
        return [i.key[1] for i in infos if i.actor_class == "Member" and i.key[0] == group]

    quiet = logging.getLogger("pykka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        crashed = []
        for index in crashes:
            child = supervisor._children.get(names[index % size])
            ref = child.ref if child is not None else None
            if ref is not None and ref.is_alive():
                with contextlib.suppress(pykka.ActorDeadError):
                    ref.tell("crash")
                    crashed.append(ref)
        # Every actor told to crash dies (by its crash, or stopped by a sibling's restart):
        # until then a crash may still be waiting in a mailbox, after the tree looked settled.
        wait_until(lambda: not any(ref.is_alive() for ref in crashed), timeout=10)

        def settled() -> bool:
            children = list(supervisor._children.values())
            return (
                len(children) == size
                and all(c.ref is not None and c.ref.is_alive() for c in children)
                and len(live_members()) == size
            )

        wait_until(settled, timeout=10)
    finally:
        quiet.setLevel(level)
    members = live_members()
    assert sorted(members) == names  # one live actor per child id
    for name in names:
        assert sup.ask("ping", timeout=5) is None  # supervisor still responsive
        assert supervisor._children[name].ref.ask("who", timeout=5) == name  # type: ignore[union-attr]
    if strategy is Strategy.REST_FOR_ONE:
        first_crash = min(i % size for i in crashes)
        for name in names[:first_crash]:
            assert supervisor._children[name].ref is first_refs[name]
    assert stop_tree(sup, timeout=10)
    wait_until(lambda: not live_members())
