"""asyncio code awaits actors without blocking its event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pykka
import pytest

from actors import MailboxFull, PooledActor, WorkerPool, ask_async, wrap_future


class Slow(PooledActor):
    mailbox_limit = 1

    def on_receive(self, message: Any) -> Any:
        if message == "fail":
            raise KeyError("missing")
        if isinstance(message, float):
            time.sleep(message)
        return message


async def test_ask_async_does_not_block_the_loop(pool: WorkerPool) -> None:
    ref = Slow.start()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    assert await ask_async(ref, 0.2, timeout=5) == 0.2
    task.cancel()
    assert ticks >= 10, "the event loop was blocked while the actor worked"
    ref.stop()


async def test_errors_and_timeouts_reach_the_awaiting_task(pool: WorkerPool) -> None:
    ref = Slow.start()
    with pytest.raises(KeyError):
        await ask_async(ref, "fail", timeout=5)
    with pytest.raises(TimeoutError):
        await ask_async(ref, 0.3, timeout=0.05)
    ref.stop()
    with pytest.raises(pykka.ActorDeadError):
        await ask_async(ref, "late", timeout=5)


async def test_full_mailbox_fails_at_once(pool: WorkerPool) -> None:
    gate = threading.Event()

    class Held(PooledActor):
        mailbox_limit = 1

        def on_receive(self, message: Any) -> Any:
            gate.wait(5)
            return message

    ref = Held.start()
    first = ref.ask("a", block=False)
    while ref.actor_inbox.depth():
        await asyncio.sleep(0.001)
    second = ref.ask("b", block=False)
    with pytest.raises(MailboxFull):
        await ask_async(ref, "c", timeout=5)
    gate.set()
    assert await wrap_future(first) == "a"
    assert await wrap_future(second) == "b"
    ref.stop()


async def test_wrap_future_of_threading_actor_and_derived_futures(pool: WorkerPool) -> None:
    class Echo(pykka.ThreadingActor):
        def on_receive(self, message: Any) -> Any:
            return message

    ref = Echo.start()
    assert await wrap_future(ref.ask("x", block=False)) == "x"
    ref.stop()
    pooled = Slow.start()
    doubled = pooled.ask(21, block=False).map(lambda v: v * 2)
    assert await wrap_future(doubled) == 42
    pooled.stop()


async def test_awaiting_a_pooled_future_directly_does_not_block_the_loop(pool: WorkerPool) -> None:
    ref = Slow.start()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    assert await ref.ask(0.2, block=False) == 0.2
    assert await ref.proxy().actor_urn == ref.actor_urn
    task.cancel()
    assert ticks >= 10, "awaiting the future blocked the event loop"
    ref.stop()
