"""aiogram 3, unpatched, talks to the emulator as to api.telegram.org and gets real types back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User

from yabot.emulator.server import EmulatorServer

TOKEN = "424242:aiogram-Test_token"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


@pytest.fixture
async def bot(server: EmulatorServer) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.url))
    telegram_bot = Bot(TOKEN, session=session)
    yield telegram_bot
    await telegram_bot.session.close()


async def test_aiogram_round_trip(server: EmulatorServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert isinstance(me, User) and me.is_bot and me.id == 424242

    async with httpx.AsyncClient(base_url=server.url) as player:
        await player.post(
            "/_emulator/users", json={"id": 31, "first_name": "Ana", "language_code": "es"}
        )
        await player.post("/_emulator/users/31/messages", json={"text": "/start"})
        updates = await bot.get_updates(timeout=1)
        assert len(updates) == 1 and isinstance(updates[0].message, Message)
        assert updates[0].message.text == "/start"
        assert updates[0].message.from_user is not None
        assert updates[0].message.from_user.language_code == "es"

        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Left", callback_data="go:left"),
                    InlineKeyboardButton(text="Right", callback_data="go:right"),
                ]
            ]
        )
        sent = await bot.send_message(31, "<b>Choose</b>", parse_mode="HTML", reply_markup=keyboard)
        assert isinstance(sent, Message) and sent.text == "Choose"
        assert sent.reply_markup is not None
        assert sent.reply_markup.inline_keyboard[0][1].callback_data == "go:right"

        pressed = await player.post(
            "/_emulator/users/31/press", json={"message_id": sent.message_id, "data": "go:left"}
        )
        assert pressed.status_code == 200
        updates = await bot.get_updates(offset=updates[0].update_id + 1, timeout=1)
        query = updates[0].callback_query
        assert isinstance(query, CallbackQuery) and query.data == "go:left"
        assert query.chat_instance and isinstance(query.message, Message)
        assert await bot.answer_callback_query(query.id, text="Off you go") is True

        edited = await bot.edit_message_text(
            "You went left", chat_id=31, message_id=sent.message_id
        )
        assert isinstance(edited, Message) and edited.edit_date is not None
        view = (await player.get("/_emulator/chats/31/messages")).json()["messages"][-1]
        assert view["text"] == "You went left" and view["buttons"] == []

        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("You went left", chat_id=31, message_id=sent.message_id)
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(
                31,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[[InlineKeyboardButton(text="Big", callback_data="d" * 65)]]
                ),
            )

        await player.put(
            "/_emulator/faults",
            json={"error_429_next": 1, "retry_after": 3, "methods": ["sendMessage"]},
        )
        with pytest.raises(TelegramRetryAfter) as retry:
            await bot.send_message(31, "too fast")
        assert retry.value.retry_after == 3
