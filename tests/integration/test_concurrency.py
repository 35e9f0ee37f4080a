"""Many players at once: per-player order, and Telegram's retried deliveries change nothing."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import aiohttp

from tests.integration.harness import SECRET, Emu, RunningBot, bot_settings
from yabot.player.actor import Inspect

USERS = int(__import__("os").environ.get("YABOT_TEST_USERS", "200"))
UPDATES_EACH = 50


def _update(update_id: int, user_id: int, n: int) -> dict:
    text = f"/c{n}"
    return {
        "update_id": update_id,
        "message": {
            "message_id": n + 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "P"},
            "from": {"id": user_id, "is_bot": False, "first_name": "P", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def _play(client: aiohttp.ClientSession, url: str, user_index: int, user_id: int) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for n in range(UPDATES_EACH):
        body = _update(1_000_000 + n * USERS + user_index, user_id, n)
        for _ in range(2):  # delivered, then delivered again as a Telegram retry would
            async with client.post(url, json=body, headers=headers) as r:
                assert r.status == 200, await r.text()


def test_200_players_50_updates_in_order_and_duplicates_ignored(emu: Emu, tmp_path: Path) -> None:
    bot = RunningBot(bot_settings(tmp_path / "data", emu.url, "webhook")).start()
    try:
        users = [900_000 + i for i in range(USERS)]
        bot_state = emu.emulator.register_bot(bot.settings.telegram.bot_token.get_secret_value())
        for user_id in users:
            emu.player(user_id, "P", "en")
            bot_state.started.add(user_id)  # as if each had opened the chat before
        webhook = bot.api_url + "/telegram/webhook"

        async def everyone() -> None:
            connector = aiohttp.TCPConnector(limit=50)
            async with aiohttp.ClientSession(connector=connector) as client:
                await asyncio.gather(*(_play(client, webhook, i, u) for i, u in enumerate(users)))

        started = time.monotonic()
        asyncio.run(everyone())
        print(f"sent {USERS * UPDATES_EACH * 2} deliveries in {time.monotonic() - started:.1f}s")

        deadline = time.monotonic() + 120
        pending = set(users)
        while pending and time.monotonic() < deadline:
            for user_id in list(pending):
                got = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages").json()[
                    "messages"
                ]
                if len(got) >= UPDATES_EACH:
                    pending.discard(user_id)
            time.sleep(0.5)
        print(f"all replies after {time.monotonic() - started:.1f}s")
        assert not pending, f"{len(pending)} players did not get all their replies"

        for user_id in users:
            got = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages").json()["messages"]
            commands = [re.search(r"/c\d+", m["text"]).group(0) for m in got]
            assert commands == [f"/c{n}" for n in range(UPDATES_EACH)], (user_id, commands[:5])

        runtime = bot.runtime()
        for user_id in users[:20]:
            view = asyncio.run_coroutine_threadsafe(
                runtime.admin.ask_player(user_id, Inspect()), bot._loop
            ).result(10)
            assert view["transitions"] == UPDATES_EACH
    finally:
        bot.stop()
