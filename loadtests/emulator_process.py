"""The Telegram emulator in its own process, for load tests and ``scripts/bench``.

Flood control is off (the bots' own pacing is what is compared, not Telegram's) and a small
benchmark-only router is added under ``/_bench`` (never part of the product's emulator):

- ``POST /_bench/started`` ``{"token", "users": [...]}``: create the users and mark their
  private chats as started with the bot, as if each had written once (webhook benches post
  updates straight to the bot, so the emulator never saw the users write).
- ``GET /_bench/replies?bot_id=``: per chat, the ``time.monotonic()`` of every accepted
  ``sendMessage``. CLOCK_MONOTONIC is system-wide on Linux, so the harness process can subtract
  its own post times from these.
- ``GET /_bench/reply_log?bot_id=``: per chat, ``[time, text]`` of every accepted ``sendMessage``
  (the text cut at 64 characters): which update each reply answers (``scripts/chaos``).
- ``DELETE /_bench/replies``: forget the recorded times.
- ``POST /_bench/moments`` ``{"bot_id", "users": [...]}``: per chat, the bot's last message
  with buttons: its ``message_id`` and the ``callback_data`` of its story choices (``c:...``);
  no choices means the story waits for a typed answer. What a player looks at before acting.

Run: ``python -m loadtests.emulator_process --port 0 --port-file PATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from yabot.emulator import botapi
from yabot.emulator.faults import FaultConfig
from yabot.emulator.server import create_app
from yabot.emulator.state import BotState, Emulator, EmulatorConfig
from yabot.observability.gc_policy import GcPolicy
from yabot.observability.logging import configure_logging

VIP_CHANNEL = -1001000000001


class ReplyClock:
    """Receive times of every accepted ``sendMessage``, per bot and chat."""

    def __init__(self) -> None:
        self.times: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.texts: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))

    def install(self) -> None:
        """Wrap the emulator's ``sendMessage`` so that each accepted call is timed."""
        original = botapi.METHODS["sendmessage"]

        async def timed(emu: Emulator, bot: BotState, params: botapi.Params) -> Any:
            result = await original(emu, bot, params)
            self.times[bot.id][int(result["chat"]["id"])].append(time.monotonic())
            self.texts[bot.id][int(result["chat"]["id"])].append(str(result.get("text", ""))[:64])
            return result

        botapi.METHODS["sendmessage"] = timed


class StartedIn(BaseModel):
    """Users whose private chats with the bot of ``token`` count as started."""

    token: str
    users: list[int]
    language_code: str = "en"


class MomentsIn(BaseModel):
    """Chats of the bot ``bot_id`` whose current story moment to read."""

    bot_id: int
    users: list[int]


def bench_router(emulator: Emulator, clock: ReplyClock) -> APIRouter:
    """The ``/_bench`` routes described in the module docstring."""
    router = APIRouter(prefix="/_bench")

    @router.post("/started")
    async def started(body: StartedIn) -> dict[str, int]:
        bot = emulator.register_bot(body.token)
        for user_id in body.users:
            emulator.upsert_user(user_id, f"P{user_id}", body.language_code)
            emulator.log(bot, user_id)
            bot.started.add(user_id)
        return {"bot_id": bot.id, "users": len(body.users)}

    @router.get("/replies")
    async def replies(bot_id: int) -> dict[str, list[float]]:
        return {str(chat): times for chat, times in clock.times[bot_id].items()}

    @router.get("/reply_log")
    async def reply_log(bot_id: int) -> dict[str, list[tuple[float, str]]]:
        texts = clock.texts[bot_id]
        return {
            str(chat): list(zip(times, texts[chat], strict=False))
            for chat, times in clock.times[bot_id].items()
        }

    @router.delete("/replies")
    async def forget() -> dict[str, bool]:
        clock.times.clear()
        clock.texts.clear()
        return {"cleared": True}

    @router.post("/moments")
    async def moments(body: MomentsIn) -> dict[str, dict[str, Any]]:
        bot = emulator.bots[body.bot_id]
        out: dict[str, dict[str, Any]] = {}
        for user_id in body.users:
            chat = bot.logs.get(user_id)
            if chat is None:
                continue
            for message in reversed(chat.messages.values()):
                markup = message.reply_markup or {}
                rows = markup.get("inline_keyboard") if message.from_bot else None
                if rows:
                    data = [b.get("callback_data", "") for row in rows for b in row]
                    out[str(user_id)] = {
                        "message_id": message.message_id,
                        "choices": [d for d in data if d.startswith("c:")],
                    }
                    break
        return out

    return router


def build(webhook_max_connections: int = 100) -> FastAPI:
    """The emulator app with flood control off, the reply clock and the bench routes."""
    emulator = Emulator(
        EmulatorConfig(webhook_retry_base_s=0.05, webhook_max_connections=webhook_max_connections),
        channels=[VIP_CHANNEL],
    )
    emulator.faults.configure(FaultConfig(flood_control=False))
    emulator.faults.calls = _NoCallLog()
    clock = ReplyClock()
    clock.install()
    # The product's garbage collector policy, as in `yabot emulator`: without it, full
    # collections over the recorded replies stall the emulator for 100-200 ms every ~10 s.
    app = create_app(emulator, GcPolicy(freeze_every_s=10.0, full_every_s=3600.0))
    app.include_router(bench_router(emulator, clock))
    return app


class _NoCallLog(list):  # type: ignore[type-arg]
    """A call log that keeps nothing: a long load test would otherwise grow it without bound."""

    def append(self, item: Any) -> None:
        return None


def main() -> None:
    """Serve until killed; write the bound port to ``--port-file`` once listening."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    configure_logging("WARNING", json_logs=True)
    server = uvicorn.Server(
        uvicorn.Config(
            build(),
            host=args.host,
            port=args.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
    )

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        args.port_file.write_text(str(port))
        await task

    # uvloop, as `yabot emulator` gets from uvicorn.run: the emulator shares the bench's two
    # cores with the bots it measures, so its own event loop should cost as little as theirs.
    uvloop.run(serve())


if __name__ == "__main__":
    main()
