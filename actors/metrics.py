"""Prometheus metrics of the actor runtime (default registry, names prefixed ``actors_``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

REJECTED_MESSAGES = Counter(
    "actors_rejected_messages",
    "Messages refused at send time (mailbox full, pool shut down, directory closed).",
    ["actor_class", "reason"],
)
DROPPED_MESSAGES = Counter(
    "actors_dropped_messages",
    "tell() messages still queued when their actor stopped (asks get ActorDeadError).",
    ["actor_class"],
)
FAILURES = Counter(
    "actors_failures",
    "Actors stopped by an unhandled exception.",
    ["actor_class"],
)
ACTIVATIONS = Counter(
    "actors_activations",
    "Keyed actors activated by a Directory (loader called).",
    ["directory"],
)
PASSIVATIONS = Counter(
    "actors_passivations",
    "Keyed actors passivated by a Directory (saver called, actor stopped).",
    ["directory", "reason"],
)
RESTARTS = Counter(
    "actors_restarts",
    "Children restarted by a supervisor.",
    ["supervisor"],
)
ESCALATIONS = Counter(
    "actors_escalations",
    "Supervisors that exceeded their restart intensity and gave up.",
    ["supervisor"],
)
LIVE_ACTORS = Gauge("actors_live", "PooledActors started and not yet terminated.")
MAILBOX_DEPTH = Gauge("actors_mailbox_depth", "Messages queued in all PooledActor mailboxes.")
MAILBOX_DEPTH_MAX = Gauge("actors_mailbox_depth_max", "Deepest PooledActor mailbox at scrape time.")
RESIDENT = Gauge(
    "actors_directory_resident", "Keyed actors resident in a Directory.", ["directory"]
)
