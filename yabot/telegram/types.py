"""Lean Bot API models for what YABOT reads, and the normalised `IncomingUpdate`.

aiogram's models cost 165 MB of RSS on import, so the hot path uses these instead. They are
strict where aiogram is lenient: ``update_id`` and ids must be JSON integers within 2**53,
strings are not coerced to numbers, and a body must be a JSON object. Unknown fields are
ignored, as Telegram adds fields over time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

MAX_SAFE_INT = 2**53
UpdateId = Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)]
Id = Annotated[StrictInt, Field(ge=-MAX_SAFE_INT, le=MAX_SAFE_INT)]

UpdateKind = Literal[
    "message", "command", "callback_query", "pre_checkout_query", "successful_payment", "unhandled"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True, populate_by_name=True)


class User(_Model):
    """A Telegram user or bot."""

    id: Id
    is_bot: StrictBool = False
    first_name: StrictStr = ""
    username: StrictStr | None = None
    language_code: StrictStr | None = None


class Chat(_Model):
    """A private chat, group, supergroup or channel."""

    id: Id
    type: StrictStr = "private"


class SuccessfulPayment(_Model):
    """A completed payment (Telegram Stars use currency ``XTR``)."""

    currency: StrictStr
    total_amount: StrictInt
    invoice_payload: StrictStr
    telegram_payment_charge_id: StrictStr
    provider_payment_charge_id: StrictStr = ""
    subscription_expiration_date: StrictInt | None = None
    is_recurring: StrictBool = False
    is_first_recurring: StrictBool = False


class Message(_Model):
    """A message (only the fields YABOT reads)."""

    message_id: Id
    from_user: User | None = Field(None, alias="from")
    chat: Chat
    date: StrictInt
    text: StrictStr | None = None
    successful_payment: SuccessfulPayment | None = None


class CallbackQuery(_Model):
    """A press of an inline keyboard button."""

    id: StrictStr
    from_user: User = Field(alias="from")
    message: Message | None = None
    chat_instance: StrictStr = ""
    data: StrictStr | None = None


class PreCheckoutQuery(_Model):
    """A payment about to be made; it must be answered within 10 seconds."""

    id: StrictStr
    from_user: User = Field(alias="from")
    currency: StrictStr
    total_amount: StrictInt
    invoice_payload: StrictStr


class ChatMemberUpdated(_Model):
    """A change of the bot's membership in a chat (e.g. the user blocked the bot)."""

    chat: Chat
    from_user: User = Field(alias="from")
    date: StrictInt


class Update(_Model):
    """An incoming update; at most one of the optional fields is set."""

    update_id: UpdateId
    message: Message | None = None
    edited_message: Message | None = None
    callback_query: CallbackQuery | None = None
    pre_checkout_query: PreCheckoutQuery | None = None
    my_chat_member: ChatMemberUpdated | None = None


class InvalidUpdate(ValueError):
    """A body that is not a valid Update; ``reason`` is short and safe to log or return."""

    def __init__(self, reason: str, update_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.update_id = update_id


@dataclass(frozen=True, slots=True)
class IncomingUpdate:
    """One update, normalised for routing. ``raw`` is the exact JSON received."""

    update_id: int
    kind: UpdateKind
    raw: bytes = field(repr=False)
    received_at: float
    user_id: int | None = None
    chat_id: int | None = None
    language_code: str | None = None
    message_id: int | None = None
    text: str | None = field(default=None, repr=False)
    command: str | None = None
    args: str | None = field(default=None, repr=False)
    callback_id: str | None = None
    callback_data: str | None = field(default=None, repr=False)
    pre_checkout_query_id: str | None = None
    currency: str | None = None
    total_amount: int | None = None
    invoice_payload: str | None = None
    telegram_payment_charge_id: str | None = None
    subscription_expiration_date: int | None = None
    is_recurring: bool = False
    is_first_recurring: bool = False
    update_type: str = ""


def _short_reason(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    location = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] in ("json_invalid", "json_type"):
        return "body is not valid JSON"
    if error["type"] == "model_type" and location == "body":
        return "body is not a JSON object"
    return f"{location}: {error['msg']}"[:200]


def _loose_update_id(raw: bytes) -> int | None:
    """The update_id of an invalid body, when it has a usable one (to skip it while polling)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    update_id = value.get("update_id") if isinstance(value, dict) else None
    if isinstance(update_id, bool) or not isinstance(update_id, int):
        return None
    return update_id if 0 <= update_id <= MAX_SAFE_INT else None


def _split_command(text: str) -> tuple[str, str] | None:
    """``("start", "ref_7")`` for ``"/start@yabot ref_7"``; None when the text is no command."""
    if not text.startswith("/"):
        return None
    head, _, args = text.partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    return (command, args.strip()) if command else None


def _from_message(update: Update, message: Message, base: dict[str, Any]) -> IncomingUpdate:
    user = message.from_user
    fields: dict[str, Any] = {
        **base,
        "user_id": user.id if user else None,
        "chat_id": message.chat.id,
        "language_code": user.language_code if user else None,
        "message_id": message.message_id,
        "text": message.text,
    }
    payment = message.successful_payment
    if payment is not None:
        fields.update(
            kind="successful_payment",
            currency=payment.currency,
            total_amount=payment.total_amount,
            invoice_payload=payment.invoice_payload,
            telegram_payment_charge_id=payment.telegram_payment_charge_id,
            subscription_expiration_date=payment.subscription_expiration_date,
            is_recurring=payment.is_recurring,
            is_first_recurring=payment.is_first_recurring,
        )
    elif message.text is not None and (split := _split_command(message.text)) is not None:
        fields.update(kind="command", command=split[0], args=split[1])
    elif message.text is not None:
        fields.update(kind="message")
    else:
        fields.update(kind="unhandled")
    return IncomingUpdate(**fields)


def normalise(update: Update, raw: bytes, received_at: float) -> IncomingUpdate:
    """Turn a validated `Update` into an `IncomingUpdate`.

    Args:
        update: The validated update.
        raw: The JSON bytes it was parsed from.
        received_at: Unix time of receipt.

    Returns:
        The normalised update; ``kind`` is ``"unhandled"`` for types YABOT does not act on
        (edited messages, membership changes, messages without text, ...).
    """
    base: dict[str, Any] = {"update_id": update.update_id, "raw": raw, "received_at": received_at}
    if update.message is not None:
        return _from_message(update, update.message, {**base, "update_type": "message"})
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        return IncomingUpdate(
            **base,
            update_type="callback_query",
            kind="callback_query",
            user_id=query.from_user.id,
            chat_id=message.chat.id if message else query.from_user.id,
            language_code=query.from_user.language_code,
            message_id=message.message_id if message else None,
            callback_id=query.id,
            callback_data=query.data,
        )
    if update.pre_checkout_query is not None:
        checkout = update.pre_checkout_query
        return IncomingUpdate(
            **base,
            update_type="pre_checkout_query",
            kind="pre_checkout_query",
            user_id=checkout.from_user.id,
            chat_id=checkout.from_user.id,
            language_code=checkout.from_user.language_code,
            pre_checkout_query_id=checkout.id,
            currency=checkout.currency,
            total_amount=checkout.total_amount,
            invoice_payload=checkout.invoice_payload,
        )
    if update.edited_message is not None:
        edited = update.edited_message
        return IncomingUpdate(
            **base,
            update_type="edited_message",
            kind="unhandled",
            user_id=edited.from_user.id if edited.from_user else None,
            chat_id=edited.chat.id,
            message_id=edited.message_id,
        )
    if update.my_chat_member is not None:
        member = update.my_chat_member
        return IncomingUpdate(
            **base,
            update_type="my_chat_member",
            kind="unhandled",
            user_id=member.from_user.id,
            chat_id=member.chat.id,
        )
    return IncomingUpdate(**base, update_type=_other_type(raw), kind="unhandled")


def _other_type(raw: bytes) -> str:
    try:
        keys = [key for key in json.loads(raw) if key != "update_id"]
    except (ValueError, TypeError):
        return "unknown"
    return keys[0][:64] if keys else "empty"


def parse_update(raw: bytes, received_at: float | None = None) -> IncomingUpdate:
    """Validate one Update's JSON and normalise it.

    Args:
        raw: The JSON body exactly as received.
        received_at: Unix time of receipt; now when omitted.

    Returns:
        The normalised update.

    Raises:
        InvalidUpdate: The body is not JSON, not an object, or not a valid Update; ``reason``
            says why in a few words, ``update_id`` is set when the body had a usable one.
    """
    try:
        update = Update.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidUpdate(_short_reason(exc), _loose_update_id(raw)) from None
    return normalise(update, raw, time.time() if received_at is None else received_at)
