"""YABOT wires the actor runtime's metrics into Prometheus under the ``actors_`` prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from actors import Directory, KeyedActor, PooledActor, WorkerPool, set_metrics, use_pool
from yabot.observability.actor_metrics import install_actor_metrics


class Counted(KeyedActor[str, int]):
    def on_receive(self, message: Any) -> Any:
        self.state += 1
        return self.state


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    worker_pool = WorkerPool(2, name="test-actor-metrics")
    use_pool(worker_pool)
    yield worker_pool
    use_pool(None)
    set_metrics(None)
    assert worker_pool.shutdown(timeout=5)


def test_events_and_levels_reach_the_registry(pool: WorkerPool) -> None:
    registry = CollectorRegistry()
    assert install_actor_metrics(registry) is install_actor_metrics(registry)  # idempotent
    directory = Directory(Counted, lambda key: 0, lambda key, state: None, name="wired")
    assert directory.ask("k", 1).get(timeout=5) == 1

    class Plain(PooledActor):
        pass

    ref = Plain.start()
    assert registry.get_sample_value("actors_activations_total", {"directory": "wired"}) == 1
    assert registry.get_sample_value("actors_directory_resident", {"directory": "wired"}) == 1
    assert (registry.get_sample_value("actors_live") or 0) >= 2
    assert directory.stop_all(timeout=5)
    assert registry.get_sample_value("actors_directory_resident", {"directory": "wired"}) == 0
    ref.stop()
    exported = generate_latest(registry).decode()
    for name in [
        "actors_rejected_messages",
        "actors_dropped_messages",
        "actors_failures",
        "actors_activations",
        "actors_passivations",
        "actors_restarts",
        "actors_escalations",
        "actors_live",
        "actors_mailbox_depth",
        "actors_mailbox_depth_max",
        "actors_directory_resident",
    ]:
        assert f"# TYPE {name}" in exported
