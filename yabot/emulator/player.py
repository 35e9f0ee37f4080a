"""The player side of the emulator (``/_emulator/...``): act as users and watch the bot.

Used by tests, load tests, the web chat page and ``yabot chat``. See the package docstring for
the list of endpoints.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from yabot.emulator.faults import FaultConfig
from yabot.emulator.models import ChatLog
from yabot.emulator.state import BotState, Emulator, PlayerError

MAX_WAIT_S = 60.0

router = APIRouter(prefix="/_emulator")


class UserIn(BaseModel):
    """A user to create or update."""

    id: int
    first_name: str = Field(min_length=1, max_length=64)
    language_code: str | None = Field(None, max_length=10)
    last_name: str | None = Field(None, max_length=64)
    username: str | None = Field(None, max_length=32)


class TextIn(BaseModel):
    """A text or command a user sends."""

    text: str = Field(min_length=1, max_length=4096)
    bot_id: int | None = None


class PressIn(BaseModel):
    """An inline button press, by callback data or by the button's label."""

    message_id: int
    data: str | None = None
    text: str | None = None
    bot_id: int | None = None


class PayIn(BaseModel):
    """Pay an invoice message or an invoice link."""

    message_id: int | None = None
    invoice_link: str | None = None
    bot_id: int | None = None


class JoinIn(BaseModel):
    """Join a channel through an invite link."""

    invite_link: str


class ChannelIn(BaseModel):
    """A channel to create."""

    id: int
    title: str = Field(min_length=1, max_length=128)
    username: str | None = None


class BotIn(BaseModel):
    """A bot token to register ahead of the bot's first call."""

    token: str


def _emu(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _bot(request: Request, bot_id: int | None) -> BotState:
    return _emu(request).resolve_bot(bot_id)


def player_error_response(error: PlayerError) -> JSONResponse:
    """Answer a player-side error as ``{"detail": ...}``."""
    return JSONResponse({"detail": error.detail}, status_code=error.status)


def _bot_view(bot: BotState) -> dict[str, Any]:
    webhook = bot.webhook
    return {
        "id": bot.id,
        "username": bot.username,
        "mode": "webhook" if webhook else "polling",
        "webhook": None
        if webhook is None
        else {
            "url": webhook.url,
            "deliveries": webhook.deliveries,
            "failures": webhook.failures,
            "last_error_message": webhook.last_error_message,
        },
        "pending_updates": len(bot.updates),
        "next_update_id": bot.next_update_id,
        "allowed_updates": list(bot.allowed_updates),
        "dropped_updates": bot.dropped_updates,
    }


@router.get("/health")
async def health() -> dict[str, Any]:
    """Liveness of the emulator."""
    return {"ok": True}


@router.get("/bots")
async def list_bots(request: Request) -> list[dict[str, Any]]:
    """Every bot that connected (or was registered), with its delivery mode."""
    return [_bot_view(bot) for bot in _emu(request).bots.values()]


@router.post("/bots")
async def register_bot(body: BotIn, request: Request) -> dict[str, Any]:
    """Register a bot token before the bot first connects."""
    try:
        return _bot_view(_emu(request).register_bot(body.token))
    except Exception as exc:
        raise PlayerError(400, "token must look like 123456:ABC-def") from exc


@router.post("/users")
async def upsert_user(body: UserIn, request: Request) -> dict[str, Any]:
    """Create a user (or update its name and language)."""
    user = _emu(request).upsert_user(
        body.id, body.first_name, body.language_code, body.last_name, body.username
    )
    return user.api()


@router.get("/users/{user_id}")
async def get_user(user_id: int, request: Request) -> dict[str, Any]:
    """Return a user."""
    return _emu(request).user(user_id).api()


@router.post("/users/{user_id}/messages")
async def send_text(user_id: int, body: TextIn, request: Request) -> dict[str, Any]:
    """The user sends a text or a command to the bot in their private chat."""
    emu = _emu(request)
    bot = await _emu(request).await_bot(body.bot_id)
    update_id, message = await emu.user_message(bot, emu.user(user_id), body.text)
    return {"update_id": update_id, "message_id": message.message_id, "bot_id": bot.id}


@router.post("/users/{user_id}/press")
async def press(user_id: int, body: PressIn, request: Request) -> dict[str, Any]:
    """The user presses an inline button of a bot message."""
    if body.data is None and body.text is None:
        raise PlayerError(400, "give the button's callback data or its text")
    emu = _emu(request)
    bot = await _emu(request).await_bot(body.bot_id)
    update_id, query_id = await emu.press_button(
        bot, emu.user(user_id), body.message_id, body.data, body.text
    )
    return {"update_id": update_id, "callback_query_id": query_id, "bot_id": bot.id}


@router.get("/callbacks/{query_id}")
async def callback_answer(
    query_id: str, request: Request, bot_id: int | None = None, timeout: float = 0.0
) -> dict[str, Any]:
    """How the bot answered a button press (waits up to ``timeout`` for the answer)."""
    bot = _bot(request, bot_id)
    record = bot.callbacks.get(query_id)
    if record is None:
        raise PlayerError(404, "no such callback query")
    deadline = time.monotonic() + min(timeout, MAX_WAIT_S)
    while not record.answered and time.monotonic() < deadline and not _emu(request).closing:
        await asyncio.sleep(0.02)
    return {"answered": record.answered, **record.answer}


@router.post("/users/{user_id}/pay")
async def pay(user_id: int, body: PayIn, request: Request) -> dict[str, Any]:
    """Pay an invoice: pre_checkout_query, then (if the bot says ok in time) the payment."""
    emu = _emu(request)
    bot = await _emu(request).await_bot(body.bot_id)
    user = emu.user(user_id)
    invoice = emu.find_invoice(bot, user, body.message_id, body.invoice_link)
    return await emu.pay(bot, user, invoice)


@router.post("/users/{user_id}/join")
async def join(user_id: int, body: JoinIn, request: Request) -> dict[str, Any]:
    """Join a channel through an invite link."""
    emu = _emu(request)
    chat = await emu.join(emu.user(user_id), body.invite_link)
    return {"chat_id": chat.id, "status": "member"}


@router.post("/users/{user_id}/block")
async def block(user_id: int, request: Request, bot_id: int | None = None) -> dict[str, Any]:
    """The user blocks the bot: sends to them get 403 until they write again."""
    emu = _emu(request)
    bot = _bot(request, bot_id)
    emu.user(user_id)
    bot.blocked_by.add(user_id)
    return {"blocked": True}


async def _wait(emulator: Emulator, chat_log: ChatLog, ready: Any, timeout: float) -> None:
    deadline = time.monotonic() + min(max(timeout, 0.0), MAX_WAIT_S)
    async with chat_log.changed:
        while not ready() and not emulator.closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(chat_log.changed.wait(), remaining)
            except TimeoutError:
                return


@router.get("/chats/{chat_id}/messages")
async def chat_messages(
    chat_id: int,
    request: Request,
    bot_id: int | None = None,
    after_id: int = 0,
    timeout: float = 0.0,
    include_user: bool = False,
) -> dict[str, Any]:
    """Messages of a chat after ``after_id``; waits up to ``timeout`` s for a new bot message."""
    emu = _emu(request)
    chat_log = emu.log(_bot(request, bot_id), chat_id)

    def selected() -> list[dict[str, Any]]:
        return [
            m.view()
            for m in chat_log.messages.values()
            if m.message_id > after_id and (m.from_bot or include_user)
        ]

    await _wait(emu, chat_log, lambda: any(m["from_bot"] for m in selected()), timeout)
    return {"messages": selected()}


@router.get("/chats/{chat_id}/events")
async def chat_events(
    chat_id: int, request: Request, bot_id: int | None = None, after: int = 0, timeout: float = 0.0
) -> dict[str, Any]:
    """The chat's change feed (new, edit, delete) after sequence ``after``; long-polls."""
    emu = _emu(request)
    chat_log = emu.log(_bot(request, bot_id), chat_id)
    await _wait(emu, chat_log, lambda: len(chat_log.events) > after, timeout)
    return {"events": chat_log.events[after:], "last": len(chat_log.events)}


@router.post("/channels")
async def create_channel(body: ChannelIn, request: Request) -> dict[str, Any]:
    """Create a channel in which the bots are administrators."""
    return _emu(request).add_channel(body.id, body.title, body.username).api()


@router.get("/channels/{chat_id}")
async def channel(chat_id: int, request: Request) -> dict[str, Any]:
    """A channel with its members and banned users."""
    chat = _emu(request).channels.get(chat_id)
    if chat is None:
        raise PlayerError(404, f"no channel {chat_id}")
    return {**chat.api(), "members": sorted(chat.members), "banned": sorted(chat.banned)}


@router.get("/payments")
async def payments(request: Request, user_id: int | None = None) -> list[dict[str, Any]]:
    """Every Stars payment, with whether it was refunded."""
    return [
        p.view() for p in _emu(request).payments.values() if user_id is None or p.user_id == user_id
    ]


@router.post("/payments/{charge_id}/renew")
async def renew(charge_id: str, request: Request) -> dict[str, Any]:
    """Charge the next 30-day period of a subscription."""
    return await _emu(request).renew(charge_id)


@router.get("/faults")
async def get_faults(request: Request) -> dict[str, Any]:
    """The current fault injection and flood control settings."""
    return _emu(request).faults.config.model_dump()


@router.put("/faults")
async def put_faults(body: FaultConfig, request: Request) -> dict[str, Any]:
    """Replace the fault settings (omitted fields take their defaults)."""
    _emu(request).faults.configure(body)
    return body.model_dump()


@router.delete("/faults")
async def reset_faults(request: Request) -> dict[str, Any]:
    """Back to no injected faults and default flood control."""
    _emu(request).faults.configure(FaultConfig())
    return FaultConfig().model_dump()


@router.get("/calls")
async def calls(
    request: Request, bot_id: int | None = None, method: str | None = None, after_seq: int = 0
) -> list[dict[str, Any]]:
    """Every Bot API call with its time, chat, status and any retry_after it violated."""
    records = _emu(request).faults.calls
    return [
        r.view()
        for r in records
        if r.seq > after_seq
        and (bot_id is None or r.bot_id == bot_id)
        and (method is None or r.method == method)
    ]


@router.delete("/calls")
async def clear_calls(request: Request) -> dict[str, Any]:
    """Forget the call log (the flood and retry_after state stays)."""
    faults = _emu(request).faults
    faults.calls.clear()
    return {"cleared": True}


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    """Counts of calls by status and method, and retry_after violations."""
    return _emu(request).faults.stats()


@router.get("/webhook/attempts")
async def webhook_attempts(request: Request, bot_id: int | None = None) -> list[dict[str, Any]]:
    """Every webhook delivery attempt with the HTTP status the bot answered."""
    attempts: list[dict[str, Any]] = request.app.state.webhooks.attempts
    return [a for a in attempts if bot_id is None or a["bot_id"] == bot_id]
