"""The sender against the Bot API emulator, whose flood control behaves like Telegram's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from yabot.emulator.server import EmulatorServer
from yabot.telegram.sender import Sender


@pytest.fixture
def emulator(bot_token: str) -> Iterator[httpx.Client]:
    """A running emulator (own thread and loop) and a player-side client to it."""
    with EmulatorServer() as server, httpx.Client(base_url=server.url, timeout=10) as client:
        client.post(f"/bot{bot_token}/getMe").raise_for_status()
        yield client


def start_chats(player: httpx.Client, users: list[int]) -> None:
    for user in users:
        player.post("/_emulator/users", json={"id": user, "first_name": f"P{user}"})
        player.post(f"/_emulator/users/{user}/messages", json={"text": "/start"})


def bot_texts(player: httpx.Client, chat_id: int) -> list[str]:
    messages = player.get(f"/_emulator/chats/{chat_id}/messages").json()["messages"]
    return [m["text"] for m in messages]


async def drained(sender: Sender, timeout: float = 30.0) -> None:
    async def wait() -> None:
        while sender.queue_depth:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


async def test_injected_429s_lose_no_reply_and_retry_after_is_honoured(
    emulator: httpx.Client, settings_for: Any
) -> None:
    users = list(range(1000, 1012))
    start_chats(emulator, users)
    emulator.put(
        "/_emulator/faults",
        json={"error_429_fraction": 0.3, "retry_after": 1, "methods": ["sendMessage"], "seed": 4},
    ).raise_for_status()
    emulator.delete("/_emulator/calls")
    settings = settings_for(str(emulator.base_url), chat_rate_per_s=5.0, chat_burst=3)
    async with Sender(settings) as sender:
        for i in range(3):
            for user in users:
                sender.submit("sendMessage", {"chat_id": user, "text": f"r{i}"}, chat_id=user)
        await drained(sender)

    stats = emulator.get("/_emulator/stats").json()
    assert stats["by_status"]["429"] > 0
    assert stats["retry_after_violations"] == 0
    for user in users:
        assert bot_texts(emulator, user) == ["r0", "r1", "r2"]


async def test_paced_sender_never_trips_telegram_flood_control(
    emulator: httpx.Client, settings_for: Any
) -> None:
    users = list(range(2000, 2045))
    start_chats(emulator, users)
    emulator.put(
        "/_emulator/faults",
        json={"chat_rate_per_s": 4.0, "chat_burst": 3, "global_rate_per_s": 30.0},
    ).raise_for_status()
    emulator.delete("/_emulator/calls")
    settings = settings_for(
        str(emulator.base_url), chat_rate_per_s=4.0, chat_burst=2, global_rate_per_s=30.0
    )
    async with Sender(settings) as sender:
        for i in range(8):
            sender.submit("sendMessage", {"chat_id": users[0], "text": str(i)}, chat_id=users[0])
        for user in users[1:]:
            sender.submit("sendMessage", {"chat_id": user, "text": "hello"}, chat_id=user)
        await drained(sender)

    stats = emulator.get("/_emulator/stats").json()
    assert stats["by_status"] == {"200": 8 + 44}
    assert bot_texts(emulator, users[0]) == [str(i) for i in range(8)]


async def test_5xx_bursts_are_retried_until_delivered(
    emulator: httpx.Client, settings_for: Any
) -> None:
    users = [3000, 3001]
    start_chats(emulator, users)
    emulator.put("/_emulator/faults", json={"error_5xx_next": 4, "status_5xx": 503})
    emulator.delete("/_emulator/calls")
    settings = settings_for(str(emulator.base_url), retry_base_s=0.02, retry_max_s=0.1)
    async with Sender(settings) as sender:
        for user in users:
            sender.submit("sendMessage", {"chat_id": user, "text": "after outage"}, chat_id=user)
        await drained(sender)

    statuses = [c["status"] for c in emulator.get("/_emulator/calls").json()]
    assert statuses.count(503) == 4 and statuses.count(200) == 2
    assert all(bot_texts(emulator, user) == ["after outage"] for user in users)
