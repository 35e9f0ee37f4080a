"""EventConsumer: consumer groups, redelivery after a crash, deduplication by event_id."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import pytest
import redis
from private_redis import RedisServer

from yabot.config import Settings
from yabot.events.consumer import EventConsumer
from yabot.events.models import Event, SceneRead, make_event

STREAM = "t:events"


def publish(client: object, event: Event) -> None:
    client.xadd(STREAM, {"event_id": str(event.event_id), "body": event.model_dump_json()})  # type: ignore[attr-defined]


def scene(n: int) -> Event:
    return make_event(SceneRead(story="s", scene=str(n)), user_id=1, idempotency_key=f"k{n}")


def collect_id(into: list[UUID], event: Event) -> None:
    into.append(event.event_id)


def consumer(server: RedisServer, group: str = "g", name: str = "c1") -> EventConsumer:
    c = EventConsumer(server.client(), stream=STREAM, group=group, consumer=name)
    c.ensure_group()
    return c


def test_each_event_is_handled_once_even_when_published_twice(redis_server: RedisServer) -> None:
    client = redis_server.client()
    reader = consumer(redis_server)
    for n in [0, 1, 1, 2, 0, 3]:
        publish(client, scene(n))
    seen: list[str] = []
    while reader.process(lambda e: seen.append(e.payload["scene"]), block_ms=50):
        pass
    assert seen == ["0", "1", "2", "3"]
    publish(client, scene(2))
    fresh = consumer(redis_server, name="c2")  # another process of the same group
    assert fresh.process(lambda e: seen.append("again"), block_ms=50) == 0
    assert seen == ["0", "1", "2", "3"]
    assert client.xpending(STREAM, "g")["pending"] == 0


def test_unacknowledged_events_come_back_after_a_crash(redis_server: RedisServer) -> None:
    client = redis_server.client()
    first = consumer(redis_server)
    for n in range(3):
        publish(client, scene(n))
    first.poll(block_ms=50)
    first.poll(block_ms=50)  # crash: never acked
    restarted = consumer(redis_server)
    got = [d.event.payload["scene"] for d in restarted.poll(block_ms=50)]
    assert got == ["0", "1", "2"]


def test_handler_failure_keeps_the_rest_pending(redis_server: RedisServer) -> None:
    client = redis_server.client()
    reader = consumer(redis_server)
    for n in range(3):
        publish(client, scene(n))
    handled: list[str] = []

    def flaky(event: Event) -> None:
        if event.payload["scene"] == "1" and "boom" not in handled:
            handled.append("boom")
            raise RuntimeError("boom")
        handled.append(event.payload["scene"])

    with pytest.raises(RuntimeError):
        reader.process(flaky, block_ms=50)
    while reader.process(flaky, block_ms=50):
        pass
    assert handled == ["0", "boom", "1", "2"]
    assert client.xpending(STREAM, "g")["pending"] == 0


def test_groups_each_get_every_event_and_garbage_goes_to_dead_letters(
    redis_server: RedisServer,
) -> None:
    client = redis_server.client()
    a, b = consumer(redis_server, group="missions"), consumer(redis_server, group="stats")
    publish(client, scene(0))
    client.xadd(STREAM, {"body": b"not json"})
    publish(client, scene(1))
    for reader in (a, b):
        seen: list[UUID] = []
        while reader.process(partial(collect_id, seen), block_ms=50):
            pass
        assert seen == [scene(0).event_id, scene(1).event_id]
    assert client.xlen(f"{STREAM}:dead") == 2


def test_consumer_from_settings_needs_redis(redis_server: RedisServer) -> None:
    settings = Settings.model_validate({"events": {"redis_url": redis_server.url}})
    reader = EventConsumer.from_settings(settings, group="g", consumer="c")
    reader.ensure_group()
    publish_to = redis_server.client()
    event = scene(5)
    publish_to.xadd(settings.events.stream, {"body": event.model_dump_json()})
    assert [d.event for d in reader.poll(block_ms=50)] == [event]
    with pytest.raises(ValueError, match="redis_url"):
        EventConsumer.from_settings(Settings(), group="g", consumer="c")


def test_entries_of_a_dead_consumer_are_claimed_by_another(redis_server: RedisServer) -> None:
    client = redis_server.client()
    dead = consumer(redis_server, name="dead")
    for n in range(3):
        publish(client, scene(n))
    assert len(dead.poll(block_ms=50)) == 3  # read, never acked
    survivor = consumer(redis_server, name="alive")
    assert survivor.poll(block_ms=50) == []
    claimed = survivor.claim_stale(min_idle_ms=0)
    assert [d.event.payload["scene"] for d in claimed] == ["0", "1", "2"]
    survivor.ack(claimed)
    assert client.xpending(STREAM, "g")["pending"] == 0


def test_an_event_handled_while_redis_goes_down_is_not_handled_again(
    redis_server: RedisServer,
) -> None:
    """The handler ran, then Redis stopped before the ack: after the restart the pending
    entry, and the relay's re-send of the same event, are skipped, not handled twice."""
    client = redis_server.client()
    reader = consumer(redis_server)
    publish(client, scene(0))
    publish(client, scene(1))
    handled: list[str] = []

    def handle_then_lose_redis(event: Event) -> None:
        handled.append(event.payload["scene"])
        if event.payload["scene"] == "1":
            redis_server.stop()

    with pytest.raises(redis.ConnectionError):
        reader.process(handle_then_lose_redis, block_ms=50)
    redis_server.start()
    client = redis_server.client()
    assert client.xpending(STREAM, "g")["pending"] == 2  # the ack never reached Redis
    publish(client, scene(1))  # the relay's re-send
    publish(client, scene(2))
    while reader.process(lambda e: handled.append(e.payload["scene"]), block_ms=50):
        pass
    assert handled == ["0", "1", "2"]
    assert client.xpending(STREAM, "g")["pending"] == 0
    other = consumer(redis_server, name="c2")  # the group remembers them too
    publish(client, scene(0))
    assert other.process(lambda e: handled.append("again"), block_ms=50) == 0
