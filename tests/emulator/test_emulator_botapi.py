"""The emulator answers the Bot API like Telegram: results, validation and error format."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from yabot.emulator.server import EmulatorServer
from yabot.emulator.state import Emulator, EmulatorConfig

TOKEN = "123456:test-token"
CHANNEL = -1001000000001


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    config = EmulatorConfig(pre_checkout_timeout_s=1.0, webhook_retry_base_s=0.05)
    with EmulatorServer(Emulator(config, tokens=[TOKEN], channels=[CHANNEL])) as running:
        yield running


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=15) as http:
        yield http


def call(client: httpx.Client, method: str, token: str = TOKEN, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.post(f"/bot{token}/{method}", json=params).json()
    return body


def ok(client: httpx.Client, method: str, **params: Any) -> Any:
    body = call(client, method, **params)
    assert body["ok"], body
    return body["result"]


def player(client: httpx.Client, user_id: int = 7, name: str = "Ana", lang: str = "es") -> None:
    response = client.post(
        "/_emulator/users", json={"id": user_id, "first_name": name, "language_code": lang}
    )
    assert response.status_code == 200


def say(client: httpx.Client, text: str, user_id: int = 7) -> int:
    response = client.post(f"/_emulator/users/{user_id}/messages", json={"text": text})
    assert response.status_code == 200, response.text
    update_id: int = response.json()["update_id"]
    return update_id


def bad(body: dict[str, Any], fragment: str, code: int = 400) -> None:
    assert body["ok"] is False
    assert body["error_code"] == code
    assert fragment in body["description"], body["description"]


def test_get_me_by_get_and_post_and_form(client: httpx.Client) -> None:
    by_get = client.get(f"/bot{TOKEN}/getMe").json()["result"]
    by_form = client.post(f"/bot{TOKEN}/getme", data={}).json()["result"]
    assert by_get == by_form
    assert by_get["is_bot"] is True and by_get["id"] == 123456 and by_get["username"]


def test_bad_token_is_401_and_unknown_method_404(client: httpx.Client) -> None:
    response = client.get("/botnot-a-token/getMe")
    assert response.status_code == 401
    bad(response.json(), "Unauthorized", 401)
    other_secret = client.get("/bot123456:other/getMe")
    assert other_secret.status_code == 401
    unknown = client.get(f"/bot{TOKEN}/sendTelepathy")
    assert unknown.status_code == 404
    bad(unknown.json(), "Not Found", 404)


def test_user_message_reaches_get_updates_with_command_entity(client: httpx.Client) -> None:
    player(client)
    update_id = say(client, "/start ref42")
    updates = ok(client, "getUpdates", timeout=0)
    assert [u["update_id"] for u in updates] == [update_id]
    message = updates[0]["message"]
    assert message["from"] == {"id": 7, "is_bot": False, "first_name": "Ana", "language_code": "es"}
    assert message["chat"]["type"] == "private" and message["chat"]["id"] == 7
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


def test_updates_stay_until_confirmed_by_offset(client: httpx.Client) -> None:
    player(client)
    ids = [say(client, f"m{i}") for i in range(5)]
    assert [u["update_id"] for u in ok(client, "getUpdates", limit=2)] == ids[:2]
    assert [u["update_id"] for u in ok(client, "getUpdates", limit=2)] == ids[:2]
    assert [u["update_id"] for u in ok(client, "getUpdates", offset=ids[2])] == ids[2:]
    assert [u["update_id"] for u in ok(client, "getUpdates", offset=-1)] == ids[-1:]
    assert ok(client, "getUpdates", offset=ids[-1] + 1) == []


async def test_long_poll_returns_as_soon_as_a_user_writes(server: EmulatorServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await http.post("/_emulator/users", json={"id": 9, "first_name": "Bo"})
        poll = asyncio.create_task(http.post(f"/bot{TOKEN}/getUpdates", json={"timeout": 20}))
        await asyncio.sleep(0.3)
        assert not poll.done()
        await http.post("/_emulator/users/9/messages", json={"text": "hello"})
        body = (await asyncio.wait_for(poll, 10)).json()
    assert body["ok"] and body["result"][0]["message"]["text"] == "hello"


async def test_second_poller_terminates_the_first_with_409(server: EmulatorServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        first = asyncio.create_task(http.post(f"/bot{TOKEN}/getUpdates", json={"timeout": 20}))
        await asyncio.sleep(0.3)
        second = asyncio.create_task(http.post(f"/bot{TOKEN}/getUpdates", json={"timeout": 1}))
        answer = await asyncio.wait_for(first, 10)
        await second
    assert answer.status_code == 409
    bad(answer.json(), "terminated by other getUpdates request", 409)


def test_get_updates_is_409_while_a_webhook_is_set(client: httpx.Client) -> None:
    assert ok(client, "setWebhook", url="http://127.0.0.1:9/hook", secret_token="s3cret_-X")
    bad(call(client, "getUpdates"), "can't use getUpdates method while webhook is active", 409)
    assert ok(client, "deleteWebhook") is True
    assert ok(client, "getUpdates") == []


def test_set_webhook_rejects_bad_secret_token(client: httpx.Client) -> None:
    bad(
        call(client, "setWebhook", url="https://x.example/h", secret_token="no spaces!"),
        "secret token contains unallowed characters",
    )
    bad(
        call(client, "setWebhook", url="https://x.example/h", secret_token="x" * 257),
        "secret token",
    )


def test_allowed_updates_drops_other_kinds(client: httpx.Client) -> None:
    player(client)
    ok(client, "getUpdates", allowed_updates=["callback_query"])
    assert say(client, "ignored") is None
    assert ok(client, "getUpdates") == []
    ok(client, "getUpdates", allowed_updates=[])
    assert say(client, "seen") is not None


def test_send_message_to_unknown_or_silent_chats(client: httpx.Client) -> None:
    bad(call(client, "sendMessage", chat_id=999, text="hi"), "chat not found")
    bad(call(client, "sendMessage", text="hi"), "chat_id is empty")
    player(client)
    bad(
        call(client, "sendMessage", chat_id=7, text="hi"),
        "bot can't initiate conversation with a user",
        403,
    )
    say(client, "hi")
    assert ok(client, "sendMessage", chat_id=7, text="hello")["text"] == "hello"
    client.post("/_emulator/users/7/block")
    bad(call(client, "sendMessage", chat_id=7, text="hi"), "bot was blocked by the user", 403)


@pytest.fixture
def started(client: httpx.Client) -> httpx.Client:
    player(client)
    say(client, "/start")
    return client


def test_text_length_counts_after_entity_parsing(started: httpx.Client) -> None:
    bad(call(started, "sendMessage", chat_id=7, text=""), "message text is empty")
    bad(
        call(started, "sendMessage", chat_id=7, text="<b> </b>", parse_mode="HTML"),
        "message text is empty",
    )
    bad(call(started, "sendMessage", chat_id=7, text="x" * 4097), "message is too long")
    assert ok(started, "sendMessage", chat_id=7, text="x" * 4096)
    wrapped = "<b>" + "x" * 4096 + "</b>"
    assert (
        len(ok(started, "sendMessage", chat_id=7, text=wrapped, parse_mode="HTML")["text"]) == 4096
    )


def test_html_parse_mode_entities_and_errors(started: httpx.Client) -> None:
    sent = ok(
        started,
        "sendMessage",
        chat_id=7,
        parse_mode="HTML",
        text='😀 <b>bold <i>both</i></b> &lt;3 <a href="https://t.me/x">link</a>',
    )
    assert sent["text"] == "😀 bold both <3 link"
    kinds = {(e["type"], e["offset"], e["length"]) for e in sent["entities"]}
    assert kinds == {("bold", 3, 9), ("italic", 8, 4), ("text_link", 16, 4)}
    bad(
        call(started, "sendMessage", chat_id=7, text="<b>open", parse_mode="HTML"),
        "can't parse entities",
    )
    bad(
        call(started, "sendMessage", chat_id=7, text="<b><i>x</b></i>", parse_mode="HTML"),
        "can't parse entities",
    )
    bad(
        call(started, "sendMessage", chat_id=7, text="<blink>x</blink>", parse_mode="HTML"),
        'Unsupported start tag "blink"',
    )
    bad(
        call(started, "sendMessage", chat_id=7, text="a < b", parse_mode="HTML"),
        "can't parse entities",
    )


def test_markdown_v2_needs_escapes(started: httpx.Client) -> None:
    bad(
        call(started, "sendMessage", chat_id=7, text="Hello.", parse_mode="MarkdownV2"),
        "Character '.' is reserved",
    )
    sent = ok(started, "sendMessage", chat_id=7, text=r"*Hi* _there_\!", parse_mode="MarkdownV2")
    assert sent["text"] == "Hi there!"
    assert [e["type"] for e in sent["entities"]] == ["bold", "italic"]
    bad(
        call(started, "sendMessage", chat_id=7, text="*open", parse_mode="MarkdownV2"),
        "Can't find end of Bold entity",
    )
    bad(
        call(started, "sendMessage", chat_id=7, text="_open", parse_mode="Markdown"),
        "Can't find end of the entity",
    )
    bad(call(started, "sendMessage", chat_id=7, text="x", parse_mode="Klingon"), "parse_mode")


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ({"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "A", "callback_data": ""}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [{"text": "A", "callback_data": "a"}]}, "must be an Array"),
        ({"inline_keyboard": {"text": "A"}}, "must be an Array"),
        ({"inline_keyboard": [[{"text": "A"}]]}, "text buttons are unallowed"),
        ({"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}, "Text must be non-empty"),
        (
            {"inline_keyboard": [[{"text": "A", "callback_data": "a", "url": "https://x"}]]},
            "only one of",
        ),
        (
            {"inline_keyboard": [[{"text": "A", "url": "javascript:alert(1)"}]]},
            "BUTTON_URL_INVALID",
        ),
        ({"inline_keyboard": [[{"text": "A", "pay": True}]]}, "BUTTON_TYPE_INVALID"),
        ("not json", "can't parse reply keyboard markup"),
    ],
)
def test_inline_keyboard_shape_is_validated(
    started: httpx.Client, markup: Any, fragment: str
) -> None:
    bad(call(started, "sendMessage", chat_id=7, text="pick", reply_markup=markup), fragment)


def test_form_encoded_call_like_aiogram(started: httpx.Client) -> None:
    keyboard = '{"inline_keyboard": [[{"text": "A", "callback_data": "' + "é" * 32 + '"}]]}'
    response = started.post(
        f"/bot{TOKEN}/sendMessage", data={"chat_id": "7", "text": "form", "reply_markup": keyboard}
    )
    result = response.json()["result"]
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "é" * 32
    files = {"photo": ("p.jpg", b"\xff\xd8jpegbytes", "image/jpeg")}
    photo = started.post(
        f"/bot{TOKEN}/sendPhoto", data={"chat_id": "7", "caption": "look"}, files=files
    ).json()["result"]
    assert photo["caption"] == "look" and photo["photo"][0]["file_size"] == 11
    again = ok(started, "sendPhoto", chat_id=7, photo=photo["photo"][0]["file_id"])
    assert again["photo"]
    bad(call(started, "sendPhoto", chat_id=7, photo="no-such-file"), "wrong file identifier")


def test_edits_and_deletes_as_the_player_sees_them(started: httpx.Client) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    sent = ok(started, "sendMessage", chat_id=7, text="one", reply_markup=keyboard)
    mid = sent["message_id"]
    bad(
        call(
            started, "editMessageText", chat_id=7, message_id=mid, text="one", reply_markup=keyboard
        ),
        "message is not modified",
    )
    edited = ok(
        started, "editMessageText", chat_id=7, message_id=mid, text="two", reply_markup=keyboard
    )
    assert edited["text"] == "two" and "edit_date" in edited
    bad(
        call(started, "editMessageReplyMarkup", chat_id=7, message_id=mid, reply_markup=keyboard),
        "message is not modified",
    )
    cleared = ok(started, "editMessageText", chat_id=7, message_id=mid, text="three")
    assert "reply_markup" not in cleared
    bad(
        call(started, "editMessageText", chat_id=7, message_id=999, text="x"),
        "message to edit not found",
    )
    view = started.get("/_emulator/chats/7/messages").json()["messages"][-1]
    assert view["text"] == "three" and view["buttons"] == [] and view["edited"]
    assert [v["text"] for v in view["versions"]] == ["one", "two"]
    assert ok(started, "deleteMessage", chat_id=7, message_id=mid) is True
    bad(call(started, "deleteMessage", chat_id=7, message_id=mid), "message to delete not found")
    bad(
        call(started, "editMessageText", chat_id=7, message_id=mid, text="x"),
        "message to edit not found",
    )
    assert started.get("/_emulator/chats/7/messages").json()["messages"][-1]["deleted"] is True


def test_button_press_makes_a_callback_query_answered_once(started: httpx.Client) -> None:
    keyboard = {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "y"}, {"text": "No", "callback_data": "n"}]
        ]
    }
    mid = ok(started, "sendMessage", chat_id=7, text="?", reply_markup=keyboard)["message_id"]
    ok(started, "getUpdates", offset=-1)
    ok(started, "getUpdates", offset=ok(started, "getUpdates")[-1]["update_id"] + 1)
    missing = started.post("/_emulator/users/7/press", json={"message_id": mid, "data": "maybe"})
    assert missing.status_code == 404
    pressed = started.post("/_emulator/users/7/press", json={"message_id": mid, "text": "No"})
    query_id = pressed.json()["callback_query_id"]
    query = ok(started, "getUpdates")[0]["callback_query"]
    assert query["id"] == query_id and query["data"] == "n" and query["chat_instance"]
    assert query["message"]["message_id"] == mid and query["from"]["id"] == 7
    assert ok(started, "answerCallbackQuery", callback_query_id=query_id, text="Noted") is True
    bad(call(started, "answerCallbackQuery", callback_query_id=query_id), "query is too old")
    bad(call(started, "answerCallbackQuery", callback_query_id="42"), "query ID is invalid")
    answer = started.get(f"/_emulator/callbacks/{query_id}").json()
    assert answer == {"answered": True, "text": "Noted", "show_alert": False, "url": None}


def test_invite_links_membership_ban_and_unban(started: httpx.Client) -> None:
    player(started, 8, "Eve", "en")
    bad(call(started, "createChatInviteLink", chat_id=-100999), "chat not found")
    link = ok(started, "createChatInviteLink", chat_id=CHANNEL, member_limit=1, name="vip-7")
    assert link["member_limit"] == 1 and link["name"] == "vip-7"
    assert link["invite_link"].startswith("https://t.me/+")
    joined = started.post("/_emulator/users/7/join", json={"invite_link": link["invite_link"]})
    assert joined.status_code == 200
    full = started.post("/_emulator/users/8/join", json={"invite_link": link["invite_link"]})
    assert full.status_code == 400 and "USERS_TOO_MUCH" in full.json()["detail"]
    assert started.get(f"/_emulator/channels/{CHANNEL}").json()["members"] == [7]
    assert ok(started, "getChatMember", chat_id=CHANNEL, user_id=7)["status"] == "member"
    assert ok(started, "banChatMember", chat_id=CHANNEL, user_id=7) is True
    assert ok(started, "getChatMember", chat_id=CHANNEL, user_id=7)["status"] == "kicked"
    link2 = ok(started, "createChatInviteLink", chat_id=CHANNEL)["invite_link"]
    banned = started.post("/_emulator/users/7/join", json={"invite_link": link2})
    assert banned.status_code == 403
    assert ok(started, "unbanChatMember", chat_id=CHANNEL, user_id=7, only_if_banned=True)
    assert started.post("/_emulator/users/7/join", json={"invite_link": link2}).status_code == 200
    assert ok(started, "unbanChatMember", chat_id=CHANNEL, user_id=7) is True
    assert ok(started, "getChatMember", chat_id=CHANNEL, user_id=7)["status"] == "left"
    expired = call(
        started, "createChatInviteLink", chat_id=CHANNEL, expire_date=int(time.time()) - 5
    )
    bad(expired, "EXPIRE_DATE_INVALID")


def _invoice(**extra: Any) -> dict[str, Any]:
    return {
        "title": "VIP",
        "description": "30 days of VIP",
        "payload": "vip:7:1",
        "currency": "XTR",
        "prices": [{"label": "VIP", "amount": 250}],
        **extra,
    }


def test_invoice_validation(started: httpx.Client) -> None:
    bad(call(started, "sendInvoice", chat_id=7, **_invoice(currency="USD")), "CURRENCY_INVALID")
    bad(call(started, "sendInvoice", chat_id=7, **_invoice(payload="")), "INVOICE_PAYLOAD_INVALID")
    bad(
        call(
            started,
            "sendInvoice",
            chat_id=7,
            **_invoice(prices=[{"label": "a", "amount": 1}, {"label": "b", "amount": 2}]),
        ),
        "exactly one price",
    )
    bad(
        call(started, "createInvoiceLink", **_invoice(subscription_period=86400)),
        "SUBSCRIPTION_PERIOD_INVALID",
    )


def _answer_checkout(client: httpx.Client, ok_: bool, error: str | None = None) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for update in ok(client, "getUpdates"):
            ok(client, "getUpdates", offset=update["update_id"] + 1)
            if "pre_checkout_query" in update:
                query = update["pre_checkout_query"]
                assert query["currency"] == "XTR" and query["total_amount"] == 250
                params: dict[str, Any] = {"pre_checkout_query_id": query["id"], "ok": ok_}
                if error:
                    params["error_message"] = error
                ok(client, "answerPreCheckoutQuery", **params)
                return
        time.sleep(0.02)
    raise AssertionError("no pre_checkout_query arrived")


def test_pay_invoice_then_refund(server: EmulatorServer, started: httpx.Client) -> None:
    invoice = ok(started, "sendInvoice", chat_id=7, **_invoice())
    assert invoice["invoice"]["total_amount"] == 250
    assert invoice["reply_markup"]["inline_keyboard"][0][0]["pay"] is True
    ok(started, "getUpdates", offset=ok(started, "getUpdates")[-1]["update_id"] + 1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        paying = pool.submit(
            lambda: httpx.post(
                f"{server.url}/_emulator/users/7/pay",
                json={"message_id": invoice["message_id"]},
                timeout=15,
            ).json()
        )
        _answer_checkout(started, True)
        result = paying.result(timeout=10)
    assert result["status"] == "paid"
    charge = result["telegram_payment_charge_id"]
    payment_update = ok(started, "getUpdates")[0]["message"]["successful_payment"]
    assert payment_update["telegram_payment_charge_id"] == charge
    assert payment_update["invoice_payload"] == "vip:7:1"
    bad(
        call(started, "refundStarPayment", user_id=8, telegram_payment_charge_id=charge),
        "CHARGE_NOT_FOUND",
    )
    assert ok(started, "refundStarPayment", user_id=7, telegram_payment_charge_id=charge) is True
    bad(
        call(started, "refundStarPayment", user_id=7, telegram_payment_charge_id=charge),
        "CHARGE_ALREADY_REFUNDED",
    )
    assert started.get("/_emulator/payments").json()[0]["refunded"] is True


def test_declined_and_unanswered_checkouts(server: EmulatorServer, started: httpx.Client) -> None:
    link = ok(started, "createInvoiceLink", **_invoice(subscription_period=2592000))
    assert link.startswith("https://t.me/$")
    ok(started, "getUpdates", offset=ok(started, "getUpdates")[-1]["update_id"] + 1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        paying = pool.submit(
            lambda: httpx.post(
                f"{server.url}/_emulator/users/7/pay", json={"invoice_link": link}, timeout=15
            ).json()
        )
        _answer_checkout(started, False, "sold out")
        assert paying.result(timeout=10)["status"] == "declined"
    timed_out = started.post("/_emulator/users/7/pay", json={"invoice_link": link}).json()
    assert timed_out["status"] == "timeout"
    late = ok(started, "getUpdates")[-1]["pre_checkout_query"]["id"]
    bad(
        call(started, "answerPreCheckoutQuery", pre_checkout_query_id=late, ok=True),
        "query is too old",
    )
    assert started.get("/_emulator/payments").json() == []


def test_subscription_link_payment_and_renewal(
    server: EmulatorServer, started: httpx.Client
) -> None:
    link = ok(started, "createInvoiceLink", **_invoice(subscription_period=2592000))
    ok(started, "getUpdates", offset=ok(started, "getUpdates")[-1]["update_id"] + 1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        paying = pool.submit(
            lambda: httpx.post(
                f"{server.url}/_emulator/users/7/pay", json={"invoice_link": link}, timeout=15
            ).json()
        )
        _answer_checkout(started, True)
        paid = paying.result(timeout=10)
    first = ok(started, "getUpdates")[0]["message"]["successful_payment"]
    assert first["is_first_recurring"] is True
    assert first["subscription_expiration_date"] >= int(time.time()) + 2592000 - 5
    renewed = started.post(f"/_emulator/payments/{paid['telegram_payment_charge_id']}/renew")
    assert renewed.json()["subscription_expiration_date"] == (
        first["subscription_expiration_date"] + 2592000
    )
    second = ok(started, "getUpdates", offset=-1)[0]["message"]["successful_payment"]
    assert second["is_recurring"] is True and second["is_first_recurring"] is False
