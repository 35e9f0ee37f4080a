"""The emulator's world: bots (one per token), users, channels, and the updates waiting for bots."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yabot.emulator.errors import REJECTIONS, BotApiError, bad_request, forbidden
from yabot.emulator.faults import Faults
from yabot.emulator.formatting import command_entities
from yabot.emulator.models import (
    CallbackRecord,
    Chat,
    ChatLog,
    InviteLink,
    Invoice,
    Message,
    Payment,
    PreCheckout,
    User,
    now,
)
from yabot.observability.logging import get_logger

log = get_logger(__name__)

TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{1,100}$")
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "pre_checkout_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
)
DEFAULT_ALLOWED = tuple(
    t
    for t in UPDATE_TYPES
    if t not in {"chat_member", "message_reaction", "message_reaction_count"}
)


class PlayerError(Exception):
    """A player-side request that cannot be done; answered with ``status`` and ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class EmulatorConfig:
    """Timing knobs of the emulator (Telegram's values by default)."""

    webhook_retry_base_s: float = 0.25
    webhook_retry_max_s: float = 10.0
    webhook_timeout_s: float = 10.0
    webhook_max_connections: int = 40
    pre_checkout_timeout_s: float = 10.0
    callback_answer_timeout_s: float = 15.0
    max_long_poll_s: float = 50.0
    wait_for_bot_s: float = 5.0
    auto_register_tokens: bool = True


@dataclass
class Webhook:
    """A webhook set with ``setWebhook``."""

    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0
    failures: int = 0


@dataclass
class BotState:
    """Everything the emulator keeps for one bot token."""

    token: str
    id: int
    username: str
    first_name: str
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_update_id: int = 1
    allowed_updates: tuple[str, ...] = DEFAULT_ALLOWED
    webhook: Webhook | None = None
    logs: dict[int, ChatLog] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    blocked_by: set[int] = field(default_factory=set)
    invoice_links: dict[str, Invoice] = field(default_factory=dict)
    pre_checkouts: dict[str, PreCheckout] = field(default_factory=dict)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    new_updates: asyncio.Condition = field(default_factory=asyncio.Condition)
    poll_generation: int = 0
    dropped_updates: int = 0

    def sender(self) -> dict[str, Any]:
        """Return the ``User`` object shown as the author of the bot's messages."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def api(self) -> dict[str, Any]:
        """Return ``getMe``'s ``User`` object."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


class Emulator:
    """The state of the emulated Telegram, shared by the Bot API and the player side.

    Args:
        config: Timing knobs.
        tokens: Bot tokens known from the start.
        channels: Channel ids (negative) that exist from the start, with the bot as admin.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        tokens: tuple[str, ...] | list[str] = (),
        channels: tuple[int, ...] | list[int] = (),
    ) -> None:
        self.config = config or EmulatorConfig()
        self.bots: dict[int, BotState] = {}
        self.users: dict[int, User] = {}
        self.channels: dict[int, Chat] = {}
        self.invite_links: dict[str, InviteLink] = {}
        self.payments: dict[str, Payment] = {}
        self.files: set[str] = set()
        self.subscription_invoices: dict[str, Invoice] = {}
        self.faults = Faults()
        self.closing = False
        self.on_update: list[Callable[[BotState, dict[str, Any] | None], None]] = []
        for token in tokens:
            self.register_bot(token)
        for channel_id in channels:
            self.add_channel(channel_id, f"Channel {channel_id}")

    # ----- bots -------------------------------------------------------------------------
    def register_bot(self, token: str) -> BotState:
        """Return the bot of ``token``, creating it on first use.

        Raises:
            BotApiError: 401 for a malformed token, or a second token for a known bot id.
        """
        match = TOKEN_RE.match(token)
        if match is None:
            raise BotApiError(401, "Unauthorized", reason="bad_token")
        bot_id = int(match.group(1))
        bot = self.bots.get(bot_id)
        if bot is not None:
            if not secrets.compare_digest(bot.token, token):
                raise BotApiError(401, "Unauthorized", reason="bad_token")
            return bot
        if not self.config.auto_register_tokens and self.bots:
            raise BotApiError(401, "Unauthorized", reason="unknown_token")
        bot = BotState(token=token, id=bot_id, username=f"yabot_{bot_id}_bot", first_name="YABOT")
        self.bots[bot_id] = bot
        log.info("emulator_bot_registered", bot_id=bot_id)
        return bot

    def resolve_bot(self, bot_id: int | None) -> BotState:
        """Return the bot a player talks to: ``bot_id``, else the first bot registered.

        Raises:
            PlayerError: 404 for an unknown bot, 409 when no bot has connected yet.
        """
        if bot_id is not None:
            bot = self.bots.get(bot_id)
            if bot is None:
                raise PlayerError(404, f"no bot with id {bot_id}")
            return bot
        if not self.bots:
            raise PlayerError(409, "no bot has connected to the emulator yet")
        return next(iter(self.bots.values()))

    async def await_bot(self, bot_id: int | None) -> BotState:
        """Like :meth:`resolve_bot`, but give a starting bot ``wait_for_bot_s`` to connect."""
        deadline = time.monotonic() + self.config.wait_for_bot_s
        while bot_id is None and not self.bots and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.resolve_bot(bot_id)

    # ----- users and chats --------------------------------------------------------------
    def upsert_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> User:
        """Create a user or update its profile."""
        if not 0 < user_id < 2**52:
            raise PlayerError(400, "user id must be a positive integer below 2**52")
        if not first_name.strip():
            raise PlayerError(400, "first_name must not be empty")
        user = User(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        return user

    def user(self, user_id: int) -> User:
        """Return a known user.

        Raises:
            PlayerError: 404 when the user was never created.
        """
        user = self.users.get(user_id)
        if user is None:
            raise PlayerError(
                404, f"no user with id {user_id}; create it with POST /_emulator/users"
            )
        return user

    def add_channel(self, channel_id: int, title: str, username: str | None = None) -> Chat:
        """Create (or return) a channel in which every bot is an administrator."""
        if channel_id >= 0:
            raise PlayerError(400, "channel ids are negative")
        chat = self.channels.get(channel_id)
        if chat is None:
            chat = Chat(channel_id, "channel", title=title, username=username)
            self.channels[channel_id] = chat
        return chat

    def private_chat(self, user: User) -> Chat:
        """Return the private chat object of ``user``."""
        return Chat(
            user.id,
            "private",
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
        )

    def find_chat(self, bot: BotState, chat_ref: Any, *, sending: bool = False) -> Chat:
        """Resolve a ``chat_id`` parameter (integer or ``@username``) as Telegram does.

        Raises:
            BotApiError: 400 ``chat not found``; 403 when the user never started the bot or
                blocked it (only when ``sending``).
        """
        if chat_ref in (None, ""):
            raise bad_request("chat_id is empty", reason="chat_id_empty")
        if isinstance(chat_ref, str) and chat_ref.startswith("@"):
            for chat in self.channels.values():
                if chat.username and chat.username.lower() == chat_ref[1:].lower():
                    return chat
            raise bad_request("chat not found", reason="chat_not_found")
        try:
            chat_id = int(chat_ref)
        except (TypeError, ValueError):
            raise bad_request("chat not found", reason="chat_not_found") from None
        if chat_id in self.channels:
            return self.channels[chat_id]
        user = self.users.get(chat_id)
        if user is None:
            raise bad_request("chat not found", reason="chat_not_found")
        if sending and chat_id in bot.blocked_by:
            raise forbidden("bot was blocked by the user")
        if sending and chat_id not in bot.started:
            raise forbidden("bot can't initiate conversation with a user")
        return self.log(bot, chat_id).chat

    def log(self, bot: BotState, chat_id: int) -> ChatLog:
        """Return the log of what ``bot`` and chat ``chat_id`` exchanged."""
        chat_log = bot.logs.get(chat_id)
        if chat_log is None:
            chat = self.channels.get(chat_id) or self.private_chat(self.user(chat_id))
            chat_log = ChatLog(chat=chat, chat_instance=str(secrets.randbits(62)))
            bot.logs[chat_id] = chat_log
        return chat_log

    # ----- updates ----------------------------------------------------------------------
    async def push_update(self, bot: BotState, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for ``bot``; return its id, or None if ``allowed_updates`` drops it."""
        if kind not in bot.allowed_updates:
            bot.dropped_updates += 1
            REJECTIONS.labels("update", "not_allowed").inc()
            log.info("emulator_update_not_allowed", bot_id=bot.id, kind=kind)
            return None
        update_id = bot.next_update_id
        bot.next_update_id += 1
        update = {"update_id": update_id, kind: payload}
        bot.updates[update_id] = update
        async with bot.new_updates:
            bot.new_updates.notify_all()
        for callback in self.on_update:
            callback(bot, update)
        return update_id

    def confirm_updates(self, bot: BotState, offset: int | None) -> None:
        """Forget updates before ``offset`` (negative: keep only the last ``-offset``)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            for update_id in list(bot.updates)[: max(0, len(bot.updates) + offset)]:
                del bot.updates[update_id]
            return
        while bot.updates:
            first = next(iter(bot.updates))
            if first >= offset:
                break
            del bot.updates[first]

    async def wait_updates(self, bot: BotState, limit: int, timeout: float) -> list[dict[str, Any]]:
        """Long-poll: return up to ``limit`` pending updates, waiting up to ``timeout`` seconds.

        Raises:
            BotApiError: 409 when another ``getUpdates`` call replaced this one, or a webhook
                was set meanwhile.
        """
        bot.poll_generation += 1
        generation = bot.poll_generation
        async with bot.new_updates:
            bot.new_updates.notify_all()
        deadline = time.monotonic() + min(timeout, self.config.max_long_poll_s)
        async with bot.new_updates:
            while True:
                if bot.poll_generation != generation:
                    raise BotApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make "
                        "sure that only one bot instance is running",
                        reason="conflict",
                    )
                if bot.webhook is not None:
                    raise BotApiError(
                        409,
                        "Conflict: can't use getUpdates method while webhook is "
                        "active; use deleteWebhook to delete the webhook first",
                        reason="conflict",
                    )
                if bot.updates:
                    return list(itertools.islice(bot.updates.values(), limit))
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closing:
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(bot.new_updates.wait(), remaining)

    async def close(self) -> None:
        """Answer every pending long poll now, so that the server can stop promptly."""
        self.closing = True
        for bot in self.bots.values():
            async with bot.new_updates:
                bot.new_updates.notify_all()
            for chat_log in bot.logs.values():
                async with chat_log.changed:
                    chat_log.changed.notify_all()

    # ----- player actions ---------------------------------------------------------------
    async def user_message(
        self, bot: BotState, user: User, text: str
    ) -> tuple[int | None, Message]:
        """The user writes ``text`` in their private chat with ``bot``."""
        if not text or len(text) > 4096:
            raise PlayerError(400, "text must be 1-4096 characters")
        chat_log = self.log(bot, user.id)
        bot.started.add(user.id)
        bot.blocked_by.discard(user.id)
        message = Message(
            chat_log.new_message_id(),
            chat_log.chat,
            user.api(),
            False,
            now(),
            text=text,
            entities=command_entities(text),
        )
        chat_log.messages[message.message_id] = message
        await chat_log.record("new", message)
        update_id = await self.push_update(bot, "message", message.api())
        return update_id, message

    async def press_button(
        self,
        bot: BotState,
        user: User,
        message_id: int,
        data: str | None = None,
        text: str | None = None,
    ) -> tuple[int | None, str]:
        """The user presses the inline button with ``data`` (or label ``text``) of a bot message."""
        chat_log = self.log(bot, user.id)
        message = chat_log.messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise PlayerError(404, f"no bot message {message_id} in this chat")
        buttons = [
            b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row
        ]
        for button in buttons:
            if "callback_data" in button and (
                (data is not None and button["callback_data"] == data)
                or (data is None and text is not None and button["text"] == text)
            ):
                break
        else:
            raise PlayerError(404, "that message has no such callback button")
        query_id = str(secrets.randbits(63))
        bot.callbacks[query_id] = CallbackRecord(
            query_id, user.id, user.id, message_id, button["callback_data"], time.monotonic()
        )
        payload = {
            "id": query_id,
            "from": user.api(),
            "message": message.api(),
            "chat_instance": chat_log.chat_instance,
            "data": button["callback_data"],
        }
        update_id = await self.push_update(bot, "callback_query", payload)
        return update_id, query_id

    def find_invoice(
        self, bot: BotState, user: User, message_id: int | None, link: str | None
    ) -> Invoice:
        """Return the invoice of a bot message in the user's chat or of an invoice link."""
        if link is not None:
            invoice = bot.invoice_links.get(link.rsplit("$", 1)[-1])
            if invoice is None:
                raise PlayerError(404, "unknown invoice link")
            return invoice
        message = self.log(bot, user.id).messages.get(message_id or 0)
        if message is None or message.deleted or message.invoice is None:
            raise PlayerError(404, f"message {message_id} is not an invoice in this chat")
        assert message.invoice_payload is not None
        return Invoice(
            message.invoice["title"],
            message.invoice["description"],
            message.invoice_payload,
            message.invoice["currency"],
            message.invoice["total_amount"],
        )

    async def pay(self, bot: BotState, user: User, invoice: Invoice) -> dict[str, Any]:
        """Run Telegram's checkout: a pre_checkout_query, then on ok a successful_payment.

        Returns:
            ``{"status": "paid"|"declined"|"timeout", ...}`` with the update ids involved.
        """
        bot.started.add(user.id)
        query_id = str(secrets.randbits(63))
        loop = asyncio.get_running_loop()
        pending = PreCheckout(query_id, user.id, invoice, time.monotonic(), loop.create_future())
        bot.pre_checkouts[query_id] = pending
        payload = {
            "id": query_id,
            "from": user.api(),
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
        }
        query_update = await self.push_update(bot, "pre_checkout_query", payload)
        try:
            ok, error_message = await asyncio.wait_for(
                asyncio.shield(pending.answer), self.config.pre_checkout_timeout_s
            )
        except TimeoutError:
            REJECTIONS.labels("pre_checkout", "timeout").inc()
            log.warning("emulator_pre_checkout_timeout", bot_id=bot.id, user_id=user.id)
            return {"status": "timeout", "pre_checkout_update_id": query_update}
        finally:
            bot.pre_checkouts.pop(query_id, None)
        if not ok:
            return {
                "status": "declined",
                "error_message": error_message,
                "pre_checkout_update_id": query_update,
            }
        payment = await self.complete_payment(bot, user, invoice, recurring=False)
        return {"status": "paid", "pre_checkout_update_id": query_update, **payment}

    async def complete_payment(
        self,
        bot: BotState,
        user: User,
        invoice: Invoice,
        recurring: bool,
        expires_from: int | None = None,
    ) -> dict[str, Any]:
        """Record a payment and send the ``successful_payment`` service message to the bot."""
        charge_id = "stxEMU" + secrets.token_hex(12)
        expiration = None
        if invoice.subscription_period:
            expiration = (expires_from or now()) + invoice.subscription_period
        payment = Payment(
            charge_id,
            user.id,
            bot.id,
            invoice.currency,
            invoice.total_amount,
            invoice.payload,
            now(),
            expiration,
            recurring,
        )
        self.payments[charge_id] = payment
        successful: dict[str, Any] = {
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        }
        if expiration is not None:
            successful["subscription_expiration_date"] = expiration
            successful["is_recurring"] = True
            successful["is_first_recurring"] = not recurring
        chat_log = self.log(bot, user.id)
        message = Message(
            chat_log.new_message_id(),
            chat_log.chat,
            user.api(),
            False,
            now(),
            successful_payment=successful,
        )
        chat_log.messages[message.message_id] = message
        await chat_log.record("new", message)
        update_id = await self.push_update(bot, "message", message.api())
        self.subscription_invoices[charge_id] = invoice
        return {
            "telegram_payment_charge_id": charge_id,
            "payment_update_id": update_id,
            "subscription_expiration_date": expiration,
        }

    async def renew(self, charge_id: str) -> dict[str, Any]:
        """Charge the next period of a subscription paid with ``charge_id``."""
        payment = self.payments.get(charge_id)
        invoice = self.subscription_invoices.get(charge_id)
        if payment is None or invoice is None or not invoice.subscription_period:
            raise PlayerError(404, "no subscription payment with that charge id")
        if payment.refunded:
            raise PlayerError(409, "that payment was refunded; the subscription is over")
        bot = self.bots[payment.bot_id]
        return await self.complete_payment(
            bot,
            self.user(payment.user_id),
            invoice,
            recurring=True,
            expires_from=payment.subscription_expiration_date,
        )

    async def join(self, user: User, link: str) -> Chat:
        """The user joins a channel through an invite link the bot created."""
        invite = self.invite_links.get(link)
        if invite is None or invite.is_revoked:
            raise PlayerError(400, "INVITE_HASH_INVALID: the invite link is invalid or revoked")
        if invite.expire_date is not None and invite.expire_date <= now():
            raise PlayerError(400, "INVITE_HASH_EXPIRED: the invite link has expired")
        if invite.member_limit is not None and invite.joined >= invite.member_limit:
            raise PlayerError(400, "USERS_TOO_MUCH: the invite link's member limit is reached")
        chat = self.channels[invite.chat_id]
        if user.id in chat.banned:
            raise PlayerError(403, "USER_BANNED_IN_CHANNEL: you are banned from this channel")
        if user.id in chat.members:
            return chat
        chat.members.add(user.id)
        invite.joined += 1
        bot = self.bots[invite.bot_id]
        await self.push_update(
            bot, "chat_member", self.member_update(chat, user, "left", "member", invite.api())
        )
        return chat

    def member_update(
        self, chat: Chat, user: User, old: str, new: str, invite: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Return a ``chat_member`` update payload for a status change of ``user``."""
        payload: dict[str, Any] = {
            "chat": chat.api(),
            "from": user.api(),
            "date": now(),
            "old_chat_member": {"status": old, "user": user.api()},
            "new_chat_member": {"status": new, "user": user.api()}
            if new != "kicked"
            else {"status": "kicked", "user": user.api(), "until_date": 0},
        }
        if invite is not None:
            payload["invite_link"] = invite
        return payload
