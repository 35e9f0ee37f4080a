"""Acceptance: Redis stopped for 30 s under a steady flow of events, then restarted.

Every event arrives, in order per user, with no duplicates after deduplication. Run on the
embedded records (SQLite) and in cluster mode: the records and their outbox on PostgreSQL,
every batch fenced by the shard leases of a cluster member that holds them (issue 20).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from private_redis import RedisServer

from yabot.events.consumer import EventConsumer
from yabot.events.models import Event, SceneRead, make_event
from yabot.events.redis_client import redis_from_url
from yabot.events.relay import OutboxRelay
from yabot.resilience import CircuitBreaker
from yabot.storage.records import LedgerEntry, RecordBatch, RecordsDb

USERS = 5
OUTAGE_S = 30.0
SHARDS = 8


class ClusterMember:
    """A ShardCoordinator on an event loop of its own (the test's threads are synchronous):
    the only member, so it holds every shard and renews the leases while the test runs."""

    def __init__(self, dsn: str) -> None:
        from yabot.cluster.leases import ShardCoordinator

        async def nothing(_: Any) -> None:
            return None

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.coordinator = ShardCoordinator(
            dsn,
            shards=SHARDS,
            lease_timeout_s=10.0,
            member_id="outage-test",
            on_acquired=nothing,
            on_releasing=nothing,
            on_lost=nothing,
        )
        asyncio.run_coroutine_threadsafe(self.coordinator.start(), self.loop).result(30)
        assert len(self.coordinator.owned) == SHARDS

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.coordinator.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(params=["embedded", "cluster"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The records store with its outbox: SQLite, or PostgreSQL fenced by a cluster member."""
    if request.param == "embedded":
        yield RecordsDb(tmp_path / "records.db", outbox_mode="relay")
        return
    from yabot.storage.postgres.pool import open_pool
    from yabot.storage.postgres.records import PgRecords

    dsn = request.getfixturevalue("pg_dsn")
    member = ClusterMember(dsn)
    pool = open_pool(dsn, max_size=4)
    try:
        yield PgRecords(pool, leases=member.coordinator, outbox_mode="relay")
    finally:
        pool.close()
        member.stop()


@pytest.mark.slow
def test_redis_outage_of_30s_loses_nothing(records: Any, redis_server: RedisServer) -> None:
    relay = OutboxRelay(
        records,
        client_factory=lambda: redis_from_url(redis_server.url, timeout_s=0.5),
        stream="acc:events",
        channel="acc:live",
        batch_size=100,
        interval_s=0.05,
        breaker=CircuitBreaker("redis", failure_threshold=3, reset_s=0.5),
    )
    consumer = EventConsumer(
        redis_from_url(redis_server.url, timeout_s=0.5),
        stream="acc:events",
        group="acceptance",
        consumer="c1",
    )
    consumer.ensure_group()
    handled: list[Event] = []
    produced: dict[int, list[int]] = {u: [] for u in range(USERS)}
    stop_producing, stop_consuming = threading.Event(), threading.Event()
    backlog_during_outage: list[int] = []

    def produce() -> None:
        n = 0
        while not stop_producing.is_set():
            user = n % USERS
            key = f"acc:{n}"
            records.apply(
                RecordBatch(
                    ledger=[LedgerEntry(user, 1, "scene", key)],
                    events=[
                        make_event(
                            SceneRead(story="acc", scene=str(n)), user_id=user, idempotency_key=key
                        )
                    ],
                )
            )
            produced[user].append(n)
            n += 1
            time.sleep(0.01)

    producer = threading.Thread(target=produce)
    consumer_thread = threading.Thread(
        target=consumer.run, args=(handled.append, stop_consuming), kwargs={"block_ms": 200}
    )
    relay.start()
    producer.start()
    consumer_thread.start()
    try:
        time.sleep(2.0)
        redis_server.stop()
        outage_end = time.monotonic() + OUTAGE_S
        while time.monotonic() < outage_end:
            backlog_during_outage.append(relay.health().backlog_events)
            time.sleep(1.0)
        assert relay.health().redis == "down"
        redis_server.start()
        time.sleep(2.0)
        stop_producing.set()
        producer.join()
        total = sum(len(v) for v in produced.values())
        deadline = time.monotonic() + 30
        while len(handled) < total and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop_producing.set()
        stop_consuming.set()
        producer.join()
        consumer_thread.join()
        relay.stop()
        records.close()

    assert backlog_during_outage[-1] > max(backlog_during_outage[0], 1000)  # kept on disk
    ids = [e.event_id for e in handled]
    assert len(ids) == len(set(ids)), "a duplicate passed the consumer's deduplication"
    per_user: dict[int, list[int]] = {u: [] for u in range(USERS)}
    for event in handled:
        assert event.user_id is not None
        per_user[event.user_id].append(int(event.payload["scene"]))
    assert per_user == produced  # everything arrived, in order per user
    assert sum(len(v) for v in produced.values()) > 2000
