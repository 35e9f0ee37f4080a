"""Operators can see actors, mailbox depths and residents; the metrics hook is optional."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

from actor_helpers import RECORDER

from actors import (
    Directory,
    KeyedActor,
    PooledActor,
    WorkerPool,
    activity,
    directory_residents,
    list_actors,
    live_count,
    mailbox_depths,
)


class Gated(KeyedActor[str, int]):
    def __init__(self, key: str, directory: Directory[str], gate: threading.Event) -> None:
        super().__init__(key, directory)
        self.gate = gate

    def on_receive(self, message: Any) -> Any:
        self.gate.wait(5)
        self.state += 1
        return self.state


def test_list_actors_shows_key_depth_processed_and_idle_time(pool: WorkerPool) -> None:
    gate = threading.Event()
    directory = Directory(
        Gated, lambda key: 0, lambda key, state: None, name="intro", actor_kwargs={"gate": gate}
    )
    first = directory.ask("k", 1)
    for _ in range(3):
        directory.tell("k", 1)
    infos = [i for i in list_actors() if i.actor_class == "Gated"]
    assert len(infos) == 1
    assert infos[0].key == "k"
    assert infos[0].mailbox_depth >= 3
    assert sum(mailbox_depths()) >= 3
    assert directory_residents()["intro"] == 1
    assert RECORDER.count("activated", "intro") >= 1
    gate.set()
    assert first.get(timeout=5) == 1
    assert directory.ask("k", 1).get(timeout=5) == 5
    info = next(i for i in list_actors() if i.actor_class == "Gated")
    assert info.processed == 5 and info.mailbox_depth == 0 and info.restarts == 0
    assert info.idle_seconds >= 0
    assert directory.stop_all(timeout=5)


def test_activity_counts_live_actors_of_a_class_and_those_that_worked_lately(
    pool: WorkerPool,
) -> None:
    class Counted(PooledActor):
        def on_receive(self, message: Any) -> Any:
            return message

    class Other(PooledActor):
        def on_receive(self, message: Any) -> Any:
            return message

    worked, idle, other = Counted.start(), Counted.start(), Other.start()
    assert worked.ask(1, timeout=5) == 1 and other.ask(2, timeout=5) == 2
    deadline = threading.Event()
    while activity(Counted, 60).active < 1 and not deadline.wait(0.01):
        pass  # the turn ends just after the answer
    assert (activity(Counted, 60).live, activity(Counted, 60).active) == (2, 1)
    assert activity(Counted, 0).active == 0  # nothing worked within no time at all
    assert activity(Other, 60).live == 1
    for ref in (worked, idle, other):
        ref.stop()
    assert activity(Counted, 60).live == 0


def test_live_count_follows_starts_and_stops(pool: WorkerPool) -> None:
    class Plain(PooledActor):
        pass

    before = live_count()
    ref = Plain.start()
    assert live_count() == before + 1
    ref.stop()
    assert live_count() == before


def test_importing_actors_needs_no_metrics_library() -> None:
    """No prometheus registry at import time: actors imports without prometheus_client."""
    code = (
        "import sys; sys.modules['prometheus_client'] = None\n"
        "import actors\n"
        "pool = actors.WorkerPool(1)\n"
        "actors.use_pool(pool)\n"
        "class A(actors.PooledActor):\n"
        "    def on_receive(self, m): return m\n"
        "assert A.start().ask(7, timeout=5) == 7\n"
        "assert pool.shutdown(timeout=5)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_mailbox_depths_lists_only_mailboxes_holding_messages(pool: WorkerPool) -> None:
    # A registry read (the dashboard's sample, a scrape) must not walk every resident actor.
    before = len(mailbox_depths())  # other tests' actors holding messages, if any
    idle_gate, busy_gate = threading.Event(), threading.Event()
    idle_gate.set()
    idle = Directory(
        Gated, lambda key: 0, lambda key, state: None, name="idle", actor_kwargs={"gate": idle_gate}
    )
    busy = Directory(
        Gated, lambda key: 0, lambda key, state: None, name="busy", actor_kwargs={"gate": busy_gate}
    )
    for future in [idle.ask(f"i{n}", 1) for n in range(50)]:
        assert future.get(timeout=5) == 1
    first = busy.ask("b", 1)  # its turn waits at the gate
    for _ in range(3):
        busy.tell("b", 1)
    depths = mailbox_depths()
    assert live_count() >= 51
    assert max(depths) >= 3 and len(depths) <= before + 1  # the 50 idle ones are not listed
    busy_gate.set()
    assert first.get(timeout=5) == 1
    assert busy.ask("b", 1).get(timeout=5) == 5
    assert len(mailbox_depths()) <= before  # emptied mailboxes leave the set
    assert idle.stop_all(timeout=5) and busy.stop_all(timeout=5)
