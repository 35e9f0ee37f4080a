"""OutboxRelay: ordered publishing, outages that lose nothing, local mode."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from private_redis import RedisServer

from yabot.config import Settings
from yabot.events.models import SceneRead, make_event
from yabot.events.redis_client import redis_from_url
from yabot.events.relay import OutboxRelay
from yabot.resilience import CircuitBreaker
from yabot.storage.records import LedgerEntry, RecordBatch, RecordsDb


def scene_batch(user: int, n: int) -> RecordBatch:
    key = f"u{user}:{n}"
    return RecordBatch(
        ledger=[LedgerEntry(user, 1, "scene", key)],
        events=[make_event(SceneRead(story="s", scene=f"{n}"), user_id=user, idempotency_key=key)],
    )


def make_relay(
    records: RecordsDb, server: RedisServer, url: str | None = None, **kw: Any
) -> OutboxRelay:
    options: dict[str, Any] = {
        "stream": "t:events",
        "channel": "t:live",
        "batch_size": 50,
        "interval_s": 0.02,
        "breaker": CircuitBreaker("redis", failure_threshold=3, reset_s=0.2),
    }
    options.update(kw)
    return OutboxRelay(
        records,
        client_factory=lambda: redis_from_url(url or server.url, timeout_s=1.0),
        **options,
    )


def test_events_reach_stream_and_pubsub_in_outbox_order(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    records = RecordsDb(tmp_path / "records.db", outbox_mode="relay")
    client = redis_server.client()
    live = client.pubsub()
    live.subscribe("t:live")
    live.get_message(timeout=1)
    relay = make_relay(records, redis_server)
    for n in range(120):
        records.apply(scene_batch(n % 3, n))
    assert relay.run_once() == 50
    assert relay.run_once() == 50
    assert relay.run_once() == 20
    assert relay.run_once() == 0
    entries = client.xrange("t:events")
    scenes = [json.loads(fields[b"body"])["payload"]["scene"] for _, fields in entries]
    assert scenes == [str(n) for n in range(120)]
    received: list[str] = []
    while len(received) < 120 and (message := live.get_message(timeout=1)) is not None:
        received.append(json.loads(message["data"])["payload"]["scene"])
    assert received == [str(n) for n in range(120)]
    health = relay.health()
    assert (health.redis, health.backlog_events, health.published) == ("up", 0, 120)
    assert health.healthy
    records.close()


def test_redis_down_keeps_events_on_disk_and_replays_them(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    records = RecordsDb(tmp_path / "records.db", outbox_mode="relay")
    relay = make_relay(records, redis_server)
    records.apply(scene_batch(1, 0))
    assert relay.run_once() == 1
    redis_server.stop()
    for n in range(1, 40):
        records.apply(scene_batch(1, n))
    for _ in range(3):
        assert relay.run_once() == 0
    health = relay.health()
    assert health.redis == "down" and health.breaker == "open"
    assert health.backlog_events == 39 and not health.healthy
    assert health.last_error is not None
    assert relay.run_once() == 0  # breaker open: no call attempted
    redis_server.start()
    time.sleep(0.25)
    assert relay.run_once() == 39
    scenes = [
        json.loads(f[b"body"])["payload"]["scene"]
        for _, f in redis_server.client().xrange("t:events")
    ]
    assert scenes == [str(n) for n in range(40)]
    assert relay.health().backlog_events == 0
    records.close()


def test_without_redis_the_relay_publishes_nothing_and_prunes_local_events(
    tmp_path: Path,
) -> None:
    settings = Settings.model_validate({"storage": {"data_dir": str(tmp_path)}})
    records = RecordsDb.open(settings)
    relay = OutboxRelay.from_settings(settings, records)
    records.apply(scene_batch(1, 0))
    assert relay.run_once() == 0
    health = relay.health()
    assert (health.redis, health.backlog_events) == ("disabled", 0)
    assert records.outbox_prune(older_than_s=-1) == 1
    records.close()


def test_relay_thread_delivers_soon_after_apply_and_stops_cleanly(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    records = RecordsDb(tmp_path / "records.db", outbox_mode="relay")
    relay = make_relay(records, redis_server, interval_s=5.0)
    relay.start()
    try:
        records.apply(scene_batch(1, 0))
        client = redis_server.client()
        deadline = time.monotonic() + 3
        while client.xlen("t:events") < 1:
            assert time.monotonic() < deadline, "apply did not wake the relay"
            time.sleep(0.01)
        assert relay.health().running
    finally:
        relay.stop()
    assert not relay.health().running
    records.close()


def test_a_redis_that_refuses_scripts_still_gets_every_event_in_order(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    admin = redis_server.client()
    admin.acl_setuser(
        "relay",
        enabled=True,
        passwords=["+secret"],
        keys=["*"],
        channels=["*"],
        commands=["+@all", "-@scripting"],
    )
    records = RecordsDb(tmp_path / "records.db", outbox_mode="relay")
    url = f"redis://relay:secret@127.0.0.1:{redis_server.port}/0"
    with pytest.raises(redis.exceptions.NoPermissionError):
        redis.Redis.from_url(url).eval("return 1", 0)
    relay = make_relay(records, redis_server, url)
    for n in range(70):
        records.apply(scene_batch(n % 3, n))
    assert relay.run_once() == 50  # the script is refused; the same batch goes by pipeline
    assert relay.run_once() == 20
    scenes = [json.loads(f[b"body"])["payload"]["scene"] for _, f in admin.xrange("t:events")]
    assert scenes == [str(n) for n in range(70)]
    assert relay.health().redis == "up"
    records.close()


def test_stream_entries_carry_the_event_id_type_and_user(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    records = RecordsDb(tmp_path / "records.db", outbox_mode="relay")
    relay = make_relay(records, redis_server)
    records.apply(scene_batch(7, 1))
    records.apply(RecordBatch(events=[make_event(SceneRead(story="s", scene="x"), user_id=None)]))
    assert relay.run_once() == 2
    entries = [fields for _, fields in redis_server.client().xrange("t:events")]
    first = json.loads(entries[0][b"body"])
    assert entries[0][b"event_id"].decode() == first["event_id"]
    assert (entries[0][b"type"], entries[0][b"user_id"]) == (b"scene.read", b"7")
    assert entries[1][b"user_id"] == b""
    records.close()


def test_only_the_relay_leader_publishes_and_an_older_leader_is_refused_by_redis(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    # Cluster mode: two instances' relays over one outbox (here one records file).
    records = RecordsDb(tmp_path / "records.db", outbox_mode="relay")
    leader: dict[str, int | None] = {"old": 1, "new": None}
    old = make_relay(records, redis_server, gate=lambda: leader["old"])
    new = make_relay(records, redis_server, gate=lambda: leader["new"])
    for n in range(10):
        records.apply(scene_batch(1, n))
    assert new.run_once() == 0  # not the leader: it publishes nothing
    assert old.run_once() == 10
    for n in range(10, 20):
        records.apply(scene_batch(1, n))
    # The old leader stalls holding a batch; a new leader (epoch 2) publishes it meanwhile.
    held = records.outbox_pending(50)
    leader["new"] = 2
    assert new.run_once() == 10
    assert old._publish(held, 1) is False  # woken: Redis refuses the older epoch whole
    client = redis_server.client()
    ids = [f[b"event_id"] for _, f in client.xrange("t:events")]
    assert len(ids) == 20 == len(set(ids))
    assert records.outbox_pending(50) == []
