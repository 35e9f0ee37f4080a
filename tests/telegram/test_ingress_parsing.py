"""Update validation: strict where aiogram is lenient, never an unexpected exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.telegram.types import (
    MAX_SAFE_INT,
    InvalidUpdate,
    parse_stored_update,
    parse_update,
    split_json,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
update_like = st.fixed_dictionaries(
    {"update_id": st.integers(-5, 2**64) | st.text(max_size=3) | st.none()},
    optional={
        "message": json_values
        | st.fixed_dictionaries(
            {"message_id": st.integers(), "chat": json_values, "date": st.integers()},
            optional={"text": json_values, "from": json_values},
        ),
        "callback_query": json_values,
        "pre_checkout_query": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=64), json_values.map(json.dumps), update_like.map(json.dumps)))
def test_any_body_parses_or_gives_a_short_reason(body: bytes | str) -> None:
    raw = body.encode() if isinstance(body, str) else body
    try:
        update = parse_update(raw)
    except InvalidUpdate as exc:
        assert 0 < len(exc.reason) <= 200
        return
    assert 0 <= update.update_id <= MAX_SAFE_INT
    assert update.raw == raw


@settings(max_examples=100, deadline=None)
@given(st.integers(0, MAX_SAFE_INT), st.text(min_size=1, max_size=50))
def test_text_and_commands_are_normalised(update_id: int, text: str) -> None:
    body = {
        "update_id": update_id,
        "message": {
            "message_id": 3,
            "from": {"id": 9, "is_bot": False, "first_name": "A", "language_code": "es"},
            "chat": {"id": 9, "type": "private"},
            "date": 1,
            "text": text,
        },
    }
    update = parse_update(json.dumps(body).encode())
    assert (update.update_id, update.user_id, update.chat_id, update.text) == (
        update_id,
        9,
        9,
        text,
    )
    if text.startswith("/") and text.split(" ")[0].split("@")[0] != "/":
        assert update.kind == "command"
        assert f"/{update.command}".lower() == text.split(" ")[0].split("@")[0].lower()
    else:
        assert update.kind == "message" and update.command is None


def test_payments_are_normalised() -> None:
    user = {"id": 5, "is_bot": False, "first_name": "B"}
    checkout = {
        "update_id": 1,
        "pre_checkout_query": {
            "id": "pcq",
            "from": user,
            "currency": "XTR",
            "total_amount": 250,
            "invoice_payload": "vip:30",
        },
    }
    paid = {
        "update_id": 2,
        "message": {
            "message_id": 4,
            "from": user,
            "chat": {"id": 5, "type": "private"},
            "date": 2,
            "successful_payment": {
                "currency": "XTR",
                "total_amount": 250,
                "invoice_payload": "vip:30",
                "telegram_payment_charge_id": "charge-1",
                "subscription_expiration_date": 1_800_000_000,
                "is_recurring": True,
                "is_first_recurring": True,
            },
        },
    }
    first = parse_update(json.dumps(checkout).encode())
    assert (first.kind, first.pre_checkout_query_id, first.total_amount) == (
        "pre_checkout_query",
        "pcq",
        250,
    )
    second = parse_update(json.dumps(paid).encode())
    assert (second.kind, second.telegram_payment_charge_id, second.is_first_recurring) == (
        "successful_payment",
        "charge-1",
        True,
    )
    assert second.subscription_expiration_date == 1_800_000_000


USER = {"id": 5, "is_bot": False, "first_name": "P"}
CHAT = {"id": 5, "type": "private"}
MEMBER = {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "Y"}}


@pytest.mark.parametrize(
    "body",
    [
        {
            "update_id": 1,
            "my_chat_member": {
                "chat": CHAT,
                "from": USER,
                "date": 1,
                "old_chat_member": MEMBER,
                "new_chat_member": {**MEMBER, "status": "kicked"},
            },
        },
        {"update_id": 1, "edited_message": {"message_id": 1, "chat": CHAT, "date": 1}},
        {"update_id": 1},
        {"update_id": 1, "chat_boost": {"boost": {"nested": [[[{}]]]}}},
    ],
)
def test_types_yabot_ignores_are_unhandled_not_errors(body: dict[str, Any]) -> None:
    assert parse_update(json.dumps(body).encode()).kind == "unhandled"


def test_private_text_is_not_in_the_repr() -> None:
    body = {
        "update_id": 1,
        "message": {"message_id": 1, "chat": CHAT, "date": 1, "text": "my secret diary"},
    }
    assert "secret diary" not in repr(parse_update(json.dumps(body).encode()))


@pytest.mark.parametrize("depth", [150, 250, 10_000, 100_000])
@pytest.mark.parametrize("shape", ["array", "object"])
def test_nesting_at_any_depth_is_a_reason_never_an_exception(depth: int, shape: str) -> None:
    opened, closed = (b"[", b"]") if shape == "array" else (b'{"a":', b"}")
    inner = b"1" if shape == "object" else b""
    raw = b'{"update_id": 8, "poll": ' + opened * depth + inner + closed * depth + b"}"
    try:
        update = parse_update(raw)
    except InvalidUpdate as exc:
        assert (exc.reason, exc.update_id) == ("body is nested too deeply", 8)
        assert depth > 150
    else:
        assert (update.kind, update.update_type, depth) == ("unhandled", "poll", 150)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"update_id": 12, "x": "]}\\"[{"}', [("update_id", b"12"), ("x", b'"]}\\"[{"')]),
        (b' [1, {"a": []}, "s"] ', [(None, b"1"), (None, b'{"a": []}'), (None, b'"s"')]),
        (b"{}", []),
        (b'{"a": [1]]}', None),
        (b'{"a" 1}', None),
        (b'{"a": 1 "b": 2}', None),
        (b'{"a": }', None),
        (b"nope", None),
        (b'{"a": "unterminated}', None),
    ],
)
def test_split_json_reads_the_top_level_only(
    raw: bytes, expected: list[tuple[str | None, bytes]] | None
) -> None:
    assert split_json(raw) == expected


def test_a_stored_update_that_breaks_a_newer_rule_replays_as_unhandled() -> None:
    old = {"update_id": 9, "message": {"message_id": 1, "chat": {"id": 5}, "date": 1, "text": "hi"}}
    raw = json.dumps(old).encode()
    with pytest.raises(InvalidUpdate):
        parse_update(raw)
    update = parse_stored_update(raw, 2.0)
    assert (update.update_id, update.kind, update.update_type, update.received_at) == (
        9,
        "unhandled",
        "invalid",
        2.0,
    )
    with pytest.raises(InvalidUpdate):
        parse_stored_update(b"{not json", 2.0)


def test_an_update_survives_the_hand_over_between_processes_whole() -> None:
    """Updates are pickled from the webhook process to the bot's: every field comes back."""
    import dataclasses
    import pickle

    from yabot.telegram.types import IncomingUpdate

    values = {
        f.name: (
            f"v-{f.name}"
            if f.type in ("str", "str | None")
            else 7
            if "int" in str(f.type)
            else True
            if f.type == "bool"
            else 1.5
            if f.type == "float"
            else b"{}"
            if f.type == "bytes"
            else "message"
        )
        for f in dataclasses.fields(IncomingUpdate)
    }
    update = IncomingUpdate(**values)
    back = pickle.loads(pickle.dumps((update, 9), pickle.HIGHEST_PROTOCOL))
    assert back == (update, 9)
    assert all(getattr(back[0], name) == value for name, value in values.items())
