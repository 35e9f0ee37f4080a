"""Prometheus metrics of the outbox, the relay and the records it guards."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OUTBOX_BACKLOG_EVENTS = Gauge(
    "yabot_outbox_backlog_events", "Events in the outbox not yet published to Redis"
)
OUTBOX_BACKLOG_BYTES = Gauge(
    "yabot_outbox_backlog_bytes", "Bytes of unsent events counted against the disk budget"
)
OUTBOX_BUDGET_BYTES = Gauge("yabot_outbox_budget_bytes", "Disk budget of the unsent backlog")
OUTBOX_REJECTED = Counter(
    "yabot_outbox_rejected_total", "Batches refused because the outbox was over its budget"
)
EVENTS_PUBLISHED = Counter(
    "yabot_events_published_total", "Events published to the Redis stream by the relay"
)
RELAY_LAG = Gauge("yabot_outbox_relay_lag_seconds", "Age of the oldest unsent event (0 when none)")
RELAY_FAILURES = Counter("yabot_outbox_relay_failures_total", "Failed attempts to publish to Redis")
RELAY_FENCED = Counter(
    "yabot_outbox_relay_fenced_total",
    "Events a relay did not publish because a newer relay leader had (cluster mode)",
)
REDIS_UP = Gauge("yabot_redis_up", "1 when the relay's last Redis call succeeded")
EVENTS_PRUNED = Counter(
    "yabot_outbox_pruned_total", "Sent or local events deleted after their retention"
)
LEDGER_REFUSED = Counter(
    "yabot_ledger_insufficient_funds_total", "Batches refused because a debit exceeded a balance"
)
CONSUMER_DUPLICATES = Counter(
    "yabot_event_consumer_duplicates_total",
    "Events a consumer skipped as already handled",
    ["group"],
)
