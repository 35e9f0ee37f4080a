"""The sender against a Bot API fake: order, pacing, 429/5xx/4xx handling, breaker, bounds."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from typing import Any

import pytest
import structlog.contextvars
import structlog.testing
from prometheus_client import REGISTRY

from yabot.observability.logging import correlation
from yabot.telegram.sender import (
    Sender,
    SenderClosed,
    SenderOverloaded,
    TelegramApiError,
)

FAST = {"global_rate_per_s": 100_000.0, "chat_rate_per_s": 100_000.0, "chat_burst": 100}


def metric(metric_name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric_name, labels) or 0.0


async def wait_for_calls(sender: Sender, timeout: float = 20.0) -> None:
    async def drained() -> None:
        while sender.queue_depth:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(drained(), timeout)


def results_collector() -> tuple[list[tuple[Any, Exception | None]], Any]:
    results: list[tuple[Any, Exception | None]] = []

    def on_result(result: Any, error: Exception | None) -> None:
        results.append((result, error))

    return results, on_result


async def test_order_per_chat_kept_with_many_threads_submitting(
    settings_for: Any,
    fake_api: Any,
) -> None:
    fake, base = fake_api
    chats, threads, per_thread = list(range(1, 16)), 6, 6
    async with Sender(settings_for(base, **FAST)) as sender:

        def player(thread: int) -> None:
            for i in range(per_thread):
                for chat in chats:
                    sender.submit(
                        "sendMessage", {"chat_id": chat, "text": f"{thread}:{i}"}, chat_id=chat
                    )

        workers = [threading.Thread(target=player, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            await asyncio.to_thread(worker.join)
        await wait_for_calls(sender)

    for chat in chats:
        texts = fake.texts(chat)
        assert len(texts) == threads * per_thread
        for thread in range(threads):
            mine = [int(t.split(":")[1]) for t in texts if t.startswith(f"{thread}:")]
            assert mine == list(range(per_thread)), f"chat {chat} thread {thread}: {mine}"


async def test_429_loses_nothing_and_waits_retry_after(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    chats = list(range(100, 110))
    for chat in chats[:5]:
        fake.fail_next(chat, 429, parameters={"retry_after": 1})
    before = metric("yabot_telegram_429_total")
    async with Sender(settings_for(base, **FAST)) as sender:
        for i in range(4):
            for chat in chats:
                sender.submit("sendMessage", {"chat_id": chat, "text": str(i)}, chat_id=chat)
        await wait_for_calls(sender)

    assert fake.violations == []
    for chat in chats:
        assert fake.texts(chat) == ["0", "1", "2", "3"]
    for chat in chats[:5]:
        calls = [c for c in fake.calls if c.chat_id == chat]
        assert calls[0].status == 429
        assert calls[1].at - calls[0].at >= 1.0
    assert metric("yabot_telegram_429_total") - before == 5


async def test_5xx_is_retried_with_backoff(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    fake.fail_next(5, 502, times=2)
    retries_before = metric("yabot_telegram_retries_total", reason="server_error")
    results, on_result = results_collector()
    settings = settings_for(base, retry_base_s=0.1, retry_max_s=1.0, **FAST)
    async with Sender(settings) as sender:
        sender.submit("sendMessage", {"chat_id": 5, "text": "hi"}, chat_id=5, on_result=on_result)
        await wait_for_calls(sender)

    calls = [c for c in fake.calls if c.chat_id == 5]
    assert [c.status for c in calls] == [502, 502, 200]
    assert calls[1].at - calls[0].at >= 0.05  # base/2: the jittered first back-off
    assert calls[2].at - calls[1].at >= 0.1  # base*2/2: the second back-off doubled
    assert results[0][1] is None and results[0][0]["text"] == "hi"
    assert metric("yabot_telegram_retries_total", reason="server_error") - retries_before == 2


async def test_4xx_is_given_up_and_reported_once(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    fake.fail_next(9, 400)
    results, on_result = results_collector()
    async with Sender(settings_for(base, **FAST)) as sender:
        sender.submit("sendMessage", {"chat_id": 9, "text": "a"}, chat_id=9, on_result=on_result)
        sender.submit("sendMessage", {"chat_id": 9, "text": "b"}, chat_id=9, on_result=on_result)
        await wait_for_calls(sender)

    assert [c.status for c in fake.calls if c.chat_id == 9] == [400, 200]
    assert isinstance(results[0][1], TelegramApiError) and results[0][1].error_code == 400
    assert results[1][1] is None and fake.texts(9) == ["b"]


async def test_private_chat_pacing_seen_by_the_server(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    rate, burst = 4.0, 2
    settings = settings_for(base, global_rate_per_s=1000.0, chat_rate_per_s=rate, chat_burst=burst)
    async with Sender(settings) as sender:
        for i in range(8):
            sender.submit("sendMessage", {"chat_id": 1, "text": str(i)}, chat_id=1)
        await wait_for_calls(sender)

    times = [c.at for c in fake.sent(1)]
    assert len(times) == 8
    slack = 0.06  # arrival times at the fake jitter with the event loop's load
    for first in range(len(times)):
        for last in range(first + burst, len(times)):
            window = times[last] - times[first]
            allowed = burst + (window + slack) * rate
            assert last - first + 1 <= allowed, (first, last, window)


async def test_group_and_global_pacing_seen_by_the_server(
    settings_for: Any,
    fake_api: Any,
) -> None:
    fake, base = fake_api
    settings = settings_for(
        base, global_rate_per_s=20.0, chat_rate_per_s=1000.0, chat_burst=5, group_rate_per_min=300
    )
    async with Sender(settings) as sender:
        for i in range(5):
            sender.submit("sendMessage", {"chat_id": -100, "text": str(i)}, chat_id=-100)
        for chat in range(1, 26):
            sender.submit("sendMessage", {"chat_id": chat, "text": "x"}, chat_id=chat)
        await wait_for_calls(sender)

    group = [c.at for c in fake.sent(-100)]
    assert len(group) == 5
    assert all(b - a >= 0.2 - 0.06 for a, b in itertools.pairwise(group))
    every = sorted(c.at for c in fake.sent())
    assert len(every) == 30
    for i in range(len(every)):
        in_one_second = sum(1 for t in every[i:] if t - every[i] < 1.0)
        assert in_one_second <= 20 + 2


async def test_breaker_opens_then_probes_and_delivers(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    fake.fail_next("*", 503, times=4)
    settings = settings_for(
        base, breaker_failures=3, breaker_reset_s=0.4, retry_base_s=0.01, retry_max_s=0.02, **FAST
    )
    opened = metric("yabot_circuit_breaker_opened_total", name="telegram")
    async with Sender(settings) as sender:
        for chat in (1, 2, 3):
            sender.submit("sendMessage", {"chat_id": chat, "text": "t"}, chat_id=chat)
        await wait_for_calls(sender)
        assert not sender.breaker_open

    statuses = [c.status for c in fake.calls]
    assert statuses.count(503) == 4 and statuses.count(200) == 3
    third_failure = [c for c in fake.calls if c.status == 503][2]
    after_open = [c for c in fake.calls if c.at > third_failure.at]
    assert after_open[0].at - third_failure.at >= 0.4 - 0.02
    # opened by the third failure, and again by the failed probe (the fourth)
    assert metric("yabot_circuit_breaker_opened_total", name="telegram") - opened == 2
    assert metric("yabot_circuit_breaker_state", name="telegram") == 0


async def test_queue_limit_rejects_loudly(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    fake.latency_s = 0.2
    before = metric("yabot_telegram_sender_rejected_total", reason="overloaded")
    async with Sender(settings_for(base, send_queue_limit=3, **FAST)) as sender:
        for chat in (1, 2, 3):
            sender.submit("sendMessage", {"chat_id": chat, "text": "t"}, chat_id=chat)
        with pytest.raises(SenderOverloaded, match="send queue is full"):
            sender.submit("sendMessage", {"chat_id": 4, "text": "t"}, chat_id=4)
        await wait_for_calls(sender)
        assert sender.submit("sendMessage", {"chat_id": 4, "text": "t"}, chat_id=4)
        await wait_for_calls(sender)
    assert metric("yabot_telegram_sender_rejected_total", reason="overloaded") - before == 1
    assert len(fake.sent()) == 4


async def test_dedupe_key_sends_once(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    results, on_result = results_collector()
    async with Sender(settings_for(base, **FAST)) as sender:
        params = {"chat_id": 1, "text": "reply to update 77"}
        key = "77:0"
        assert sender.submit("sendMessage", params, chat_id=1, dedupe_key=key, on_result=on_result)
        assert not sender.submit(
            "sendMessage", params, chat_id=1, dedupe_key=key, on_result=on_result
        )
        await wait_for_calls(sender)
        assert not sender.submit(
            "sendMessage", params, chat_id=1, dedupe_key=key, on_result=on_result
        )
        await wait_for_calls(sender)
        await asyncio.sleep(0.05)
    assert fake.texts(1) == ["reply to update 77"]
    assert sorted(r is None for r, _ in results) == [False, True, True]
    assert all(error is None for _, error in results)


async def test_call_does_not_wait_behind_a_chat_queue(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    settings = settings_for(base, global_rate_per_s=1000.0, chat_rate_per_s=5.0, chat_burst=1)
    async with Sender(settings) as sender:
        for i in range(4):
            sender.submit("sendMessage", {"chat_id": 1, "text": str(i)}, chat_id=1)
        answered = await sender.call("answerCallbackQuery", {"callback_query_id": "q"}, chat_id=1)
        me = await sender.call("getMe", {})
        await wait_for_calls(sender)

    assert answered is True and me["is_bot"] is True
    methods = [c.method for c in fake.calls]
    assert methods.index("answerCallbackQuery") < len(methods) - 2


async def test_call_raises_on_refusal_and_gives_up_after_max_attempts(
    settings_for: Any,
    fake_api: Any,
) -> None:
    fake, base = fake_api
    fake.fail_next("answerPreCheckoutQuery", 400)
    fake.fail_next("getMe", 500, times=3)
    async with Sender(settings_for(base, retry_base_s=0.01, **FAST)) as sender:
        with pytest.raises(TelegramApiError) as refused:
            await sender.call("answerPreCheckoutQuery", {"pre_checkout_query_id": "x", "ok": True})
        assert refused.value.error_code == 400
        with pytest.raises(TelegramApiError, match="gave up"):
            await sender.call("getMe", {}, max_attempts=2)


async def test_stop_reports_what_is_left_and_refuses_new_calls(
    settings_for: Any,
    fake_api: Any,
) -> None:
    fake, base = fake_api
    settings = settings_for(base, global_rate_per_s=1000.0, chat_rate_per_s=2.0, chat_burst=1)
    results, on_result = results_collector()
    sender = Sender(settings)
    await sender.start()
    for i in range(6):
        sender.submit("sendMessage", {"chat_id": 1, "text": str(i)}, chat_id=1, on_result=on_result)
    left = await sender.stop(drain_timeout=0.3)

    assert left >= 3
    assert len(fake.texts(1)) + left == 6
    closed = [e for _, e in results if isinstance(e, SenderClosed)]
    assert len(closed) == left and len(results) == 6
    with pytest.raises(SenderClosed):
        sender.submit("sendMessage", {"chat_id": 1, "text": "late"}, chat_id=1)


async def test_network_errors_are_retried_and_token_never_logged(
    settings_for: Any, bot_token: str
) -> None:
    dead = settings_for("http://127.0.0.1:9", retry_base_s=0.01, **FAST)
    with structlog.testing.capture_logs() as events:
        async with Sender(dead) as sender:
            with pytest.raises(TelegramApiError, match="gave up: network_error"):
                await sender.call("getMe", {}, max_attempts=3)
    assert [e["event"] for e in events].count("send_network_error") == 3
    logged = json.dumps(events, default=str)
    assert bot_token not in logged and bot_token.split(":")[1] not in logged


async def test_a_cancelled_probe_does_not_wedge_the_breaker(
    settings_for: Any, fake_api: Any
) -> None:
    fake, base = fake_api
    fake.fail_next("*", 503, times=2)
    settings = settings_for(
        base, breaker_failures=2, breaker_reset_s=0.2, retry_base_s=0.01, **FAST
    )
    async with Sender(settings) as sender:
        for _ in range(2):
            with pytest.raises(TelegramApiError):
                await sender.call("getMe", {}, max_attempts=1)
        assert sender.breaker_open
        fake.latency_s = 1.0
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sender.call("getMe", {}), 0.4)  # the probe, cancelled
        fake.latency_s = 0.0
        sender.submit("sendMessage", {"chat_id": 3, "text": "still flows"}, chat_id=3)
        await wait_for_calls(sender, timeout=5)
        assert not sender.breaker_open
    assert fake.texts(3) == ["still flows"]


async def test_a_refused_call_is_logged_with_its_own_correlation_id(
    settings_for: Any, fake_api: Any
) -> None:
    fake, base = fake_api
    fake.fail_next(12, 400)  # the first call of chat 12, submitted under u1, is refused
    fake.fail_next(12, 502)  # the second, under u2, is answered 502 once, then taken
    settings = settings_for(base, retry_base_s=0.01, retry_max_s=0.05, **FAST)
    merge = structlog.contextvars.merge_contextvars
    with structlog.testing.capture_logs(processors=[merge]) as events:
        async with Sender(settings) as sender:
            for update_id in (1, 2):
                with correlation(f"u{update_id}", update_id=update_id):
                    sender.submit(
                        "sendMessage",
                        {"chat_id": 12, "text": str(update_id)},
                        chat_id=12,
                        correlation_id=f"u{update_id}",
                    )
            await wait_for_calls(sender)

    assert [c.status for c in fake.calls if c.chat_id == 12] == [400, 502, 200]
    logged = [
        (e["event"], e.get("correlation_id"), e.get("update_id"))
        for e in events
        if e["event"].startswith("send_")
    ]
    # One queue serves the chat; its lines name the call they are about, not the first
    # submitter's context.
    assert logged == [("send_rejected", "u1", None), ("send_server_error", "u2", None)]
