"""The dashboard's memory of the last hour: one sample of the process's metrics every few seconds.

A daemon thread reads the Prometheus registry YABOT already fills (nothing new is measured on
the hot path), turns counters into rates and histograms into the p50/p99 of the interval, and
keeps the samples in a ring buffer (720 samples of 5 s = 1 h, about 1 MB). Missing metrics
(a subsystem that is not running) give ``None``, never an error.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry

from yabot.observability.logging import get_logger

log = get_logger(__name__)

ACTIVE_WINDOW_S = 300.0
"""A resident player whose last turn ended less than this ago counts as active."""
ACTIVITY_CPU_SHARE = 0.01
"""The walk over live actors may take this share of one core: with many resident players it
runs less often than every sample (measured: 14 ms at 10k actors, 137 ms at 50k), and the
samples in between repeat its last answer."""

Labels = Mapping[str, str]
Snapshot = dict[str, list[tuple[dict[str, str], float]]]


def read_registry(registry: CollectorRegistry) -> Snapshot:
    """Every sample of ``registry`` by sample name (``x_total``, ``x_bucket`` ...)."""
    out: Snapshot = defaultdict(list)
    for family in registry.collect():
        # A labelled metric with no child yet has no sample: it still reads as 0, not absent.
        out.setdefault(family.name + ("_total" if family.type == "counter" else ""), [])
        for sample in family.samples:
            out[sample.name].append((dict(sample.labels), float(sample.value)))
    return out


def _matches(labels: Labels, match: Labels) -> bool:
    return all(labels.get(k) == v for k, v in match.items())


def total(snapshot: Snapshot, name: str, **match: str) -> float | None:
    """Sum of the samples named ``name`` whose labels include ``match`` (None if no such
    metric is registered)."""
    if name not in snapshot:
        return None
    return sum(v for labels, v in snapshot[name] if _matches(labels, match))


def buckets(snapshot: Snapshot, name: str) -> dict[float, float]:
    """A histogram's cumulative bucket counts by upper bound, summed over its label sets."""
    out: dict[float, float] = defaultdict(float)
    for labels, value in snapshot.get(f"{name}_bucket", ()):
        out[float(labels.get("le", "inf"))] += value
    return dict(out)


def quantile(q: float, cumulative: Mapping[float, float]) -> float | None:
    """The ``q`` quantile of cumulative bucket counts, interpolated inside its bucket
    (Prometheus's ``histogram_quantile``); None when no observation was made."""
    bounds = sorted(cumulative)
    if not bounds or cumulative[bounds[-1]] <= 0:
        return None
    rank = q * cumulative[bounds[-1]]
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = cumulative[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower
            inside = count - below
            fraction = (rank - below) / inside if inside > 0 else 1.0
            return lower + (bound - lower) * fraction
        lower, below = bound, count
    return lower


def _delta(now: Mapping[float, float], before: Mapping[float, float]) -> dict[float, float]:
    return {le: max(0.0, count - before.get(le, 0.0)) for le, count in now.items()}


@dataclass(frozen=True)
class Series:
    """One chart's metadata: the sample key, its title and unit (for the page and docs)."""

    key: str
    title: str
    unit: str


SERIES: tuple[Series, ...] = (
    Series("resident", "Resident players (actors in memory)", "players"),
    Series("active", f"Active players (a turn in the last {int(ACTIVE_WINDOW_S)} s)", "players"),
    Series("updates_per_s", "Updates delivered to players", "/s"),
    Series("reply_p50", "Update to reply p50 (arrival to Telegram's confirmation)", "s"),
    Series("reply_p99", "Update to reply p99", "s"),
    Series("wait_p50", "Update wait to its turn p50 (inbox commit, routing, mailbox)", "s"),
    Series("wait_p99", "Update wait to its turn p99", "s"),
    Series("turn_p50", "Turn (transition) p50", "s"),
    Series("turn_p99", "Turn (transition) p99", "s"),
    Series("send_p50", "Reply send p50 (submit to Telegram's answer, pacing included)", "s"),
    Series("send_p99", "Reply send p99", "s"),
    Series("send_queue", "Sender queue (calls submitted, not finished)", "calls"),
    Series("rate_limited_per_s", "Telegram 429 answers", "/s"),
    Series("retries_per_s", "Telegram retries", "/s"),
    Series("inbox_commit_p99", "Inbox group commit p99", "s"),
    Series("redelivery_backlog", "Updates waiting for a full mailbox", "updates"),
    Series("mailbox_depth", "Messages queued in actor mailboxes", "messages"),
    Series("snapshot_pending", "Snapshot writer backlog", "snapshots"),
    Series("relay_backlog", "Event relay backlog (outbox not yet in Redis)", "events"),
    Series("replies_pending", "Durable replies not yet taken by Telegram", "replies"),
    Series("gc_pauses", "GC pauses in the interval", "pauses"),
    Series("gc_pause_p99", "GC pause p99", "s"),
    Series("gc_pause_s", "Time held by GC in the interval", "s"),
    Series("api_requests_per_s", "Admin API requests", "/s"),
    Series("rss_bytes", "Resident memory", "bytes"),
)


METRICS_READ: tuple[str, ...] = (
    "yabot_router_updates_total",
    "yabot_update_to_reply_seconds",
    "yabot_update_wait_seconds",
    "yabot_transition_seconds",
    "yabot_telegram_send_latency_seconds",
    "yabot_inbox_write_seconds",
    "yabot_gc_pause_seconds",
    "yabot_telegram_send_queue_depth",
    "yabot_telegram_429_total",
    "yabot_telegram_retries_total",
    "yabot_router_redelivery_backlog",
    "actors_mailbox_depth",
    "yabot_snapshot_pending",
    "yabot_outbox_backlog_events",
    "yabot_replies_pending",
    "yabot_api_requests_total",
    "process_resident_memory_bytes",
)
"""Every metric a sample reads (a test checks that the running bot registers each one)."""


def _player_activity() -> tuple[int, int]:
    """(resident player actors, those with a turn in the last ``ACTIVE_WINDOW_S``)."""
    from actors import activity
    from yabot.player.actor import PlayerActor

    players = activity(PlayerActor, ACTIVE_WINDOW_S)
    return players.live, players.active


class MetricsSampler:
    """Samples the registry every ``interval_s`` into a ring buffer of ``window_s``.

    Args:
        registry: Where the metrics are (the process's default registry).
        interval_s: Seconds between samples.
        window_s: How far back the buffer reaches.
        activity: Returns (resident players, active players); the default counts the live
            player actors.
        clock: Epoch seconds of each sample.
    """

    def __init__(
        self,
        registry: CollectorRegistry = REGISTRY,
        *,
        interval_s: float = 5.0,
        window_s: float = 3600.0,
        activity: Callable[[], tuple[int, int]] = _player_activity,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if interval_s <= 0 or window_s < interval_s:
            raise ValueError("need 0 < interval_s <= window_s")
        self.interval_s = interval_s
        self.window_s = window_s
        self._registry = registry
        self._activity = activity
        self._clock = clock
        self._samples: deque[dict[str, Any]] = deque(maxlen=int(window_s // interval_s))
        self._previous: tuple[float, Snapshot] | None = None
        self._activity_answer: tuple[int | None, int | None] = (None, None)
        self._next_activity = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> dict[str, Any]:
        """Take one sample now and keep it (the thread calls this; tests may too)."""
        now = self._clock()
        snap = read_registry(self._registry)
        with self._lock:
            previous = self._previous
            self._previous = (now, snap)
        point = self._derive(now, snap, previous)
        with self._lock:
            self._samples.append(point)
        return point

    def _derive(
        self, now: float, snap: Snapshot, previous: tuple[float, Snapshot] | None
    ) -> dict[str, Any]:
        before = previous[1] if previous else None
        elapsed = now - previous[0] if previous else 0.0

        def rate(name: str, **match: str) -> float | None:
            current = total(snap, name, **match)
            if current is None or before is None or elapsed <= 0:
                return None
            return max(0.0, current - (total(before, name, **match) or 0.0)) / elapsed

        def interval_hist(name: str) -> dict[float, float]:
            current = buckets(snap, name)
            return _delta(current, buckets(before, name)) if before is not None else current

        wait, turn = (
            interval_hist("yabot_update_wait_seconds"),
            interval_hist("yabot_transition_seconds"),
        )
        send, commit = (
            interval_hist("yabot_telegram_send_latency_seconds"),
            interval_hist("yabot_inbox_write_seconds"),
        )
        gc = interval_hist("yabot_gc_pause_seconds")
        to_reply = interval_hist("yabot_update_to_reply_seconds")
        gc_sum = total(snap, "yabot_gc_pause_seconds_sum")
        gc_before = total(before, "yabot_gc_pause_seconds_sum") if before is not None else None
        resident, active = self._players(now)
        return {
            "t": round(now, 3),
            "resident": resident,
            "active": active,
            "updates_per_s": rate("yabot_router_updates_total", outcome="delivered"),
            "reply_p50": quantile(0.5, to_reply),
            "reply_p99": quantile(0.99, to_reply),
            "wait_p50": quantile(0.5, wait),
            "wait_p99": quantile(0.99, wait),
            "turn_p50": quantile(0.5, turn),
            "turn_p99": quantile(0.99, turn),
            "send_p50": quantile(0.5, send),
            "send_p99": quantile(0.99, send),
            "send_queue": total(snap, "yabot_telegram_send_queue_depth"),
            "rate_limited_per_s": rate("yabot_telegram_429_total"),
            "retries_per_s": rate("yabot_telegram_retries_total"),
            "inbox_commit_p99": quantile(0.99, commit),
            "redelivery_backlog": total(snap, "yabot_router_redelivery_backlog"),
            "mailbox_depth": total(snap, "actors_mailbox_depth"),
            "snapshot_pending": total(snap, "yabot_snapshot_pending"),
            "relay_backlog": total(snap, "yabot_outbox_backlog_events"),
            "replies_pending": total(snap, "yabot_replies_pending"),
            "gc_pauses": gc.get(math.inf) if before is not None else None,
            "gc_pause_p99": quantile(0.99, gc),
            "gc_pause_s": (
                max(0.0, gc_sum - gc_before)
                if gc_sum is not None and gc_before is not None
                else None
            ),
            "api_requests_per_s": rate("yabot_api_requests_total"),
            "rss_bytes": total(snap, "process_resident_memory_bytes"),
        }

    def _players(self, now: float) -> tuple[int | None, int | None]:
        if now < self._next_activity:
            return self._activity_answer
        started = time.perf_counter()
        try:
            self._activity_answer = self._activity()
        except Exception:  # a live-actor walk racing a stop: skip this field, keep sampling
            log.warning("dashboard_activity_failed", exc_info=True)
            self._activity_answer = (None, None)
        self._next_activity = now + (time.perf_counter() - started) / ACTIVITY_CPU_SHARE
        return self._activity_answer

    def samples(self, since: float | None = None) -> list[dict[str, Any]]:
        """The kept samples, oldest first (only those taken after ``since`` when given)."""
        with self._lock:
            points = list(self._samples)
        return points if since is None else [p for p in points if p["t"] > since]

    def start(self) -> None:
        """Take a first sample and keep sampling on a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self.sample()
        self._thread = threading.Thread(target=self._run, name="dashboard-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sample()
            except Exception:  # never let one bad scrape end the history
                log.warning("dashboard_sample_failed", exc_info=True)

    def stop(self) -> None:
        """Stop the thread (the kept samples stay readable)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def series_catalogue() -> list[dict[str, str]]:
    """The charts' keys, titles and units, for the page."""
    return [{"key": s.key, "title": s.title, "unit": s.unit} for s in SERIES]
