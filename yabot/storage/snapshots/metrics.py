"""Prometheus metrics of the snapshot stores and the snapshot writer."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SNAPSHOT_BATCHES = Counter(
    "yabot_snapshot_batches_total", "Group commits attempted by the snapshot writer", ["result"]
)
SNAPSHOT_BATCH_SIZE = Histogram(
    "yabot_snapshot_batch_size",
    "Snapshots per group commit",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500),
)
SNAPSHOT_BATCH_SECONDS = Histogram(
    "yabot_snapshot_batch_seconds",
    "Latency of one group commit",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SNAPSHOT_SAVED = Counter("yabot_snapshots_saved_total", "Snapshots made durable")
SNAPSHOT_CONFLICTS = Counter(
    "yabot_snapshot_conflicts_total", "Snapshots refused by compare-and-set (a stale writer)"
)
SNAPSHOT_REJECTED = Counter(
    "yabot_snapshot_rejected_total", "Snapshots refused as invalid (e.g. state too large)"
)
SNAPSHOT_PENDING = Gauge(
    "yabot_snapshot_pending", "Snapshots waiting to be written (newest per key)"
)
