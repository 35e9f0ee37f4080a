"""The remote sender: replies shipped over a socket to a Sender in another loop's stead.

Both ends run here on one loop over a real socket pair, with a real `Sender` on the far end
talking HTTP to the Bot API fake; `yabot.telegram.webhook_process` puts the far end in the
webhook process (its integration tests kill that process mid-flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from yabot.config import Settings
from yabot.telegram.frames import FrameReader, FrameWriter
from yabot.telegram.remote_sender import RemoteSender, SenderHost
from yabot.telegram.sender import Sender, SenderClosed, SenderOverloaded, TelegramApiError

FAST = {"global_rate_per_s": 100_000.0, "chat_rate_per_s": 100_000.0, "chat_burst": 100}


@dataclass
class FarEnd:
    """The webhook process's side of one connection: a Sender behind a SenderHost."""

    sender: Sender
    host: SenderHost
    tasks: list[asyncio.Task[None]]
    writers: list[FrameWriter]

    async def close(self) -> None:
        """What the death of the webhook process looks like from the bot's side."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for writer in self.writers:
            writer.close()
        await self.sender.stop(drain_timeout=0)


async def pump(reader: FrameReader, on_frame: Any) -> None:
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        while True:
            for kind, payload in await reader.frames():
                on_frame(kind, payload)


async def connect(remote: RemoteSender, settings: Settings) -> FarEnd:
    """Start a far end and connect the remote sender to it, as the webhook process does."""
    near, far = socket.socketpair()
    near_reader, near_writer = await asyncio.open_connection(sock=near)
    far_reader, far_writer = await asyncio.open_connection(sock=far)
    sender = Sender(settings)
    await sender.start()
    far_out, near_out = FrameWriter(far_writer), FrameWriter(near_writer)
    host = SenderHost(sender, far_out)
    tasks = [
        asyncio.create_task(pump(FrameReader(far_reader), host.on_frame)),
        asyncio.create_task(pump(FrameReader(near_reader), remote.on_frame)),
    ]
    remote.connected(near_out)
    return FarEnd(sender, host, tasks, [far_out, near_out])


@contextlib.asynccontextmanager
async def linked(settings: Settings) -> AsyncIterator[tuple[RemoteSender, FarEnd]]:
    remote = RemoteSender(settings)
    await remote.start()
    far = await connect(remote, settings)
    try:
        yield remote, far
    finally:
        await remote.stop(drain_timeout=2.0)
        remote.disconnected()
        await far.close()


async def drained(remote: RemoteSender, timeout: float = 20.0) -> None:
    async def empty() -> None:
        while remote.queue_depth:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(empty(), timeout)


def collector() -> tuple[list[tuple[Any, Exception | None]], Any]:
    results: list[tuple[Any, Exception | None]] = []
    return results, lambda result, error: results.append((result, error))


async def test_many_threads_submitting_keep_each_chats_order(
    settings_for: Any, fake_api: Any
) -> None:
    fake, base = fake_api
    chats, threads, per_thread = list(range(1, 11)), 5, 6
    results, on_result = collector()
    async with linked(settings_for(base, **FAST)) as (remote, _):

        def player(thread: int) -> None:
            for i in range(per_thread):
                for chat in chats:
                    params = {"chat_id": chat, "text": f"{thread}:{i}"}
                    remote.submit("sendMessage", params, chat_id=chat, on_result=on_result)

        workers = [threading.Thread(target=player, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            await asyncio.to_thread(worker.join)
        await drained(remote)

    for chat in chats:
        texts = fake.texts(chat)
        assert len(texts) == threads * per_thread
        for thread in range(threads):
            mine = [int(t.split(":")[1]) for t in texts if t.startswith(f"{thread}:")]
            assert mine == list(range(per_thread))
    assert len(results) == len(chats) * threads * per_thread
    assert all(error is None and result["text"] for result, error in results)


async def test_a_refusal_comes_back_as_telegrams_error(settings_for: Any, fake_api: Any) -> None:
    fake, base = fake_api
    fake.fail_next(9, 400)
    results, on_result = collector()
    async with linked(settings_for(base, **FAST)) as (remote, _):
        remote.submit("sendMessage", {"chat_id": 9, "text": "a"}, chat_id=9, on_result=on_result)
        remote.submit("sendMessage", {"chat_id": 9, "text": "b"}, chat_id=9, on_result=on_result)
        await drained(remote)

    refused, taken = results
    assert isinstance(refused[1], TelegramApiError) and refused[1].error_code == 400
    assert "injected 400" in refused[1].description
    assert taken[1] is None and taken[0]["text"] == "b" and fake.texts(9) == ["b"]


async def test_calls_wait_for_a_webhook_process_and_survive_its_death(
    settings_for: Any, fake_api: Any
) -> None:
    fake, base = fake_api
    settings = settings_for(base, **FAST)
    results, on_result = collector()
    remote = RemoteSender(settings)
    await remote.start()
    # Submitted before any webhook process is there: they wait.
    for i in range(3):
        remote.submit("sendMessage", {"chat_id": 1, "text": f"early {i}"}, chat_id=1)
    await asyncio.sleep(0.05)
    assert remote.queue_depth == 3 and fake.texts(1) == []

    fake.latency_s = 0.5  # the first process dies while Telegram still holds its calls
    first = await connect(remote, settings)
    for i in range(3):
        params = {"chat_id": 2, "text": f"late {i}"}
        remote.submit("sendMessage", params, chat_id=2, on_result=on_result)
    await asyncio.sleep(0.1)
    remote.disconnected()
    await first.close()
    assert remote.queue_depth == 6

    fake.latency_s = 0.0
    second = await connect(remote, settings)
    await drained(remote)
    await remote.stop(drain_timeout=1.0)
    remote.disconnected()
    await second.close()

    # Every call went out (those the dead process had sent, maybe twice) ...
    assert set(fake.texts(1)) == {f"early {i}" for i in range(3)}
    assert set(fake.texts(2)) == {f"late {i}" for i in range(3)}
    # ... and was answered once.
    assert len(results) == 3 and all(error is None for _, error in results)


async def test_bounds_duplicates_and_stop_as_the_local_sender(
    settings_for: Any, fake_api: Any
) -> None:
    fake, base = fake_api
    fake.latency_s = 0.3
    results, on_result = collector()
    async with linked(settings_for(base, send_queue_limit=3, **FAST)) as (remote, _):
        assert remote.submit(
            "sendMessage", {"chat_id": 1, "text": "once"}, chat_id=1, dedupe_key="k"
        )
        assert not remote.submit(
            "sendMessage", {"chat_id": 1, "text": "once"}, chat_id=1, dedupe_key="k"
        )
        for chat in (2, 3):
            remote.submit("sendMessage", {"chat_id": chat, "text": "t"}, chat_id=chat)
        with pytest.raises(SenderOverloaded, match="send queue is full"):
            remote.submit("sendMessage", {"chat_id": 4, "text": "t"}, chat_id=4)
        await drained(remote)
        remote.submit("sendMessage", {"chat_id": 5, "text": "t"}, chat_id=5, on_result=on_result)
        left = await remote.stop(drain_timeout=0.0)
        with pytest.raises(SenderClosed):
            remote.submit("sendMessage", {"chat_id": 6, "text": "t"}, chat_id=6)

    assert fake.texts(1) == ["once"]
    assert left == 1 and len(results) == 1 and isinstance(results[0][1], SenderClosed)


async def test_the_far_circuit_breaker_shows_on_the_near_side(
    settings_for: Any, fake_api: Any
) -> None:
    fake, base = fake_api
    fake.fail_next("*", 503, times=3)
    settings = settings_for(
        base, breaker_failures=2, breaker_reset_s=0.5, retry_base_s=0.01, retry_max_s=0.02, **FAST
    )
    async with linked(settings) as (remote, far):
        remote.submit("sendMessage", {"chat_id": 1, "text": "t"}, chat_id=1)
        seen_open = False
        for _ in range(200):
            far.host.watch_breaker()
            await asyncio.sleep(0.01)
            seen_open = seen_open or remote.breaker_open
            if seen_open and not remote.queue_depth:
                break
        await drained(remote)
        far.host.watch_breaker()
        await asyncio.sleep(0.05)
        assert seen_open and not remote.breaker_open
    assert fake.texts(1) == ["t"]
