"""The emulator's in-memory records: users, chats, messages and what the bot showed a chat.

Everything here lives on the server's event loop; nothing is shared between threads.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from yabot.emulator.markup import inline_buttons


def now() -> int:
    """Return the current Unix time in whole seconds, as Telegram dates are."""
    return int(time.time())


@dataclass
class User:
    """A Telegram user that plays through the emulator."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def api(self) -> dict[str, Any]:
        """Return the Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class Chat:
    """A private chat (id = the user's id) or a channel/supergroup (negative id)."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    members: set[int] = field(default_factory=set)
    banned: set[int] = field(default_factory=set)

    def api(self) -> dict[str, Any]:
        """Return the Bot API ``Chat`` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class Message:
    """One message of a chat, with its current content and its edit history."""

    message_id: int
    chat: Chat
    sender: dict[str, Any]
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: list[dict[str, Any]] | None = None
    reply_markup: dict[str, Any] | None = None
    invoice: dict[str, Any] | None = None
    invoice_payload: str | None = None
    successful_payment: dict[str, Any] | None = None
    edit_date: int | None = None
    deleted: bool = False
    versions: list[dict[str, Any]] = field(default_factory=list)

    def api(self) -> dict[str, Any]:
        """Return the Bot API ``Message`` object."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.api(),
            "from": self.sender,
        }
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.photo is not None:
            data["photo"] = self.photo
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.invoice is not None:
            data["invoice"] = self.invoice
        if self.successful_payment is not None:
            data["successful_payment"] = self.successful_payment
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        return data

    def content(self) -> dict[str, Any]:
        """Return what a player sees of this message (used for 'not modified' and history)."""
        return {
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "reply_markup": self.reply_markup,
        }

    def view(self) -> dict[str, Any]:
        """Return the player-side view: current text, buttons, edits and deletion."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat.id,
            "from_bot": self.from_bot,
            "date": self.date,
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "photo": self.photo[-1]["file_id"] if self.photo else None,
            "buttons": inline_buttons(self.reply_markup),
            "reply_markup": self.reply_markup,
            "invoice": self.invoice,
            "successful_payment": self.successful_payment,
            "edited": self.edit_date is not None,
            "edit_date": self.edit_date,
            "versions": self.versions,
            "deleted": self.deleted,
        }


@dataclass
class ChatLog:
    """What one bot and one chat exchanged, plus a change feed the player side can wait on."""

    chat: Chat
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    chat_instance: str = ""

    def new_message_id(self) -> int:
        """Allocate the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    async def record(self, kind: str, message: Message) -> None:
        """Append a ``new``/``edit``/``delete`` event and wake the waiting readers."""
        self.events.append({"seq": len(self.events) + 1, "type": kind, "message": message.view()})
        async with self.changed:
            self.changed.notify_all()


@dataclass
class InviteLink:
    """A channel invite link created by the bot."""

    invite_link: str
    chat_id: int
    bot_id: int
    creator: dict[str, Any]
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    is_revoked: bool = False
    joined: int = 0

    def api(self) -> dict[str, Any]:
        """Return the Bot API ``ChatInviteLink`` object."""
        data: dict[str, Any] = {
            "invite_link": self.invite_link,
            "creator": self.creator,
            "creates_join_request": False,
            "is_primary": False,
            "is_revoked": self.is_revoked,
        }
        for key in ("name", "expire_date", "member_limit"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class Invoice:
    """What a player can pay: a sent invoice message or an invoice link."""

    title: str
    description: str
    payload: str
    currency: str
    total_amount: int
    subscription_period: int | None = None


@dataclass
class PreCheckout:
    """A pre-checkout query waiting for ``answerPreCheckoutQuery``."""

    id: str
    user_id: int
    invoice: Invoice
    created: float
    answer: asyncio.Future[tuple[bool, str | None]]


@dataclass
class Payment:
    """A successful Stars payment and whether it was refunded."""

    telegram_payment_charge_id: str
    user_id: int
    bot_id: int
    currency: str
    total_amount: int
    invoice_payload: str
    date: int
    subscription_expiration_date: int | None = None
    is_recurring: bool = False
    refunded: bool = False

    def view(self) -> dict[str, Any]:
        """Return the payment as the player side reports it."""
        return dict(self.__dict__)


@dataclass
class CallbackRecord:
    """A callback query and the bot's answer to it."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] = field(default_factory=dict)
