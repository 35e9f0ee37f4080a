"""Operators can see actors and the runtime's counters."""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import REGISTRY, generate_latest

from actors import PooledActor, WorkerPool, introspection
from actors.directory import Directory, KeyedActor


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
    infos = [i for i in introspection.list_actors() if i.actor_class == "Gated"]
    assert len(infos) == 1
    assert infos[0].key == "k"
    assert infos[0].mailbox_depth >= 3
    assert REGISTRY.get_sample_value("actors_mailbox_depth") >= 3
    assert REGISTRY.get_sample_value("actors_directory_resident", {"directory": "intro"}) == 1
    gate.set()
    assert first.get(timeout=5) == 1
    assert directory.ask("k", 1).get(timeout=5) == 5
    info = next(i for i in introspection.list_actors() if i.actor_class == "Gated")
    assert info.processed == 5 and info.mailbox_depth == 0 and info.restarts == 0
    assert info.idle_seconds >= 0
    assert directory.stop_all(timeout=5)


def test_metrics_are_exported_with_the_actors_prefix(pool: WorkerPool) -> None:
    class Plain(PooledActor):
        pass

    ref = Plain.start()
    assert REGISTRY.get_sample_value("actors_live") >= 1
    ref.stop()
    exported = generate_latest(REGISTRY).decode()
    for name in [
        "actors_rejected_messages_total",
        "actors_dropped_messages_total",
        "actors_activations_total",
        "actors_passivations_total",
        "actors_restarts_total",
        "actors_escalations_total",
        "actors_live",
        "actors_mailbox_depth",
    ]:
        assert f"# TYPE {name.removesuffix('_total')}" in exported
