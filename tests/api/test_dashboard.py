"""The dashboard's server side: the metrics sampler, its read endpoints and roles, the pages and
the local Swagger UI and ReDoc (the browser tests are tests/integration/test_dashboard_browser.py
and test_no_external_urls.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from yabot.api.admin_store import AdminRole, SqliteAdminStore, ensure_local_admin
from yabot.api.dashboard import STATIC_DIR
from yabot.api.dashboard.sampler import SERIES, MetricsSampler, quantile
from yabot.security.passwords import hash_password, verify_password

from .support import LOG2_N, bearer, login


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _registry() -> tuple[CollectorRegistry, Counter, Histogram, Gauge]:
    registry = CollectorRegistry()
    updates = Counter("yabot_router_updates_total", "u", ["outcome"], registry=registry)
    wait = Histogram("yabot_update_wait_seconds", "w", buckets=(0.01, 0.1, 1.0), registry=registry)
    queue = Gauge("yabot_telegram_send_queue_depth", "q", registry=registry)
    Counter("yabot_telegram_retries_total", "r", ["reason"], registry=registry)  # no child yet
    return registry, updates, wait, queue


def test_quantile_interpolates_inside_the_bucket_like_prometheus() -> None:
    # 100 observations: 50 in (0, 0.01], 40 in (0.01, 0.1], 10 in (0.1, 1].
    cumulative = {0.01: 50.0, 0.1: 90.0, 1.0: 100.0, float("inf"): 100.0}
    assert quantile(0.5, cumulative) == pytest.approx(0.01)
    assert quantile(0.7, cumulative) == pytest.approx(0.01 + 0.09 * 0.5)
    assert quantile(0.99, cumulative) == pytest.approx(0.1 + 0.9 * 0.9)
    assert quantile(0.5, {0.1: 0.0, float("inf"): 0.0}) is None
    # Everything above the last finite bound: the bound is all that is known.
    assert quantile(0.99, {1.0: 0.0, float("inf"): 5.0}) == 1.0


def test_sampler_turns_counters_into_rates_and_histograms_into_interval_quantiles() -> None:
    registry, updates, wait, queue = _registry()
    clock = Clock()
    sampler = MetricsSampler(registry, interval_s=5, activity=lambda: (7, 3), clock=clock)
    for _ in range(100):
        wait.observe(5.0)  # before the first sample: not part of the next interval
    first = sampler.sample()
    assert first["updates_per_s"] is None, "no rate without an earlier sample"
    assert (first["resident"], first["active"]) == (7, 3)

    clock.now += 5
    updates.labels("delivered").inc(50)
    updates.labels("dropped").inc(1000)  # other outcomes are not deliveries
    for _ in range(99):
        wait.observe(0.005)
    wait.observe(0.5)
    queue.set(12)
    second = sampler.sample()
    assert second["updates_per_s"] == pytest.approx(10.0)
    assert second["wait_p50"] is not None and second["wait_p50"] <= 0.01
    assert second["wait_p99"] is not None and second["wait_p99"] <= 0.01 + 1e-9
    assert second["send_queue"] == 12
    assert second["snapshot_pending"] is None, "a metric that is not there is null"
    assert second["retries_per_s"] == 0.0, "a labelled counter without children reads 0"
    assert set(second) == {"t"} | {s.key for s in SERIES}
    assert [p["t"] for p in sampler.samples()] == [first["t"], second["t"]]
    assert sampler.samples(since=first["t"]) == [second]


def test_sampler_keeps_one_window_of_samples() -> None:
    registry, *_ = _registry()
    clock = Clock()
    sampler = MetricsSampler(
        registry, interval_s=5, window_s=20, activity=lambda: (0, 0), clock=clock
    )
    for _ in range(10):
        sampler.sample()
        clock.now += 5
    kept = sampler.samples()
    assert len(kept) == 4
    assert kept[-1]["t"] - kept[0]["t"] == 15


def test_overview_is_for_viewers(
    client: TestClient, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("vera", "viewer")
    assert client.get("/api/v1/dashboard/overview").status_code == 401
    headers = bearer(login(client, "vera"))
    answer = client.get("/api/v1/dashboard/overview", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["interval_s"] == 5 and body["window_s"] == 3600
    assert body["samples"], "the lifespan took a first sample"
    assert {s["key"] for s in body["series"]} == {s.key for s in SERIES}
    assert "rss_bytes" in body["samples"][-1]
    later = client.get(
        "/api/v1/dashboard/overview", params={"since": body["samples"][-1]["t"]}, headers=headers
    )
    assert later.json()["samples"] == []
    bad = client.get("/api/v1/dashboard/overview", params={"since": "soon"}, headers=headers)
    assert bad.status_code == 422
    # Archetypes are asked of players' actors: only the running bot's app has the route
    # (tests/integration/test_dashboard_browser.py reads it).
    assert client.get("/api/v1/dashboard/archetypes", headers=headers).status_code == 404


def test_dashboard_and_docs_pages_load_only_local_assets(client: TestClient) -> None:
    page = client.get("/admin")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/admin/", follow_redirects=False).status_code in (301, 302, 307, 308)
    for path in ("/api/v1/docs", "/api/v1/redoc"):
        html = client.get(path)
        assert html.status_code == 200
        assert "default-src 'self'" in html.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert sources and all(s.startswith(("/admin/static/", "data:")) for s in sources), sources
        for source in sources:
            if source.startswith("/"):
                assert client.get(source).status_code == 200, source
    assert '"validatorUrl": null' in client.get("/api/v1/docs").text
    assert client.get("/admin/static/vendor/LICENSE-redoc.txt").status_code == 200
    assert client.get("/admin/static/../__init__.py").status_code == 404


def test_static_assets_of_our_own_name_no_host() -> None:
    own = [p for p in STATIC_DIR.glob("*") if p.is_file()]
    assert {p.name for p in own} >= {"index.html", "dashboard.js", "dashboard.css"}
    for path in own:
        assert not re.search(r"(?:https?|wss?)://", path.read_text()), path


def test_local_admin_is_created_once_with_only_its_hash_stored(tmp_path: Path) -> None:
    store = SqliteAdminStore(tmp_path / "admin.db")
    password = ensure_local_admin(store, "admin", lambda p: hash_password(p, log2_n=LOG2_N))
    assert password is not None and len(password) >= 20
    account = store.get_admin("admin")
    assert account is not None and account.role == "admin"
    assert password not in account.password_hash
    assert verify_password(password, account.password_hash)
    assert ensure_local_admin(store, "admin", lambda p: hash_password(p, log2_n=LOG2_N)) is None
    entries = store.list_audit(10)
    assert [(e.who, e.action, e.target) for e in entries] == [
        ("system", "accounts.local_admin", "admin")
    ]
    store.close()


def test_a_slow_actor_walk_runs_less_often_than_every_sample() -> None:
    registry, *_ = _registry()
    clock = Clock()
    walks: list[float] = []

    def slow_walk() -> tuple[int, int]:
        walks.append(clock.now)
        time.sleep(0.1)  # 0.1 s at 1% of a core: at most one walk per 10 s
        return len(walks), 0

    sampler = MetricsSampler(registry, interval_s=5, activity=slow_walk, clock=clock)
    residents = []
    for _ in range(6):
        residents.append(sampler.sample()["resident"])
        clock.now += 5
    assert len(walks) <= 3, walks
    assert residents[:2] == [1, 1], "a sample between two walks repeats the last answer"


def test_metrics_read_lists_every_metric_the_sampler_reads() -> None:
    from yabot.api.dashboard import sampler

    source = Path(sampler.__file__).read_text()
    named = {
        re.sub(r"_(sum|bucket|count)$", "", name)
        for name in re.findall(r'"((?:yabot|actors|process)_[a-z0-9_]+)"', source)
    }
    assert named == set(sampler.METRICS_READ)
