"""The bot a user would write instead of YABOT: a bare aiogram 3 webhook echo bot.

aiohttp webhook handler as aiogram ships it (``SimpleRequestHandler``, secret token checked,
updates handled in the background after the 200), one handler that answers every text with
the same text through the Bot API at ``--api-base`` (the emulator). No persistence.

Run: ``python -m loadtests.bare_aiogram_bot --api-base URL --token T --secret S --port-file F``.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

WEBHOOK_PATH = "/telegram/webhook"


def build(api_base: str, token: str, secret: str) -> tuple[web.Application, Bot]:
    """The aiohttp app with aiogram's webhook handler and an echo handler."""
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path=WEBHOOK_PATH
    )
    return app, bot


async def serve(api_base: str, token: str, secret: str, port_file: Path) -> None:
    """Serve on a free port, write it to ``port_file``, run until cancelled."""
    app, bot = build(api_base, token, secret)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None and server.sockets  # type: ignore[attr-defined]
    port_file.write_text(str(server.sockets[0].getsockname()[1]))  # type: ignore[attr-defined]
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await bot.session.close()


def main() -> None:
    """Parse arguments and serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.api_base, args.token, args.secret, args.port_file))


if __name__ == "__main__":
    main()
