"""Ingress end to end with the emulator: players type and press, the sink receives in order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from yabot.emulator.server import EmulatorServer
from yabot.telegram.ingress import PollingIngress, set_webhook
from yabot.telegram.sender import Sender
from yabot.telegram.webhook import with_webhook

SECRET = "emulator_secret-1"


@pytest.fixture
def emulator(bot_token: str) -> Iterator[httpx.Client]:
    with EmulatorServer() as server, httpx.Client(base_url=server.url, timeout=10) as client:
        client.post(f"/bot{bot_token}/getMe").raise_for_status()
        yield client


async def until(condition: Any, timeout: float = 15.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


def say(player: httpx.Client, user: int, text: str) -> None:
    player.post("/_emulator/users", json={"id": user, "first_name": "P", "language_code": "en"})
    player.post(f"/_emulator/users/{user}/messages", json={"text": text}).raise_for_status()


async def test_polling_delivers_texts_commands_and_button_presses_in_order(
    emulator: httpx.Client, settings_for: Any, sink: Any
) -> None:
    users = [11, 12, 13]
    for round_ in range(4):
        for user in users:
            say(emulator, user, "/start deep" if round_ == 0 else f"msg {round_}")
    settings = settings_for(str(emulator.base_url), polling_timeout_s=1)
    async with httpx.AsyncClient() as http, Sender(settings) as sender:
        ingress = PollingIngress(settings, sink, http)
        ingress.start()
        await until(lambda: len(sink.accepted) == 12)
        keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "choice:1"}]]}
        sent = await sender.call(
            "sendMessage", {"chat_id": 11, "text": "Pick", "reply_markup": keyboard}
        )
        press = {"message_id": sent["message_id"], "data": "choice:1"}
        emulator.post("/_emulator/users/11/press", json=press).raise_for_status()
        await until(lambda: len(sink.accepted) == 13)
        await asyncio.wait_for(ingress.stop(), 5)

    ids = [u.update_id for u in sink.accepted]
    assert ids == sorted(ids) and len(set(ids)) == 13
    for user in users:
        mine = [u for u in sink.accepted if u.user_id == user and u.kind != "callback_query"]
        assert [(u.kind, u.command, u.text) for u in mine] == [
            ("command", "start", "/start deep"),
            ("message", None, "msg 1"),
            ("message", None, "msg 2"),
            ("message", None, "msg 3"),
        ]
    button = sink.accepted[-1]
    assert (button.kind, button.user_id, button.chat_id) == ("callback_query", 11, 11)
    assert (button.callback_data, button.message_id) == ("choice:1", sent["message_id"])
    assert button.callback_id


async def test_webhook_mode_receives_with_the_secret_and_telegram_retries_on_503(
    emulator: httpx.Client, settings_for: Any, sink: Any, serve_app: Any
) -> None:
    settings = settings_for(str(emulator.base_url), mode="webhook", webhook_secret=SECRET)
    app = with_webhook(settings, sink, FastAPI())
    async with serve_app(app) as our_base:
        settings = settings_for(
            str(emulator.base_url),
            mode="webhook",
            webhook_secret=SECRET,
            webhook_url=f"{our_base}{settings.telegram.webhook_path}",
        )
        async with Sender(settings) as sender:
            await set_webhook(sender, settings)
        say(emulator, 21, "/start")
        await until(lambda: len(sink.accepted) == 1)
        first_id = sink.accepted[0].update_id
        sink.overload_once.add(first_id + 1)
        say(emulator, 21, "again")
        await until(lambda: len(sink.accepted) == 2)

    assert [u.text for u in sink.accepted] == ["/start", "again"]
    assert sink.offered == [first_id, first_id + 1, first_id + 1]
    statuses = [a["status"] for a in emulator.get("/_emulator/webhook/attempts").json()]
    assert statuses == [200, 503, 200]
