"""Lean Bot API models for what YABOT reads, and the normalised `IncomingUpdate`.

aiogram's models cost 165 MB of RSS on import, so the hot path uses these instead. They are
strict where aiogram is lenient: the fields the Bot API marks required are required, ids,
dates and amounts must be JSON integers within 2**53 (``update_id`` within 0..2**53),
strings are not coerced to numbers, a chat's type and a member's status must be one the Bot
API names, and a body must be a JSON object nested no deeper than the JSON parser's limit.
Unknown fields and unknown update types are accepted, as Telegram adds them over time.
"""

from __future__ import annotations

import json
import operator
import re
import time
from dataclasses import dataclass, field, fields
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from yabot.observability.logging import get_logger, update_fields

log = get_logger(__name__)

MAX_SAFE_INT = 2**53
UpdateId = Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)]
Id = Annotated[StrictInt, Field(ge=-MAX_SAFE_INT, le=MAX_SAFE_INT)]
UnixTime = Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)]
Amount = Annotated[StrictInt, Field(ge=0, le=MAX_SAFE_INT)]

UpdateKind = Literal[
    "message", "command", "callback_query", "pre_checkout_query", "successful_payment", "unhandled"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True, populate_by_name=True)


class User(_Model):
    """A Telegram user or bot."""

    id: Id
    is_bot: StrictBool
    first_name: StrictStr
    username: StrictStr | None = None
    language_code: StrictStr | None = None


class Chat(_Model):
    """A private chat, group, supergroup or channel."""

    id: Id
    type: Literal["private", "group", "supergroup", "channel"]


class MessageEntity(_Model):
    """A special entity in a text (command, mention, URL ...): read to check its shape only."""

    type: StrictStr
    offset: Amount
    length: Amount


class SuccessfulPayment(_Model):
    """A completed payment (Telegram Stars use currency ``XTR``)."""

    currency: StrictStr
    total_amount: Amount
    invoice_payload: StrictStr
    telegram_payment_charge_id: StrictStr
    provider_payment_charge_id: StrictStr = ""
    subscription_expiration_date: UnixTime | None = None
    is_recurring: StrictBool = False
    is_first_recurring: StrictBool = False


class Message(_Model):
    """A message (only the fields YABOT reads)."""

    message_id: Id
    from_user: User | None = Field(None, alias="from")
    chat: Chat
    date: UnixTime
    text: StrictStr | None = None
    entities: list[MessageEntity] | None = None
    successful_payment: SuccessfulPayment | None = None


class CallbackQuery(_Model):
    """A press of an inline keyboard button."""

    id: StrictStr
    from_user: User = Field(alias="from")
    message: Message | None = None
    chat_instance: StrictStr
    data: StrictStr | None = None


class PreCheckoutQuery(_Model):
    """A payment about to be made; it must be answered within 10 seconds."""

    id: StrictStr
    from_user: User = Field(alias="from")
    currency: StrictStr
    total_amount: Amount
    invoice_payload: StrictStr


class ChatMember(_Model):
    """A member of a chat: its user and status (the Bot API's six kinds of ChatMember)."""

    status: Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
    user: User


class ChatMemberUpdated(_Model):
    """A change of the bot's membership in a chat (e.g. the user blocked the bot)."""

    chat: Chat
    from_user: User = Field(alias="from")
    date: UnixTime
    old_chat_member: ChatMember
    new_chat_member: ChatMember


EVENT_FIELDS = (
    "message",
    "edited_message",
    "callback_query",
    "pre_checkout_query",
    "my_chat_member",
)


class Update(_Model):
    """An incoming update; at most one of the optional fields is set."""

    update_id: UpdateId
    message: Message | None = None
    edited_message: Message | None = None
    callback_query: CallbackQuery | None = None
    pre_checkout_query: PreCheckoutQuery | None = None
    my_chat_member: ChatMemberUpdated | None = None

    @model_validator(mode="after")
    def _one_event(self) -> Update:
        present = [name for name in EVENT_FIELDS if getattr(self, name) is not None]
        if len(present) > 1:
            raise ValueError(f"an update carries one event, got {' and '.join(present)}")
        return self


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

    def __reduce__(self) -> tuple[type[IncomingUpdate], tuple[Any, ...]]:
        # Pickled at every hand-over from the webhook process to the bot's: the dataclass
        # default (``fields()`` walked on both sides) was a tenth of the bot's event loop.
        return IncomingUpdate, _update_values(self)


_update_values = operator.attrgetter(*(f.name for f in fields(IncomingUpdate)))


def _short_reason(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    location = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "json_invalid" and "recursion limit" in error["msg"]:
        return "body is nested too deeply"
    if error["type"] in ("json_invalid", "json_type"):
        return "body is not valid JSON"
    if error["type"] == "model_type" and location == "body":
        return "body is not a JSON object"
    return f"{location}: {error['msg'].removeprefix('Value error, ')}"[:200]


# A JSON string, or one bracket: enough to find where a nested value ends without parsing it.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_WHITESPACE = b" \t\r\n"


def _value_end(raw: bytes, start: int) -> int:
    """Index just past the JSON value starting at ``start`` (no recursion, no parsing)."""
    first = raw[start : start + 1]
    if first == b'"':
        match = _STRING_OR_BRACKET.match(raw, start)
        if match is None:
            raise ValueError("unterminated string")
        return match.end()
    if first not in (b"{", b"["):
        end = start
        while end < len(raw) and raw[end : end + 1] not in b",}]" + _WHITESPACE:
            end += 1
        return end
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(raw, start):
        token = match.group()
        if token in (b"{", b"["):
            depth += 1
        elif token in (b"}", b"]"):
            depth -= 1
            if depth == 0:
                return match.end()
    raise ValueError("unterminated container")


def _skip_space(text: bytes, at: int) -> int:
    while text[at : at + 1] in (b" ", b"\t", b"\r", b"\n"):
        at += 1
    return at


def split_json(raw: bytes) -> list[tuple[str | None, bytes]] | None:
    """The members of a top-level JSON object or array, each value as its raw bytes.

    Finds where each value ends without parsing it, so a value nested past any parser's
    depth limit can still be skipped. Keys come back decoded (``None`` for array items).

    Returns:
        ``[(key, raw_value), ...]``, or None when ``raw`` is not a well-formed container at
        its top level (its values are not checked).
    """
    text = raw.strip(_WHITESPACE)
    if text[:1] == b"{" and text[-1:] == b"}":
        is_object = True
    elif text[:1] == b"[" and text[-1:] == b"]":
        is_object = False
    else:
        return None
    last = len(text) - 1
    members: list[tuple[str | None, bytes]] = []
    at = _skip_space(text, 1)
    try:
        while at < last:
            key: str | None = None
            if is_object:
                key_end = _value_end(text, at)
                key = json.loads(text[at:key_end])
                if not isinstance(key, str):
                    return None
                at = _skip_space(text, key_end)
                if text[at : at + 1] != b":":
                    return None
                at = _skip_space(text, at + 1)
            end = _value_end(text, at)
            if end <= at or end > last:
                return None
            members.append((key, text[at:end]))
            at = _skip_space(text, end)
            if text[at : at + 1] == b",":
                at = _skip_space(text, at + 1)
            elif at != last:
                return None
    except ValueError:
        return None
    return members


def _loose_update_id(raw: bytes) -> int | None:
    """The update_id of an invalid body, when it has a usable one (to skip it while polling).

    Reads only the top level of the body, so any nesting below it is harmless.
    """
    members = split_json(raw)
    if not members or members[0][0] is None:
        return None
    for key, value in members:
        if key == "update_id" and value.isdigit() and len(value) <= 16:
            update_id = int(value)
            return update_id if update_id <= MAX_SAFE_INT else None
    return None


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


def parse_stored_update(raw: bytes, received_at: float) -> IncomingUpdate:
    """Parse an update that ingress accepted earlier (inbox replay), never raising.

    An update stored by an earlier version may break a rule added since (ingress got
    stricter): it is replayed as ``unhandled`` (``update_type`` ``"invalid"``), so that the
    player's other updates still apply, and logged with its reason.

    Raises:
        InvalidUpdate: Only when not even an ``update_id`` can be read (nothing to replay).
    """
    try:
        return parse_update(raw, received_at)
    except InvalidUpdate as exc:
        if exc.update_id is None:
            raise
        log.warning("stored_update_invalid", reason=exc.reason, **update_fields(exc.update_id))
        return IncomingUpdate(
            update_id=exc.update_id,
            kind="unhandled",
            raw=raw,
            received_at=received_at,
            update_type="invalid",
        )
