"""The Bot API methods the emulator serves, validated as Telegram validates them.

Each method takes the emulator, the calling bot and its parameters, and returns the ``result``
of a successful answer or raises :class:`BotApiError`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from yabot.emulator.errors import BotApiError, bad_request
from yabot.emulator.formatting import MAX_CAPTION_CHARS, MAX_TEXT_CHARS, parse_text
from yabot.emulator.markup import validate_reply_markup
from yabot.emulator.models import InviteLink, Invoice, Message, now
from yabot.emulator.state import (
    DEFAULT_ALLOWED,
    UPDATE_TYPES,
    BotState,
    Emulator,
    Webhook,
)

SUBSCRIPTION_PERIOD_S = 2592000
SECRET_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


class Params:
    """A method's parameters from the query string and a JSON, form or multipart body.

    Form values arrive as strings (objects JSON-encoded), JSON bodies as typed values; the
    accessors accept both, as Telegram does.
    """

    def __init__(self, values: dict[str, Any], files: dict[str, bytes] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def has(self, name: str) -> bool:
        """Return True when ``name`` was given (and is not empty)."""
        return self.values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        """Return the value as sent."""
        return self.values.get(name)

    def text(self, name: str, default: str | None = None) -> str | None:
        """Return a string parameter."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise bad_request(f'field "{name}" must be of type String')
        return str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """Return an integer parameter.

        Raises:
            BotApiError: 400 when the value is not an integer.
        """
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def flag(self, name: str, default: bool = False) -> bool:
        """Return a boolean parameter (``true``/``false``/``1``/``0``)."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "1"}:
            return True
        if str(value).lower() in {"false", "0"}:
            return False
        raise bad_request(f'field "{name}" must be of type Boolean')

    def decoded(self, name: str, error: str | None = None) -> Any:
        """Return an object/array parameter, decoding JSON text when sent as a form field."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(error or f"can't parse {name} JSON object") from None
        return value


Method = Callable[[Emulator, BotState, Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}
CANONICAL: dict[str, str] = {}


def method(name: str) -> Callable[[Method], Method]:
    """Register a Bot API method (names are case-insensitive, as in Telegram)."""

    def register(func: Method) -> Method:
        METHODS[name.lower()] = func
        CANONICAL[name.lower()] = name
        return func

    return register


def _formatted(
    params: Params, field: str, mode_field: str, limit: int, empty_error: str, long_error: str
) -> tuple[str, list[dict[str, Any]]]:
    source = params.text(field)
    if source is None or source == "":
        raise bad_request(empty_error, reason="empty_text")
    explicit = params.decoded("entities" if field == "text" else "caption_entities")
    plain, entities = parse_text(source, params.text(mode_field))
    if explicit and not params.text(mode_field):
        entities = list(explicit)
    if not plain.strip():
        raise bad_request(empty_error, reason="empty_text")
    if len(plain) > limit:
        raise bad_request(long_error, reason="text_too_long")
    return plain, entities


def _markup(params: Params, invoice: bool = False) -> dict[str, Any] | None:
    markup = params.decoded("reply_markup", "can't parse reply keyboard markup JSON object")
    return validate_reply_markup(markup, invoice=invoice)


async def _store(emu: Emulator, bot: BotState, chat_id: int, **content: Any) -> Message:
    chat_log = emu.log(bot, chat_id)
    message = Message(
        chat_log.new_message_id(), chat_log.chat, bot.sender(), True, now(), **content
    )
    chat_log.messages[message.message_id] = message
    await chat_log.record("new", message)
    return message


def _target(emu: Emulator, bot: BotState, params: Params, not_found: str) -> Message:
    if params.has("inline_message_id"):
        raise bad_request("inline messages are not emulated", reason="inline_message")
    chat = emu.find_chat(bot, params.raw("chat_id"))
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified", reason="no_message_id")
    message = emu.log(bot, chat.id).messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request(not_found, reason="message_not_found")
    return message


@method("getMe")
async def get_me(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Return the bot's ``User``."""
    return bot.api()


@method("getUpdates")
async def get_updates(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Long-poll for updates; ``offset`` confirms everything before it."""
    if bot.webhook is not None:
        raise BotApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
            reason="conflict",
        )
    limit = min(max(params.integer("limit", 100) or 100, 1), 100)
    timeout = max(params.integer("timeout", 0) or 0, 0)
    allowed = params.decoded("allowed_updates")
    if allowed is not None:
        bot.allowed_updates = _allowed(allowed)
    emu.confirm_updates(bot, params.integer("offset"))
    return await emu.wait_updates(bot, limit, float(timeout))


def _allowed(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed updates", reason="allowed_updates")
    if not value:
        return DEFAULT_ALLOWED
    return tuple(v for v in value if v in UPDATE_TYPES)


@method("setWebhook")
async def set_webhook(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Switch the bot to webhook delivery."""
    url = params.text("url") or ""
    if not url:
        bot.webhook = None
        await _webhook_changed(emu, bot)
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request(
            "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443 "
            "over an HTTP(S) URL",
            reason="webhook_url",
        )
    secret = params.text("secret_token")
    if secret is not None and not (1 <= len(secret) <= 256 and set(secret) <= SECRET_TOKEN_CHARS):
        raise bad_request("secret token contains unallowed characters", reason="secret_token")
    max_connections = params.integer("max_connections", emu.config.webhook_max_connections) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be 1-100", reason="max_connections")
    allowed = params.decoded("allowed_updates")
    if allowed is not None:
        bot.allowed_updates = _allowed(allowed)
    if params.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = Webhook(url, secret, max_connections)
    await _webhook_changed(emu, bot)
    return True


async def _webhook_changed(emu: Emulator, bot: BotState) -> None:
    async with bot.new_updates:
        bot.new_updates.notify_all()
    for callback in emu.on_update:
        callback(bot, None)


@method("deleteWebhook")
async def delete_webhook(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Return the bot to ``getUpdates``."""
    bot.webhook = None
    if params.flag("drop_pending_updates"):
        bot.updates.clear()
    await _webhook_changed(emu, bot)
    return True


@method("getWebhookInfo")
async def get_webhook_info(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Describe the webhook and the number of pending updates."""
    info: dict[str, Any] = {
        "url": bot.webhook.url if bot.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if bot.webhook is not None:
        info["max_connections"] = bot.webhook.max_connections
        info["allowed_updates"] = list(bot.allowed_updates)
        info["ip_address"] = "127.0.0.1"
        if bot.webhook.last_error_date is not None:
            info["last_error_date"] = bot.webhook.last_error_date
            info["last_error_message"] = bot.webhook.last_error_message
    return info


@method("sendMessage")
async def send_message(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Send a text message, optionally formatted and with a keyboard."""
    chat = emu.find_chat(bot, params.raw("chat_id"), sending=True)
    text, entities = _formatted(
        params, "text", "parse_mode", MAX_TEXT_CHARS, "message text is empty", "message is too long"
    )
    markup = _markup(params)
    message = await _store(emu, bot, chat.id, text=text, entities=entities, reply_markup=markup)
    return message.api()


@method("sendPhoto")
async def send_photo(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Send a photo by URL, by file_id, or uploaded in a multipart body."""
    chat = emu.find_chat(bot, params.raw("chat_id"), sending=True)
    photo = params.text("photo") or ""
    size = 0
    if photo.startswith("attach://"):
        photo = photo[len("attach://") :]
    if photo in params.files:
        size = len(params.files[photo])
        if size == 0:
            raise bad_request("file must be non-empty", reason="empty_file")
    elif not photo:
        raise bad_request("there is no photo in the request", reason="no_photo")
    elif not photo.startswith(("http://", "https://")) and photo not in emu.files:
        raise bad_request("wrong file identifier/HTTP URL specified", reason="file_id")
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = []
    if params.has("caption"):
        caption, caption_entities = _formatted(
            params,
            "caption",
            "parse_mode",
            MAX_CAPTION_CHARS,
            "message caption is empty",
            "message caption is too long",
        )
    file_id = "AgAC" + secrets.token_urlsafe(24)
    emu.files.add(file_id)
    sizes = [
        {
            "file_id": file_id,
            "file_unique_id": file_id[-12:],
            "width": 1280,
            "height": 720,
            "file_size": size or None,
        }
    ]
    message = await _store(
        emu,
        bot,
        chat.id,
        photo=sizes,
        caption=caption,
        caption_entities=caption_entities,
        reply_markup=_markup(params),
    )
    return message.api()


@method("editMessageText")
async def edit_message_text(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Replace a bot message's text (and keyboard: no ``reply_markup`` removes it)."""
    message = _target(emu, bot, params, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited", reason="not_own_message")
    if message.text is None:
        raise bad_request("there is no text in the message to edit", reason="no_text")
    text, entities = _formatted(
        params, "text", "parse_mode", MAX_TEXT_CHARS, "message text is empty", "message is too long"
    )
    markup = _markup(params)
    return await _apply_edit(emu, bot, message, text=text, entities=entities, reply_markup=markup)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Replace (or remove) a bot message's inline keyboard."""
    message = _target(emu, bot, params, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited", reason="not_own_message")
    return await _apply_edit(emu, bot, message, reply_markup=_markup(params))


async def _apply_edit(emu: Emulator, bot: BotState, message: Message, **changes: Any) -> Any:
    before = message.content()
    after = {**before, **changes}
    if after == before:
        raise bad_request(NOT_MODIFIED, reason="not_modified")
    message.versions.append(before)
    for key, value in changes.items():
        setattr(message, key, value)
    message.edit_date = now()
    await emu.log(bot, message.chat.id).record("edit", message)
    return message.api()


@method("deleteMessage")
async def delete_message(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Delete a message of the chat."""
    message = _target(emu, bot, params, "message to delete not found")
    message.deleted = True
    await emu.log(bot, message.chat.id).record("delete", message)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Answer a button press (optionally with a notification text or an alert)."""
    query_id = params.text("callback_query_id") or ""
    record = bot.callbacks.get(query_id)
    too_old = record is not None and (
        time.monotonic() - record.created > emu.config.callback_answer_timeout_s
    )
    if record is None or record.answered or too_old:
        raise bad_request(
            "query is too old and response timeout expired or query ID is invalid",
            reason="query_invalid",
        )
    text = params.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG", reason="text_too_long")
    record.answered = True
    record.answer = {
        "text": text,
        "show_alert": params.flag("show_alert"),
        "url": params.text("url"),
    }
    return True


@method("createChatInviteLink")
async def create_chat_invite_link(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Create an invite link to a channel."""
    chat = emu.find_chat(bot, params.raw("chat_id"))
    if chat.type == "private":
        raise bad_request("CHAT_ADMIN_REQUIRED", reason="not_a_channel")
    if params.flag("creates_join_request"):
        raise bad_request("join requests are not emulated", reason="join_request")
    member_limit = params.integer("member_limit")
    if member_limit is not None and not 1 <= member_limit <= 99999:
        raise bad_request("member_limit must be between 1 and 99999", reason="member_limit")
    expire_date = params.integer("expire_date")
    if expire_date is not None and expire_date <= now():
        raise bad_request("EXPIRE_DATE_INVALID", reason="expire_date")
    name = params.text("name")
    if name is not None and len(name) > 32:
        raise bad_request("name is too long", reason="name")
    link = "https://t.me/+" + secrets.token_urlsafe(12)
    invite = InviteLink(link, chat.id, bot.id, bot.sender(), name, expire_date, member_limit)
    emu.invite_links[link] = invite
    return invite.api()


def _member(emu: Emulator, bot: BotState, params: Params) -> tuple[Any, Any]:
    chat = emu.find_chat(bot, params.raw("chat_id"))
    if chat.type == "private":
        raise bad_request("can't remove chat owner", reason="private_chat")
    user_id = params.integer("user_id")
    user = emu.users.get(user_id or 0)
    if user is None:
        raise bad_request("PARTICIPANT_ID_INVALID", reason="user_not_found")
    return chat, user


@method("banChatMember")
async def ban_chat_member(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Remove a user from a channel and keep them out until unbanned."""
    chat, user = _member(emu, bot, params)
    old = "member" if user.id in chat.members else "left"
    chat.members.discard(user.id)
    chat.banned.add(user.id)
    await emu.push_update(bot, "chat_member", emu.member_update(chat, user, old, "kicked"))
    return True


@method("unbanChatMember")
async def unban_chat_member(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Lift a ban; without ``only_if_banned`` the user also leaves, as Telegram does."""
    chat, user = _member(emu, bot, params)
    was_banned = user.id in chat.banned
    if params.flag("only_if_banned") and not was_banned:
        return True
    chat.banned.discard(user.id)
    if user.id in chat.members:
        chat.members.discard(user.id)
        await emu.push_update(bot, "chat_member", emu.member_update(chat, user, "member", "left"))
    return True


@method("getChatMember")
async def get_chat_member(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Return a user's membership status in a chat."""
    chat, user = _member(emu, bot, params)
    if user.id in chat.banned:
        return {"status": "kicked", "user": user.api(), "until_date": 0}
    status = "member" if user.id in chat.members else "left"
    return {"status": status, "user": user.api()}


def _invoice(params: Params, allow_subscription: bool) -> Invoice:
    title = params.text("title") or ""
    description = params.text("description") or ""
    payload = params.text("payload") or ""
    currency = params.text("currency") or ""
    if not 1 <= len(title) <= 32:
        raise bad_request("INVOICE_TITLE_INVALID" if title else "title is empty", reason="invoice")
    if not 1 <= len(description) <= 255:
        raise bad_request("INVOICE_DESCRIPTION_INVALID", reason="invoice")
    if not 1 <= len(payload.encode("utf-8")) <= 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID", reason="invoice")
    prices = params.decoded("prices", "can't parse prices JSON object")
    if (
        not isinstance(prices, list)
        or not prices
        or not all(
            isinstance(p, dict)
            and isinstance(p.get("label"), str)
            and isinstance(p.get("amount"), int)
            for p in prices
        )
    ):
        raise bad_request("can't parse prices JSON object", reason="invoice")
    if currency != "XTR":
        raise bad_request(
            "CURRENCY_INVALID: the emulator accepts Telegram Stars (XTR) only", reason="currency"
        )
    if len(prices) != 1:
        raise bad_request(
            "STARS_INVOICE_INVALID: Stars invoices have exactly one price", reason="invoice"
        )
    if params.text("provider_token"):
        raise bad_request(
            "PROVIDER_TOKEN_INVALID: Stars invoices need no provider token", reason="invoice"
        )
    total = int(prices[0]["amount"])
    if not 1 <= total <= 10000:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID", reason="invoice")
    period = params.integer("subscription_period") if allow_subscription else None
    if period is not None and period != SUBSCRIPTION_PERIOD_S:
        raise bad_request("SUBSCRIPTION_PERIOD_INVALID", reason="subscription_period")
    return Invoice(title, description, payload, currency, total, period)


@method("sendInvoice")
async def send_invoice(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Send an invoice message (Stars only)."""
    chat = emu.find_chat(bot, params.raw("chat_id"), sending=True)
    invoice = _invoice(params, allow_subscription=False)
    markup = _markup(params, invoice=True) or {
        "inline_keyboard": [[{"text": f"Pay ⭐️{invoice.total_amount}", "pay": True}]]
    }
    shown = {
        "title": invoice.title,
        "description": invoice.description,
        "start_parameter": params.text("start_parameter") or "",
        "currency": invoice.currency,
        "total_amount": invoice.total_amount,
    }
    message = await _store(
        emu, bot, chat.id, invoice=shown, invoice_payload=invoice.payload, reply_markup=markup
    )
    return message.api()


@method("createInvoiceLink")
async def create_invoice_link(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Create a payment link; ``subscription_period`` 2592000 makes a 30-day subscription."""
    invoice = _invoice(params, allow_subscription=True)
    slug = secrets.token_urlsafe(16)
    bot.invoice_links[slug] = invoice
    return f"https://t.me/${slug}"


@method("answerPreCheckoutQuery")
async def answer_pre_checkout_query(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Confirm or decline a checkout within 10 seconds."""
    query_id = params.text("pre_checkout_query_id") or ""
    pending = bot.pre_checkouts.get(query_id)
    if pending is None or pending.answer.done():
        raise bad_request(
            "query is too old and response timeout expired or query ID is invalid",
            reason="query_invalid",
        )
    ok = params.flag("ok")
    error_message = params.text("error_message")
    if not ok and not error_message:
        raise bad_request("error_message is required when ok is false", reason="error_message")
    pending.answer.set_result((ok, error_message))
    return True


@method("refundStarPayment")
async def refund_star_payment(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Refund a Stars payment to the user who made it."""
    charge_id = params.text("telegram_payment_charge_id") or ""
    payment = emu.payments.get(charge_id)
    if payment is None or payment.bot_id != bot.id or payment.user_id != params.integer("user_id"):
        raise bad_request("CHARGE_NOT_FOUND", reason="charge_not_found")
    if payment.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED", reason="already_refunded")
    payment.refunded = True
    return True


@method("setMyCommands")
async def set_my_commands(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Store the bot's command list."""
    commands = params.decoded("commands", "can't parse commands JSON object")
    if not isinstance(commands, list) or not all(
        isinstance(c, dict) and c.get("command") and c.get("description") for c in commands
    ):
        raise bad_request("can't parse commands JSON object", reason="commands")
    bot.commands = commands
    return True


@method("getMyCommands")
async def get_my_commands(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Return the bot's command list."""
    return bot.commands


@method("deleteMyCommands")
async def delete_my_commands(emu: Emulator, bot: BotState, params: Params) -> Any:
    """Clear the bot's command list."""
    bot.commands = []
    return True
