"""Polling against the Bot API fake: offset moves only after accept, bad updates are skipped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import structlog.testing
from prometheus_client import REGISTRY

from yabot.telegram.ingress import PollingIngress, set_webhook
from yabot.telegram.sender import Sender


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def polling(settings_for: Any, base: str, sink: Any, http: httpx.AsyncClient) -> PollingIngress:
    settings = settings_for(base, polling_timeout_s=1)
    return PollingIngress(settings, sink, http, backoff_base_s=0.01, backoff_max_s=0.05)


async def until(condition: Any, timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


def offsets(fake: Any) -> list[int]:
    return [c.params["offset"] for c in fake.calls if c.method == "getUpdates"]


async def test_offset_moves_only_after_the_sink_accepted(
    fake_api: Any, settings_for: Any, sink: Any, http: httpx.AsyncClient, make_text_update: Any
) -> None:
    fake, base = fake_api
    for update_id in (100, 101, 102):
        fake.push_update(make_text_update(update_id))
    sink.overload_once.add(101)
    sink.fail_once.add(102)
    ingress = polling(settings_for, base, sink, http)
    ingress.start()
    await until(lambda: len(sink.accepted) == 3)
    await asyncio.wait_for(ingress.stop(), 5)

    assert [u.update_id for u in sink.accepted] == [100, 101, 102]
    assert sink.offered == [100, 101, 101, 102, 102]
    seen = offsets(fake)
    assert seen[:3] == [0, 101, 102]
    assert ingress.offset == 103
    assert fake.calls[0].method == "deleteWebhook"


async def test_invalid_updates_are_skipped_without_wedging(
    fake_api: Any, settings_for: Any, sink: Any, http: httpx.AsyncClient, make_text_update: Any
) -> None:
    fake, base = fake_api
    fake.push_update(make_text_update(200))
    fake.push_update({"update_id": 201, "message": {"message_id": "oops"}})
    fake.push_update({"update_id": 202, "callback_query": {"id": "c", "from": {"id": "7"}}})
    ingress = polling(settings_for, base, sink, http)
    ingress.start()
    await until(lambda: ingress.offset == 203)
    fake.push_update(make_text_update(203, text="after"))
    await until(lambda: len(sink.accepted) == 2)
    await asyncio.wait_for(ingress.stop(), 5)

    assert [u.update_id for u in sink.accepted] == [200, 203]
    assert ingress.offset == 204


async def test_deeply_nested_and_schema_breaking_updates_are_skipped_with_a_record(
    fake_api: Any,
    settings_for: Any,
    sink: Any,
    http: httpx.AsyncClient,
    make_text_update: Any,
    raw_update: Any,
) -> None:
    RawUpdate = raw_update
    fake, base = fake_api
    depth = 10_000
    fake.push_update(make_text_update(400))
    fake.push_update(
        RawUpdate(401, b'{"update_id": 401, "x": ' + b"[" * depth + b"]" * depth + b"}")
    )
    fake.push_update(
        RawUpdate(402, b'{"update_id": 402, "x": ' + b'{"a":' * depth + b"1" + b"}" * depth + b"}")
    )
    fake.push_update({"update_id": 403, "message": {"message_id": 1, "chat": {"id": 7}, "date": 1}})
    fake.push_update(make_text_update(404, text="after"))
    before = (
        REGISTRY.get_sample_value(
            "yabot_telegram_ingress_rejected_total",
            {"source": "polling", "reason": "invalid_update"},
        )
        or 0.0
    )
    ingress = polling(settings_for, base, sink, http)
    with structlog.testing.capture_logs() as events:
        ingress.start()
        await until(lambda: len(sink.accepted) == 2)
        await asyncio.wait_for(ingress.stop(), 5)

    assert [u.update_id for u in sink.accepted] == [400, 404]
    assert ingress.offset == 405
    after = REGISTRY.get_sample_value(
        "yabot_telegram_ingress_rejected_total", {"source": "polling", "reason": "invalid_update"}
    )
    assert after - before == 3
    skipped = [
        (e["update_id"], e["reason"]) for e in events if e["event"] == "polled_update_invalid"
    ]
    assert skipped == [
        (401, "body is nested too deeply"),
        (402, "body is nested too deeply"),
        (403, "message.chat.type: Field required"),
    ]
    assert "after" not in str(events)


async def test_an_update_without_a_usable_id_is_passed_by_the_next_valid_one(
    fake_api: Any, settings_for: Any, sink: Any, http: httpx.AsyncClient, make_text_update: Any
) -> None:
    """Without a usable id the offset cannot confirm it alone: polling backs off (counted,
    logged) until a valid update arrives after it, and the offset then passes both."""
    fake, base = fake_api
    fake.push_update(make_text_update(500))
    fake.push_update({"update_id": 2**63, "message": {"message_id": 1}})
    ingress = polling(settings_for, base, sink, http)
    with structlog.testing.capture_logs() as events:
        ingress.start()
        await until(lambda: sum(e["event"] == "polling_backoff" for e in events) >= 2)
        assert ingress.offset == 501
        fake.push_update(make_text_update(501, text="later"))
        await until(lambda: len(sink.accepted) == 2)
        await asyncio.wait_for(ingress.stop(), 5)
    assert [u.update_id for u in sink.accepted] == [500, 501]
    assert ingress.offset == 502
    refusals = [e for e in events if e["event"] == "polled_update_invalid"]
    assert refusals and all("update_id: Input should be" in e["reason"] for e in refusals)
    assert "later" not in str(events)


async def test_errors_back_off_and_conflict_deletes_the_webhook(
    fake_api: Any, settings_for: Any, sink: Any, http: httpx.AsyncClient, make_text_update: Any
) -> None:
    fake, base = fake_api
    fake.fail_next("getUpdates", 502)
    fake.fail_next("getUpdates", 409)
    fake.fail_next("getUpdates", 429, parameters={"retry_after": 0})
    fake.push_update(make_text_update(300))
    ingress = polling(settings_for, base, sink, http)
    ingress.start()
    await until(lambda: len(sink.accepted) == 1)
    await asyncio.wait_for(ingress.stop(), 5)

    methods = [c.method for c in fake.calls]
    assert methods.count("deleteWebhook") == 2
    assert [c.status for c in fake.calls if c.method == "getUpdates"][:4] == [502, 409, 429, 200]


async def test_stop_is_prompt_during_a_long_poll(
    fake_api: Any, settings_for: Any, sink: Any, http: httpx.AsyncClient
) -> None:
    fake, base = fake_api
    settings = settings_for(base, polling_timeout_s=50)
    ingress = PollingIngress(settings, sink, http)
    ingress.start()
    await until(lambda: any(c.method == "deleteWebhook" for c in fake.calls))
    await asyncio.sleep(0.1)
    await asyncio.wait_for(ingress.stop(), 2)


async def test_set_webhook_sends_the_secret_and_allowed_updates(
    fake_api: Any, settings_for: Any
) -> None:
    fake, base = fake_api
    settings = settings_for(
        base, mode="webhook", webhook_url="https://bot.example.com/tg", webhook_secret="abc_DEF-1"
    )
    async with Sender(settings) as sender:
        assert await set_webhook(sender, settings) is True
    [call] = [c for c in fake.calls if c.method == "setWebhook"]
    assert call.params["url"] == "https://bot.example.com/tg"
    assert call.params["secret_token"] == "abc_DEF-1"
    assert call.params["allowed_updates"] == ["message", "callback_query", "pre_checkout_query"]


async def test_set_webhook_needs_a_url(settings_for: Any) -> None:
    settings = settings_for()
    async with Sender(settings) as sender:
        with pytest.raises(ValueError, match="webhook_url"):
            await set_webhook(sender, settings)
