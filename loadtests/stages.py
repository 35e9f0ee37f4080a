"""Where an update's time goes inside YABOT, read from its ``/metrics`` histograms.

:func:`scrape` reads the cumulative buckets of the stage histograms; :func:`stage_quantiles`
turns the difference of two scrapes (one load level) into p50/p99 upper bounds per stage:
the smallest bucket bound that holds the share of observations asked for.
"""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

STAGES = {
    "inbox_write": "yabot_inbox_write_seconds",
    "wait_to_turn": "yabot_update_wait_seconds",
    "turn": "yabot_transition_seconds",
    "turn_records": "yabot_transition_records_seconds",  # the part of the turn in its records
    "send": "yabot_telegram_send_latency_seconds",
}

Buckets = dict[str, dict[float, float]]


def scrape(*metrics_urls: str) -> Buckets:
    """The cumulative bucket counts of every stage histogram, by stage, summed over the
    processes (with a webhook process, the inbox and the sender live there)."""
    wanted = {name: stage for stage, name in STAGES.items()}
    found: Buckets = {stage: {} for stage in STAGES}
    for url in dict.fromkeys(metrics_urls):
        _add(found, wanted, httpx.get(url, timeout=10).text)
    return found


def _add(found: Buckets, wanted: dict[str, str], text: str) -> None:
    for family in text_string_to_metric_families(text):
        stage = wanted.get(family.name)
        if stage is None:
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket"):
                bound = float(sample.labels["le"])
                found[stage][bound] = found[stage].get(bound, 0.0) + sample.value


def quantile_bound(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bound (seconds) of quantile ``q`` of what was observed between two scrapes."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1] if counts else 0.0
    if total <= 0:
        return 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if count >= q * total:
            return bound
    return bounds[-1]


def stage_quantiles(before: Buckets, after: Buckets) -> dict[str, dict[str, float]]:
    """p50 and p99 upper bounds in ms per stage, for the observations between the scrapes."""
    out: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        a, b = after.get(stage, {}), before.get(stage, {})
        out[stage] = {
            "p50_le_ms": round(1000 * quantile_bound(b, a, 0.50), 1),
            "p99_le_ms": round(1000 * quantile_bound(b, a, 0.99), 1),
            "count": int((a.get(float("inf"), 0.0)) - b.get(float("inf"), 0.0)),
        }
    return out
