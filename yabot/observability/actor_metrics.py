"""The actor runtime's metrics in Prometheus (names prefixed ``actors_``).

``actors`` counts nothing by itself: :func:`install_actor_metrics` gives it a hook that
turns its events into counters and reads its levels (live actors, mailbox depths, residents
per directory) at scrape time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from actors import (
    ActorMetrics,
    directory_residents,
    live_count,
    mailbox_depths,
    set_metrics,
)


class PrometheusActorMetrics(ActorMetrics):
    """Counts the runtime's events in ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._rejected = Counter(
            "actors_rejected_messages",
            "Messages refused at send time (mailbox full, pool shut down, directory closed).",
            ["actor_class", "reason"],
            registry=registry,
        )
        self._dropped = Counter(
            "actors_dropped_messages",
            "tell() messages still queued when their actor stopped (asks get ActorDeadError).",
            ["actor_class"],
            registry=registry,
        )
        self._failures = Counter(
            "actors_failures",
            "Actors stopped by an unhandled exception.",
            ["actor_class"],
            registry=registry,
        )
        self._activations = Counter(
            "actors_activations",
            "Keyed actors activated by a Directory (loader called).",
            ["directory"],
            registry=registry,
        )
        self._passivations = Counter(
            "actors_passivations",
            "Keyed actors passivated by a Directory (saver called, actor stopped).",
            ["directory", "reason"],
            registry=registry,
        )
        self._restarts = Counter(
            "actors_restarts",
            "Children restarted by a supervisor.",
            ["supervisor"],
            registry=registry,
        )
        self._escalations = Counter(
            "actors_escalations",
            "Supervisors that exceeded their restart intensity and gave up.",
            ["supervisor"],
            registry=registry,
        )
        registry.register(_Levels())

    def rejected(self, actor_class: str, reason: str) -> None:
        self._rejected.labels(actor_class, reason).inc()

    def dropped(self, actor_class: str, count: int) -> None:
        self._dropped.labels(actor_class).inc(count)

    def failed(self, actor_class: str) -> None:
        self._failures.labels(actor_class).inc()

    def activated(self, directory: str) -> None:
        self._activations.labels(directory).inc()

    def passivated(self, directory: str, reason: str) -> None:
        self._passivations.labels(directory, reason).inc()

    def restarted(self, supervisor: str) -> None:
        self._restarts.labels(supervisor).inc()

    def escalated(self, supervisor: str) -> None:
        self._escalations.labels(supervisor).inc()


class _Levels(Collector):
    """Gauges read from the runtime at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depths = mailbox_depths()
        yield GaugeMetricFamily(
            "actors_live", "PooledActors started and not yet terminated.", value=live_count()
        )
        yield GaugeMetricFamily(
            "actors_mailbox_depth",
            "Messages queued in all PooledActor mailboxes.",
            value=sum(depths),
        )
        yield GaugeMetricFamily(
            "actors_mailbox_depth_max",
            "Deepest PooledActor mailbox at scrape time.",
            value=max(depths, default=0),
        )
        resident = GaugeMetricFamily(
            "actors_directory_resident",
            "Keyed actors resident in a Directory.",
            labels=["directory"],
        )
        for name, count in sorted(directory_residents().items()):
            resident.add_metric([name], count)
        yield resident


_installed: dict[int, PrometheusActorMetrics] = {}
_lock = threading.Lock()


def install_actor_metrics(registry: CollectorRegistry = REGISTRY) -> PrometheusActorMetrics:
    """Make the actor runtime report to ``registry`` (idempotent per registry)."""
    with _lock:
        hook = _installed.get(id(registry))
        if hook is None:
            hook = _installed[id(registry)] = PrometheusActorMetrics(registry)
        set_metrics(hook)
        return hook
